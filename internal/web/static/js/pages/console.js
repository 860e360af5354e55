// The operator console: the Queue (waiting sessions), My sessions (assigned to the caller),
// Closed and Spam (every operator and supervisor sees the spam of their live chats, so that a
// mistaken mark can be undone). The staff WebSocket tells the page
// that something changed in a session the caller may see; the page then reloads the lists
// from the API, so what it shows is always what the API answers, never a guess built from
// event frames.

import { get, listAll } from '../api.js';
import { $, $$, announce, h, replaceItems, toast, when } from '../dom.js';
import { wireTabs } from '../tabs.js';
import { connect } from '../ws.js';
import { isSupervisor, stateBadge, watchLive } from '../chat.js';
import { alert, wireAlerts } from '../alerts.js';

const root = $('[data-console]');
const me = root.dataset.user;
const table = $('[data-sessions] tbody');

// Each tab is a query of GET /api/v1/sessions.
const tabs = {
  queue: 'state=waiting',
  mine: 'state=assigned&mine=true',
  closed: 'state=closed',
  spam: 'state=spam',
};
let current = new URLSearchParams(location.search).get('tab') || 'queue';
if (!(current in tabs)) current = 'queue';

async function load() {
  const [list, queue, mine] = await Promise.all([
    get(`/api/v1/sessions?${tabs[current]}&limit=200`),
    listAll(`/api/v1/sessions?${tabs.queue}`, 1000),
    listAll(`/api/v1/sessions?${tabs.mine}`, 1000),
  ]);
  $('[data-count="queue"]').textContent = String(queue.length);
  announceNew(queue);
  $('[data-count="mine"]').textContent = String(mine.filter((s) => s.operator_id === me).length);
  drawUnread([...queue, ...mine.filter((s) => s.operator_id === me)]);
  // A reload replaces the rows; a keyboard user on a session's link keeps the focus there
  // (replaceItems), or on the selected tab when the list is now empty.
  replaceItems(table, 'data-session', list.items.map(row), $('[role="tab"][aria-selected="true"]'));
  $('[data-empty]').hidden = list.items.length > 0;
}

// waiting holds the ids of the queue's sessions as last loaded (null before the first load),
// so that sessions that join the queue are announced, and only those.
let waiting = null;

function announceNew(queue) {
  const fresh = waiting ? queue.filter((s) => !waiting.has(s.id)) : [];
  waiting = new Set(queue.map((s) => s.id));
  if (fresh.length === 1) announce(`New session in the queue: ${fresh[0].customer.name || 'a customer'}, ${fresh[0].live_chat_name}.`);
  else if (fresh.length > 1) announce(`${fresh.length} new sessions in the queue.`);
}

// unread holds each open session's unread count as last loaded (null before the first load),
// so that an increase alerts the operator, and only an increase.
let unread = null;
const baseTitle = document.title;

// drawUnread puts the number of unread messages of the queue and the caller's own sessions in
// the page's title, "(3) Console · Parley", and alerts (sound, desktop) when it grew.
function drawUnread(sessions) {
  const now = new Map(sessions.map((s) => [s.id, s.unread || 0]));
  const total = [...now.values()].reduce((a, b) => a + b, 0);
  document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
  const grown = unread ? sessions.filter((s) => (s.unread || 0) > (unread.get(s.id) || 0)) : [];
  unread = now;
  if (grown.length === 1) alert(`New message from ${grown[0].customer.name || 'a customer'}`, grown[0].live_chat_name, `/console/sessions/${encodeURIComponent(grown[0].id)}`);
  else if (grown.length > 1) alert(`New messages in ${grown.length} sessions`, 'Parley', '/console');
}

function row(s) {
  const href = `/console/sessions/${encodeURIComponent(s.id)}`;
  const n = s.unread || 0;
  return h('tr', { dataset: { session: s.id }, class: 'clickable', onclick: (ev) => { if (!ev.target.closest('a')) location.assign(href); } },
    h('td', {}, h('a', { href, class: 'strong' }, s.customer.name || 'Customer'),
      n ? h('span', { class: 'unread', dataset: { unread: String(n) } }, String(n), h('span', { class: 'sr-only' }, n === 1 ? ' unread message' : ' unread messages')) : null,
      h('div', { class: 'muted small' }, s.customer.email || s.customer.phone || '')),
    h('td', {}, s.live_chat_name),
    h('td', { class: 'ellipsis' }, s.subject || s.name),
    h('td', {}, String(s.message_count)),
    h('td', {}, when(s.last_activity_at)),
    h('td', {}, stateBadge(s.state)));
}

function select(name) {
  current = name;
  $$('[data-tab]').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === name)));
  $('[data-panel]').setAttribute('aria-labelledby', `tab-${name}`);
  const u = new URL(location.href);
  if (name === 'queue') u.searchParams.delete('tab');
  else u.searchParams.set('tab', name);
  history.replaceState(null, '', u);
  return refresh();
}

// refresh reloads the lists; bursts of events (a busy queue) cause one reload, not one each.
let timer = null;
function refresh() {
  clearTimeout(timer);
  return new Promise((resolve) => {
    timer = setTimeout(() => load().catch((err) => toast(`The sessions could not be loaded: ${err.message}`, 'error')).finally(resolve), 80);
  });
}

wireAlerts($('[data-alerts]'));
// Supervisors keep their live chats' canned responses; the link is for them.
isSupervisor(root.hasAttribute('data-admin')).then((yes) => { $('[data-canned-link]').hidden = !yes; }).catch(() => {});
$$('[data-tab]').forEach((b) => b.addEventListener('click', () => select(b.dataset.tab)));
wireTabs($('[role="tablist"]'), (b) => select(b.dataset.tab));
const socket = connect('/api/v1/ws', {
  cursorOf: (m) => m.seq,
  onStatus: watchLive($('[data-live]')),
  // The hello frame comes after every (re)connect: reloading then covers anything missed.
  onMessage: (m) => !['tasks_changed', 'processes_changed', 'deliveries_changed'].includes(m.type) && refresh(),
});
window.addEventListener('pagehide', () => socket.close());
select(current);
