// Notifications in the background (Web Push): a control under the bell that registers the
// service worker (sw.js), subscribes this browser with the server's VAPID key and hands the
// subscription to the server. Where push is not available (no PushManager, notifications
// blocked, or a server that does not push) it says so, and the in-tab notifications go on.

import { api } from './api.js';
import { h } from './dom.js';
import { addKeys, t } from './i18n.js';

addKeys({
  en: {
    'push.enable': 'Enable notifications in the background', 'push.disable': 'Turn off background notifications',
    'push.on': 'Background notifications are on for this browser.',
    'push.unsupported': 'This browser cannot receive notifications in the background: you get them while this tab is open.',
    'push.denied': 'Notifications are blocked for this site: allow them in the browser to get them in the background. Until then you get them while this tab is open.',
    'push.unavailable': 'This server does not send background notifications: you get them while this tab is open.',
    'push.failed': 'Background notifications could not be turned on: you get them while this tab is open.',
  },
  es: {
    'push.enable': 'Activar notificaciones en segundo plano', 'push.disable': 'Desactivar notificaciones en segundo plano',
    'push.on': 'Las notificaciones en segundo plano están activadas en este navegador.',
    'push.unsupported': 'Este navegador no puede recibir notificaciones en segundo plano: las recibes mientras esta pestaña esté abierta.',
    'push.denied': 'Las notificaciones están bloqueadas para este sitio: permítelas en el navegador para recibirlas en segundo plano. Mientras tanto las recibes con esta pestaña abierta.',
    'push.unavailable': 'Este servidor no envía notificaciones en segundo plano: las recibes mientras esta pestaña esté abierta.',
    'push.failed': 'No se han podido activar las notificaciones en segundo plano: las recibes mientras esta pestaña esté abierta.',
  },
  pt: {
    'push.enable': 'Ativar notificações em segundo plano', 'push.disable': 'Desativar notificações em segundo plano',
    'push.on': 'As notificações em segundo plano estão ativadas neste navegador.',
    'push.unsupported': 'Este navegador não recebe notificações em segundo plano: você as recebe enquanto esta aba estiver aberta.',
    'push.denied': 'As notificações estão bloqueadas para este site: permita-as no navegador para recebê-las em segundo plano. Até lá, você as recebe com esta aba aberta.',
    'push.unavailable': 'Este servidor não envia notificações em segundo plano: você as recebe enquanto esta aba estiver aberta.',
    'push.failed': 'Não foi possível ativar as notificações em segundo plano: você as recebe enquanto esta aba estiver aberta.',
  },
});

const FLAG = 'turno.push';

/// Whether this browser gets its notifications by push (the tab then shows none itself).
export function pushActive() {
  try { return localStorage.getItem(FLAG) === 'on'; } catch { return false; }
}

function remember(on) {
  try { if (on) localStorage.setItem(FLAG, 'on'); else localStorage.removeItem(FLAG); } catch { /* private mode */ }
}

function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/// The VAPID key, unpadded base64url, as the bytes `applicationServerKey` takes.
function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/// The control, and the message that says where things stand.
export function pushControl() {
  const status = h('p', { class: 'push-status muted', 'data-testid': 'push-status', role: 'status' });
  const button = h('button', { class: 'btn ghost small', type: 'button', 'data-testid': 'push-toggle', onclick: () => toggle() }, t('push.enable'));
  const root = h('div', { class: 'push-control' }, button, status);

  function show(key, on) {
    status.textContent = key ? t(key) : '';
    button.textContent = t(on ? 'push.disable' : 'push.enable');
    button.dataset.on = on ? 'true' : 'false';
  }

  async function registration() {
    await navigator.serviceWorker.register('sw.js');
    return navigator.serviceWorker.ready;
  }

  async function enable() {
    if (!supported()) { remember(false); show('push.unsupported', false); return; }
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') { remember(false); show('push.denied', false); return; }
    let key;
    try { key = await api('/push/key', { feature: 'push' }); } catch { remember(false); show('push.unavailable', false); return; }
    try {
      const reg = await registration();
      const sub = (await reg.pushManager.getSubscription())
        || await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
      const json = sub.toJSON();
      await api('/push/subscriptions', { method: 'POST', body: { endpoint: json.endpoint, keys: json.keys } });
      remember(true);
      show('push.on', true);
    } catch {
      remember(false);
      show('push.failed', false);
    }
  }

  async function disable() {
    remember(false);
    show('', false);
    try {
      const reg = await navigator.serviceWorker.getRegistration();
      const sub = await reg?.pushManager.getSubscription();
      if (sub) {
        await api(`/push/subscriptions?endpoint=${encodeURIComponent(sub.endpoint)}`, { method: 'DELETE' }).catch(() => {});
        await sub.unsubscribe();
      }
    } catch { /* nothing left to undo */ }
  }

  function toggle() { return button.dataset.on === 'true' ? disable() : enable(); }

  // Where things stand now, without asking anything.
  if (!supported()) show('push.unsupported', false);
  else if (Notification.permission === 'denied') show('push.denied', false);
  else show(pushActive() ? 'push.on' : '', pushActive());

  // A click on a pushed notification while the console is open: go to the ticket.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      const ticket = e.data?.turno === 'open' ? String(e.data.ticket || '') : '';
      if (ticket) location.hash = `#/inbox/${encodeURIComponent(ticket)}`;
    });
  }
  return root;
}
