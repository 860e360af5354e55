// The automation log of a live chat, as a tool: filters by outcome, event, session and time;
// each line links to its session (named by the customer) and its instance; a failed line can
// be retried once its cause is fixed, one at a time or every failed line of an event; and the
// lines the filters select can be downloaded as CSV.

import { get, post, put } from './api.js';
import { $, h, replace, toast, when } from './dom.js';

const eventLabels = { session_created: 'Session created', message_received: 'Message received', session_closed: 'Session closed' };
const badges = { started: 'success', skipped: 'muted', failed: 'danger' };

let liveChat = '';
let logCursor = '';
let logItems = [];
// session narrows the log to one session, set by a line's "only this session" link.
let session = '';

const logURL = (path = '') => `/api/v1/livechats/${encodeURIComponent(liveChat)}/automation${path}`;

export function setupLog(id) {
  liveChat = id;
  const filter = $('[data-log-filter]');
  const reload = () => loadLog(id).catch((err) => toast(err.message, 'error'));
  filter.addEventListener('submit', (ev) => ev.preventDefault());
  for (const name of ['outcome', 'event', 'from', 'to']) filter[name].addEventListener('change', reload);
  filter.verbose_log.addEventListener('change', async () => {
    try {
      await put(logURL('/settings'), { verbose_log: filter.verbose_log.checked });
      toast(filter.verbose_log.checked ? 'Events without a binding are logged too.' : 'Only bound events are logged.', 'success');
    } catch (err) {
      filter.verbose_log.checked = !filter.verbose_log.checked;
      toast(err.message, 'error');
    }
  });
  $('[data-action="log-session-clear"]').addEventListener('click', () => { session = ''; reload(); });
  $('[data-action="retry-all"]').addEventListener('click', () => retryAll(filter.event.value).catch((err) => toast(err.message, 'error')));
  $('[data-action="log-more"]').addEventListener('click', () => loadLog(id, logCursor).catch((err) => toast(err.message, 'error')));
}

// query is the filters as the log's query parameters; the day inputs are local days.
function query() {
  const filter = $('[data-log-filter]');
  const q = new URLSearchParams();
  if (filter.outcome.value) q.set('outcome', filter.outcome.value);
  if (filter.event.value) q.set('event', filter.event.value);
  if (session) q.set('session', session);
  if (filter.from.value) q.set('from', new Date(`${filter.from.value}T00:00:00`).toISOString().replace(/\.\d+Z$/, 'Z'));
  if (filter.to.value) {
    const end = new Date(`${filter.to.value}T00:00:00`);
    end.setDate(end.getDate() + 1);
    q.set('to', end.toISOString().replace(/\.\d+Z$/, 'Z'));
  }
  return q;
}

// loadLog draws the log from the start, or appends the page after cursor.
export async function loadLog(id, cursor = '') {
  liveChat = id;
  const filter = $('[data-log-filter]');
  const q = query();
  $('[data-log-csv]').href = logURL(`/log.csv?${q}`);
  $('[data-log-session]').hidden = !session;
  $('[data-action="retry-all"]').hidden = !filter.event.value;
  q.set('limit', '50');
  if (cursor) q.set('cursor', cursor);
  const [page, tab] = await Promise.all([get(logURL(`/log?${q}`)), cursor ? null : get(logURL())]);
  if (tab) filter.verbose_log.checked = tab.verbose_log;
  logItems = cursor ? logItems.concat(page.items) : page.items;
  logCursor = page.next_cursor;
  replace($('[data-log] tbody'), logItems.map(logRow));
  $('[data-log-empty]').hidden = logItems.length > 0;
  $('[data-log-more]').hidden = !logCursor;
}

function logRow(it) {
  const who = it.customer_name || it.session_name || it.session_id;
  return h('tr', { dataset: { outcome: it.outcome, line: it.id } },
    h('td', { class: 'muted' }, when(it.at)),
    h('td', {}, eventLabels[it.event] || it.event),
    h('td', {}, it.session_id ? [
      h('a', { href: `/console/sessions/${encodeURIComponent(it.session_id)}`, dataset: { session: it.session_id }, title: it.session_name || it.session_id }, who),
      ' ', h('button', { type: 'button', class: 'btn btn-sm btn-ghost', title: 'Show only this session', 'aria-label': `Show only the session of ${who}`, dataset: { action: 'only-session' },
        onclick: () => { session = it.session_id; loadLog(liveChat).catch((err) => toast(err.message, 'error')); } }, '⌕')] : '—'),
    h('td', {}, it.process || '—'),
    h('td', {}, h('span', { class: `badge badge-${badges[it.outcome] || 'muted'}` }, it.outcome),
      it.retries ? h('div', { class: 'muted small' }, it.retries === 1 ? 'retried once' : `retried ${it.retries} times`) : ''),
    h('td', {}, it.reason || ''),
    h('td', {}, it.instance_id ? h('a', { href: `/instances/${encodeURIComponent(it.instance_id)}`, dataset: { instance: it.instance_id } }, 'Open') : '—'),
    h('td', { class: 'actions' }, it.outcome === 'failed'
      ? h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'retry' }, onclick: (ev) => retry(it, ev.currentTarget) }, 'Retry') : ''));
}

// retry retries one failed line and says how it went.
async function retry(it, button) {
  button.disabled = true;
  try {
    const line = await post(logURL(`/log/${encodeURIComponent(it.id)}/retry`));
    const said = { started: 'The process started.', skipped: `Skipped: ${line.reason}`, failed: `Failed again: ${line.reason}` }[line.outcome];
    toast(said, line.outcome === 'started' ? 'success' : 'error');
  } catch (err) {
    toast(err.message, 'error');
  }
  await loadLog(liveChat);
}

async function retryAll(event) {
  if (!event) return;
  const out = await post(logURL(`/${encodeURIComponent(event)}/retry`));
  toast(`Retried ${out.items.length} failed lines: ${out.started} started, ${out.skipped} skipped, ${out.failed} failed again.`,
    out.failed ? 'error' : 'success');
  await loadLog(liveChat);
}
