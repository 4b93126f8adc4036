// Live updates: polls `GET /events?since=` every two seconds and tells subscribers what
// changed. On a server without the events feed, subscribers are refreshed on the same beat.

import { api, lacks } from './api.js';

const EVERY_MS = 2000;
const subscribers = new Set();
let cursor = null;
let timer = null;
let offline = false;
let statusListener = () => {};

export function subscribe(f) { subscribers.add(f); return () => subscribers.delete(f); }
export function onStatus(f) { statusListener = f; }

async function tick() {
  let events = null;
  try {
    if (!lacks('events')) {
      const q = cursor ? `?since=${encodeURIComponent(cursor)}` : '';
      const r = await api(`/events${q}`, { feature: 'events' });
      const first = cursor === null;
      cursor = r.cursor ?? cursor;
      events = first ? [] : (r.events || []);
      if (first) events = null;
    }
    if (offline) { offline = false; statusListener(true); }
  } catch (e) {
    if (!e.noRoute && !offline) { offline = true; statusListener(false); }
  }
  // `null`: refresh everything (no feed, or the first call); `[]`: nothing changed.
  for (const f of subscribers) {
    try { await f(events); } catch (e) { console.warn('live update failed', e); }
  }
  timer = setTimeout(tick, EVERY_MS);
}

export function start() { if (!timer) timer = setTimeout(tick, 0); }
export function stop() { clearTimeout(timer); timer = null; cursor = null; }
