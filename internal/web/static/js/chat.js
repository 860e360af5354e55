// What the console and the session page share: the role of the caller in live chats, how a
// session's state is drawn, and the live-connection indicator.

import { get, listAll } from './api.js';
import { h } from './dom.js';

// isSupervisor tells whether the caller supervises any live chat (or administers Parley):
// those see the Spam list and may remove a session from spam. It is only a matter of what
// the page offers; the API checks each action itself.
export async function isSupervisor(admin) {
  if (admin) return true;
  const [me, chats] = await Promise.all([get('/api/v1/me'), listAll('/api/v1/livechats')]);
  const mine = new Set((me.groups || []).map((g) => g.id));
  return chats.some((lc) => (lc.supervisor_groups || []).some((g) => mine.has(g)));
}

// supervises tells whether the caller supervises the live chat lc.
export async function supervises(admin, lc) {
  return (await rolesIn(admin, lc)).supervisor;
}

// rolesIn tells what the caller is in the live chat lc: supervisor (administrators count as
// one) and operator. Being an operator is a matter of groups alone, for administrators too:
// only operators take sessions, because the taker becomes the session's operator.
export async function rolesIn(admin, lc) {
  const me = await get('/api/v1/me');
  const mine = new Set((me.groups || []).map((g) => g.id));
  const member = (groups) => (groups || []).some((g) => mine.has(g));
  return { supervisor: admin || member(lc.supervisor_groups), operator: member(lc.operator_groups) };
}

const stateLabels = { waiting: 'Waiting', assigned: 'Assigned', closed: 'Closed', spam: 'Spam' };

// stateBadge draws a session state.
export function stateBadge(state) {
  return h('span', { class: `state state-${state}`, dataset: { state } }, stateLabels[state] || state);
}

// watchLive returns an onStatus handler for connect() that shows the socket's state in el.
export function watchLive(el) {
  const text = { connecting: 'Connecting…', open: 'Live', closed: 'Reconnecting…' };
  return (state) => {
    if (!el) return;
    el.dataset.live = state;
    el.querySelector('[data-live-text]').textContent = text[state] || state;
  };
}

// presence reads the caller's presence from the top bar's switch, which app.js keeps current.
export function presence() {
  return document.querySelector('.presence[data-presence]')?.dataset.presence || 'offline';
}

// onPresence calls fn with the new presence whenever the caller changes it.
export function onPresence(fn) {
  const el = document.querySelector('.presence[data-presence]');
  if (el) new MutationObserver(() => fn(presence())).observe(el, { attributes: true, attributeFilter: ['data-presence'] });
}
