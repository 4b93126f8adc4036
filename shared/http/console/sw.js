// The console's service worker: shows the Web Push notifications the server sends (an
// assignment, a mention, a customer's reply or an SLA notice on one of my tickets) while the
// console is in the background or closed, and opens the ticket when one is clicked. A push
// carries only ids and a kind; the words are here, in the browser's language.

const WORDS = {
  en: {
    assigned: 'A conversation was assigned to you', mention: 'You were mentioned in a note',
    reply: 'The customer replied on your conversation', sla_warning: 'SLA due soon on your conversation',
    sla_breach: 'SLA breached on your conversation', other: 'Something needs your attention',
  },
  es: {
    assigned: 'Se te ha asignado una conversación', mention: 'Te han mencionado en una nota',
    reply: 'El cliente ha respondido en tu conversación', sla_warning: 'El SLA de tu conversación vence pronto',
    sla_breach: 'SLA incumplido en tu conversación', other: 'Algo necesita tu atención',
  },
  pt: {
    assigned: 'Uma conversa foi atribuída a você', mention: 'Você foi mencionado em uma nota',
    reply: 'O cliente respondeu na sua conversa', sla_warning: 'O SLA da sua conversa vence em breve',
    sla_breach: 'SLA descumprido na sua conversa', other: 'Algo precisa da sua atenção',
  },
};

function words() {
  const l = String(self.navigator?.language || 'en').slice(0, 2).toLowerCase();
  return WORDS[l] || WORDS.en;
}

/// What the push carries, or nothing usable: `{kind, workspace, ticket}`.
function payload(event) {
  try {
    const d = event.data ? event.data.json() : {};
    return { kind: String(d.kind || ''), ticket: String(d.ticket || '') };
  } catch {
    return { kind: '', ticket: '' };
  }
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const { kind, ticket } = payload(event);
  const w = words();
  const body = w[kind] || w.other;
  event.waitUntil(self.registration.showNotification('turno', {
    body: ticket ? `${body} · ${ticket}` : body,
    tag: `${kind}:${ticket}`,
    icon: 'icon.svg',
    data: { ticket },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const ticket = String(event.notification.data?.ticket || '');
  const url = new URL(ticket ? `./#/inbox/${encodeURIComponent(ticket)}` : './', self.registration.scope).href;
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const mine = open.find((c) => c.url.startsWith(self.registration.scope));
    if (mine) {
      // The console moves to the ticket itself (its router follows the hash).
      mine.postMessage({ turno: 'open', ticket });
      return mine.focus();
    }
    return self.clients.openWindow(url);
  })());
});
