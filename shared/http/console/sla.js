// SLA countdowns tick in the browser from the server's due and warning times.

const ORDER = ['first_response', 'next_response', 'resolution', 'escalate_after'];

/// The clock that matters now: a breached one, else the running one due soonest.
/// Accepts the list summary's `sla: {state, due_at, warn_at}` or a ticket's `sla.clocks`.
export function slaOf(ticket) {
  const s = ticket?.sla;
  if (!s) return null;
  if (s.state !== undefined && !s.clocks) {
    // The API's summary: `{state: none|ok|warning|breached, clock, due_at, warn_at}`.
    if (s.state === 'none' || (!s.due_at && s.state !== 'breached')) return null;
    return { clock: s.clock || null, due_at: s.due_at || null, warn_at: s.warn_at || null, breached_at: s.state === 'breached' ? (s.due_at || 'unknown') : null };
  }
  const clocks = Object.entries(s.clocks || {}).map(([kind, c]) => ({ kind, ...c }));
  const breached = clocks.filter((c) => c.breached_at && !c.met_at)
    .sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))[0];
  if (breached) return { clock: breached.kind, due_at: breached.due_at || breached.breached_at, warn_at: breached.warn_at, breached_at: breached.breached_at };
  const running = clocks.filter((c) => c.due_at && !c.met_at && c.running_since)
    .sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))[0];
  if (!running) return null;
  return { clock: running.kind, due_at: running.due_at, warn_at: running.warn_at, breached_at: null };
}

/// `ok`, `warning` or `breached` at `now`, from the times alone.
export function slaState(sla, now = Date.now()) {
  if (!sla) return null;
  if (sla.breached_at || (sla.due_at && now >= Date.parse(sla.due_at))) return 'breached';
  if (sla.warn_at && now >= Date.parse(sla.warn_at)) return 'warning';
  return 'ok';
}
