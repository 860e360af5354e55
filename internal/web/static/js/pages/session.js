// The page of one session: the conversation (live over the staff WebSocket), the customer,
// the reply box, the lifecycle actions, "+ Actions > Start process" and the processes linked
// to the session. Buttons follow the session's state and the caller's presence, and say why
// when they are disabled; the API remains the judge of every action.

import { get, listAll, post, put, del } from '../api.js';
import { confirmDialog, formDialog, visible } from '../dialog.js';
import { $, announce, busy, h, linkify, replace, replaceItems, toast, when } from '../dom.js';
import { wireMenu } from '../tabs.js';
import { connect } from '../ws.js';
import { onPresence, presence, rolesIn, stateBadge } from '../chat.js';
import { startProcess } from '../start-process.js';
import { wireCanned } from '../canned.js';
import { attachments, picker } from '../files.js';
import { typingSender, typingShower } from '../typing.js';
import { transfer } from '../transfer.js';

const head = $('[data-session]');
const id = head.dataset.session;
const base = `/api/v1/sessions/${encodeURIComponent(id)}`;
const list = $('[data-messages]');
const form = $('[data-reply]');
const shown = new Set();
let session = null;
let supervisor = false;
// operator says whether the caller is in an operator group of the session's live chat: only
// operators take sessions, and only they and administrators reply.
let operator = false;
const admin = head.hasAttribute('data-admin');
const userID = head.dataset.user;
// liveChat is the session's live chat; people caches users by id, for the operator's name.
let liveChat = null;
const people = new Map();
// lastMessage is the customer's newest message, which Start process offers for a note.
let lastMessage = '';

const spamReason = 'This session is marked as spam: processes cannot be started';

async function load() {
  session = await get(base);
  liveChat = await get(`/api/v1/livechats/${encodeURIComponent(session.live_chat_id)}`);
  ({ supervisor, operator } = await rolesIn(admin, liveChat));
  drawSession();
  replace(list);
  shown.clear();
  (await listAll(`${base}/messages`, 5000)).forEach(addMessage);
  markRead();
  await Promise.all([loadProcesses(), loadNotes(), loadHistory()]);
}

// loadHistory lists the customer's other sessions the caller may see, in any channel (the
// API matches the same email address or phone), newest first, each a link to its page.
async function loadHistory() {
  const res = await get(`/api/v1/sessions?customer=${encodeURIComponent(session.customer.id)}&limit=20`);
  const others = (res.items || []).filter((s) => s.id !== id);
  replaceItems($('[data-history]'), 'data-history-session', others.map((s) => h('li', { dataset: { historySession: s.id } },
    h('a', { href: `/console/sessions/${encodeURIComponent(s.id)}`, class: 'strong' }, s.subject || s.name),
    ' ', stateBadge(s.state),
    h('div', { class: 'muted small' }, `${s.live_chat_name} · ${s.channel} · `, when(s.created_at)))));
  $('[data-history-empty]').hidden = others.length > 0;
}

// markRead records that the caller has seen the conversation, which clears its unread count
// in the console; only while the page is in view, so what arrives in a background tab stays
// unread until the operator looks.
function markRead() {
  if (document.visibilityState !== 'visible') return;
  put(`${base}/read`, {}).catch(() => {});
}
document.addEventListener('visibilitychange', markRead);

// loadNotes shows the session's private notes: staff only, kept apart from the conversation
// because the customer never sees them.
async function loadNotes() {
  const res = await get(`${base}/notes`);
  replaceItems($('[data-notes]'), 'data-note', (res.items || []).map((n) => h('li', { dataset: { note: n.id } },
    h('div', { class: 'msg-meta' }, h('span', { class: 'strong' }, n.author_name || 'Staff'), ' · ', when(n.created_at)),
    h('div', { class: 'note-text' }, linkify(n.text)))));
}

function drawSession() {
  const s = session;
  document.title = `${s.customer.name || 'Session'} · Parley`;
  $('[data-title]').textContent = s.customer.name || s.name;
  $('[data-crumb]').textContent = s.name;
  replace($('[data-state]'), stateBadge(s.state));
  $('[data-subtitle]').textContent = [s.live_chat_name, s.subject, `started ${when(s.created_at)}`].filter(Boolean).join(' · ');
  replace($('[data-customer]'),
    h('dt', {}, 'Name'), h('dd', {}, s.customer.name || '—'),
    h('dt', {}, 'Phone'), h('dd', {}, s.customer.phone || '—'),
    h('dt', {}, 'Email'), h('dd', {}, s.customer.email || '—'),
    h('dt', {}, 'Channel'), h('dd', {}, s.channel),
    h('dt', {}, 'Operator'), h('dd', { dataset: { operator: s.operator_id || '' } }, s.operator_id ? personName(s.operator_id) : '—'),
    h('dt', {}, 'Priority'), h('dd', {}, s.priority),
    h('dt', {}, 'Messages'), h('dd', {}, String(s.message_count)),
    // The customer's rating of this closing, once they have given one.
    s.rating ? [h('dt', {}, 'Rating'), h('dd', { dataset: { rating: String(s.rating.score) } },
      `${s.rating.score} of 5`, s.rating.comment ? h('div', { class: 'muted small' }, `“${s.rating.comment}”`) : null)] : null);
  drawActions();
}

// personName is a user's display name once known; until then it is the id, and the session
// is drawn again when the name arrives.
function personName(userID) {
  const u = people.get(userID);
  if (u) return u.display_name || u.login;
  if (!people.has(userID)) {
    people.set(userID, null);
    get(`/api/v1/users/${encodeURIComponent(userID)}`)
      .then((got) => { people.set(userID, got); drawSession(); })
      .catch(() => {});
  }
  return userID;
}

// drawActions shows the actions the session's state and the caller's roles allow, and disables
// those the caller's presence forbids, with the reason beside them. A live change may hide or
// disable the control that has the focus (someone else closed the session while the operator
// was on Close, or typing a reply): the focus then goes on to the next useful control instead
// of being lost to the page.
function drawActions() {
  const had = document.activeElement?.closest('[data-actions], [data-reply]') ? document.activeElement : null;
  const st = session.state;
  const offline = presence() === 'offline';
  const show = (name, yes) => { $(`[data-action="${name}"]`).hidden = !yes; };
  show('take', st === 'waiting' && operator);
  show('assign', (st === 'waiting' || st === 'assigned') && supervisor);
  show('close', st === 'waiting' || st === 'assigned');
  show('transfer', (st === 'waiting' || st === 'assigned') && (supervisor || session.operator_id === userID));
  show('spam', st === 'waiting' || st === 'assigned');
  show('unspam', st === 'spam' && (supervisor || operator || admin));
  $('[data-action="take"]').disabled = offline;
  const reason = st === 'spam' ? spamReason
    : offline ? 'You are offline: set your presence to Online to start processes' : '';
  $('[data-action="start-process"]').disabled = !!reason;
  const note = $('[data-start-reason]');
  note.textContent = reason;
  note.hidden = !reason;
  drawReplyBox(st, offline);
  if (had && !visible(had)) focusNext();
}

function drawReplyBox(st, offline) {
  const reason = !operator && !admin ? 'Only the live chat\'s operators reply; you may close it or mark it as spam.'
    : offline ? 'You are offline: set your presence to Online or Away to reply.'
      : st === 'spam' ? 'This session is marked as spam.'
        : st === 'closed' ? 'The session is closed; it reopens when the customer writes again.' : '';
  form.text.disabled = !!reason;
  form.querySelector('[type=submit]').disabled = !!reason;
  $('[data-file]').disabled = !!reason;
  const note = $('[data-reply-reason]');
  note.textContent = reason;
  note.hidden = !reason;
}

// addMessage appends a message once: the socket and the reload after a reconnect may both
// bring it.
function addMessage(m) {
  if (shown.has(m.id)) return;
  shown.add(m.id);
  if (m.author === 'customer') lastMessage = m.text;
  const author = m.author === 'customer' ? (m.author_name || session.customer.name || 'Customer')
    : m.author_name || { system: 'Parley', process: 'Process', operator: 'Operator' }[m.author];
  const li = h('li', { class: `msg msg-${m.author}`, dataset: { message: m.id, author: m.author } },
    h('div', { class: 'msg-meta' }, h('span', { class: 'strong' }, author), ' · ', when(m.sent_at)),
    m.text ? h('div', { class: 'msg-text' }, linkify(m.text)) : null,
    attachments(m.attachments));
  list.append(li);
  if (tracked(m)) {
    li.append(h('div', { class: 'msg-delivery', tabindex: '-1', dataset: { delivery: '' } }));
    drawDelivery(li, m.delivery);
    // Its outcome may have been told before the reply itself reached this page.
    if (!m.delivery) refreshDeliveries();
  }
  list.scrollTop = list.scrollHeight;
}

// tracked says whether a message is a reply that travels to the customer by email, through
// an http channel's webhook or to a Telegram chat, whose delivery may fail after the reply was
// stored. Telegram customers get operator and process replies only, not system notes.
function tracked(m) {
  if (session?.channel === 'telegram') return m.author === 'operator' || m.author === 'process';
  return m.author !== 'customer' && ['email', 'http'].includes(session?.channel);
}

// drawDelivery shows how far a reply got: sending, trying again with the last error, sent
// (an email the relay took, a Telegram message the Bot API took: whether it reached the inbox
// or the customer's phone no one can tell) or delivered (a webhook the receiver took), or not delivered with the reason and a Retry button for those
// who may send it again, so that a failed email does not look sent.
function drawDelivery(li, d) {
  const box = li.querySelector('[data-delivery]');
  const state = d ? d.state : 'pending';
  box.dataset.delivery = state;
  box.classList.toggle('msg-delivery-failed', state === 'failed');
  const text = state === 'delivered' ? (['email', 'telegram'].includes(session?.channel) ? 'Sent' : 'Delivered')
    : state === 'failed' ? `Not delivered: ${d.error || 'the channel refused it'}`
      : d && d.error ? `Not sent yet, trying again: ${d.error}` : 'Sending…';
  box.dataset.error = d?.error || '';
  replace(box, text);
  if (state === 'failed' && (admin || supervisor || operator)) {
    box.append(' ', h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'retry-delivery' },
      'aria-label': 'Retry sending this reply' }, 'Retry'));
  }
}

// retryDelivery sends a failed reply again; the line says Sending… at once and the outcome
// when the channel reports, as for a new reply. The focus stays on the reply's line.
async function retryDelivery(button) {
  const li = button.closest('[data-message]');
  try {
    const d = await busy(button, () => post(`${base}/messages/${encodeURIComponent(li.dataset.message)}/retry`));
    drawDelivery(li, d);
    announce('Sending the reply again.');
    li.querySelector('[data-delivery]').focus();
  } catch (err) {
    toast(err.message, 'error');
  }
}

// refreshDeliveries reads the replies' deliveries again when the server says one changed
// ("deliveries_changed" on the staff socket): a delivery's outcome arrives after the reply,
// in a later transaction. Signals close together are read once.
let deliveryTimer = 0;
function refreshDeliveries() {
  if (deliveryTimer) return;
  deliveryTimer = setTimeout(async () => {
    deliveryTimer = 0;
    const messages = await listAll(`${base}/messages`, 5000).catch(() => []);
    for (const m of messages) {
      const li = list.querySelector(`[data-message="${CSS.escape(m.id)}"]`);
      const box = li && li.querySelector('[data-delivery]');
      // A line whose Retry button has the focus is left alone until it changes, so that a
      // keyboard user's focus is not lost to a redraw that shows the same.
      if (box && (box.dataset.delivery !== (m.delivery ? m.delivery.state : 'pending') || box.dataset.error !== (m.delivery?.error || ''))) {
        drawDelivery(li, m.delivery);
      }
    }
  }, 100);
}

async function loadProcesses() {
  const res = await get(`${base}/processes`);
  const items = res.items || [];
  const starters = new Set(items.map((p) => p.trigger && p.trigger.user_id).filter((u) => u && !people.get(u)));
  await Promise.all([...starters].map(async (u) => {
    people.set(u, await get(`/api/v1/users/${encodeURIComponent(u)}`).catch(() => null));
  }));
  replaceItems($('[data-processes]'), 'data-instance', items.map((p) => h('li', { dataset: { instance: p.id } },
    h('a', { href: `/instances/${encodeURIComponent(p.id)}`, class: 'strong' }, p.name || p.code),
    h('span', { class: 'muted' }, ` v${p.version} · ${p.state}`),
    h('div', { class: 'muted small' }, howStarted(p), ' · ', when(p.created_at)))));
  $('[data-processes-empty]').hidden = items.length > 0;
}

// howStarted says what started an instance: an event of the live chat, or a person.
function howStarted(p) {
  const t = p.trigger || {};
  if (t.kind === 'automatic') return `Started automatically on ${String(t.event || 'an event').replace(/_/g, ' ')}`;
  const by = t.user_id && people.get(t.user_id);
  if (t.kind === 'manual') return `Started by hand${by ? ' by ' + (by.display_name || by.login) : ''}`;
  return t.kind === 'api' ? 'Started through the API' : 'Started';
}

// act runs a lifecycle action and shows the session as the API answers it. The button was
// disabled while the request ran, and may now be hidden (Take, once taken): the focus goes
// on to the next useful control rather than being lost to the page.
async function act(button, method, path, done) {
  try {
    session = await busy(button, () => (method === 'DELETE' ? del(path) : post(path)));
    drawSession();
    toast(done, 'success');
  } catch (err) {
    toast(err.message, 'error');
  }
  if (visible(button)) button.focus();
  else focusNext();
}

// focusNext puts the focus where work goes on: the reply box when the caller may reply, else
// the first action left, else the conversation.
function focusNext() {
  const next = [form.text, ...document.querySelectorAll('[data-actions] .btn')].find(visible);
  (next || list).focus();
}

// assign lets a supervisor give the session to one of the live chat's operators: the members
// of its operator groups, with their presence, so an offline one is not picked by mistake.
async function assign() {
  const groups = await Promise.all((liveChat.operator_groups || []).map((g) => get(`/api/v1/groups/${encodeURIComponent(g)}`)));
  const ids = [...new Set(groups.flatMap((g) => g.members || []))];
  const users = (await Promise.all(ids.map((u) => get(`/api/v1/users/${encodeURIComponent(u)}`)))).filter(Boolean);
  users.forEach((u) => people.set(u.id, u));
  users.sort((a, b) => (a.display_name || a.login).localeCompare(b.display_name || b.login));
  const done = await formDialog({
    title: 'Assign the session',
    intro: 'Give the session to an operator of this live chat.',
    fields: [{ name: 'operator', label: 'Operator', type: 'select', required: true, value: session.operator_id,
      options: [{ value: '', label: '— choose —' }, ...users.map((u) => ({ value: u.id, label: `${u.display_name || u.login} (${u.presence})` }))] }],
    submitLabel: 'Assign',
    submit: (v) => post(`${base}/assign`, { operator: v.operator }),
  });
  if (!done) return;
  session = done;
  drawSession();
  toast('The session is assigned.', 'success');
}

// customerTyping shows, under the conversation, that the customer is typing.
const customerTyping = typingShower($('[data-typing]'), () => `${session?.customer?.name || 'The customer'} is typing…`);

function onEvent(e) {
  if (e.session_id !== id) return;
  if ((e.type === 'message_received' || e.type === 'message_sent') && e.snapshot.lastMessage) {
    const m = e.snapshot.lastMessage;
    if (m.author === 'customer') customerTyping.stopped();
    const fresh = !shown.has(m.id);
    addMessage({ id: m.id, author: m.author, author_name: m.authorName, text: m.text, sent_at: m.sentAt, attachments: m.attachments });
    if (fresh) markRead();
    const files = m.attachments?.length ? ` (${m.attachments.length} file${m.attachments.length > 1 ? 's' : ''})` : '';
    if (fresh && m.author === 'customer') announce(`New message from ${m.authorName || session?.customer?.name || 'the customer'}: ${m.text}${files}`);
  }
  get(base).then((s) => { session = s; drawSession(); }).catch(() => {});
  loadProcesses().catch(() => {});
  // A transfer's note arrives with the session's change, for the operator who receives it.
  if (e.type === 'session_assigned' || e.type === 'session_updated') loadNotes().catch(() => {});
}

const pending = picker({ input: $('[data-file]'), drop: $('.chat-card'), paste: form.text, list: $('[data-files]') });

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = form.text.value.trim();
  const withFiles = pending.files().length > 0;
  if (!text && !withFiles) return;
  try {
    const m = await busy(form.querySelector('[type=submit]'), () => post(`${base}/messages`, withFiles ? pending.form(text) : { text },
      { idempotencyKey: crypto.randomUUID() }));
    addMessage(m);
    form.text.value = '';
    pending.clear();
    session = await get(base);
    drawSession();
  } catch (err) {
    toast(`The reply was not sent: ${err.message}`, 'error');
  }
  // Ready for the next reply: Send was disabled while sending, which took the focus.
  if (visible(form.text)) form.text.focus();
});
const noteForm = $('[data-note-form]');
noteForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = noteForm.text.value.trim();
  if (!text) return;
  try {
    await busy(noteForm.querySelector('[type=submit]'), () => post(`${base}/notes`, { text }));
    noteForm.text.value = '';
    await loadNotes();
    toast('The note is added; only staff see it.', 'success');
  } catch (err) {
    toast(`The note was not added: ${err.message}`, 'error');
  }
  noteForm.text.focus();
});

form.text.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
});

// me is the calling user, whose name fills {operator.name} in canned responses.
let me = null;

function wire() {
  get('/api/v1/me').then((u) => { me = u; }).catch(() => {});
  wireCanned(form.text, () => session && ({ liveChatID: session.live_chat_id, values: {
    'customer.name': session.customer.name || '',
    'operator.name': me ? (me.display_name || me.login) : '',
    'liveChat.name': liveChat ? liveChat.name : session.live_chat_name,
  } }));
  const on = (name, fn) => $(`[data-action="${name}"]`).addEventListener('click', (ev) => fn(ev.currentTarget));
  on('take', (b) => act(b, 'POST', `${base}/take`, 'The session is yours.'));
  on('assign', () => assign());
  on('transfer', async (b) => {
    const done = await transfer(session, b);
    if (!done) return;
    session = done;
    drawSession();
    await loadNotes().catch(() => {});
    toast('The session is transferred.', 'success');
    if (!visible(b)) focusNext();
  });
  on('close', (b) => act(b, 'POST', `${base}/close`, 'The session is closed.'));
  on('spam', async (b) => {
    const yes = await confirmDialog({
      title: 'Mark as spam?',
      message: 'The session leaves the queue and its operator, and no process can be started from it. An operator or supervisor of the live chat can remove it from spam again.',
      confirmLabel: 'Mark as spam',
      danger: true,
    });
    if (yes) await act(b, 'POST', `${base}/spam`, 'The session is marked as spam.');
    else b.focus();
  });
  on('unspam', (b) => act(b, 'DELETE', `${base}/spam`, 'The session is no longer spam.'));
  on('start-process', async () => {
    const menu = $('[data-menu]');
    menu.open = false;
    if (await startProcess(session, { returnFocus: menu.querySelector('summary'), lastMessage })) await loadProcesses();
  });
  list.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-action="retry-delivery"]');
    if (b) retryDelivery(b);
  });
  wireMenu($('[data-menu]'));
  onPresence(() => { if (session) drawActions(); });
  // The actions menu closes when the user clicks elsewhere, as menus do.
  document.addEventListener('click', (ev) => {
    if (!ev.target.closest('[data-menu]')) $('[data-menu]').open = false;
  });
  const socket = connect(`/api/v1/ws?session=${encodeURIComponent(id)}`, {
    cursorOf: (m) => m.seq,
    onMessage: (m) => {
      if (m.type === 'hello') session && load().catch(() => {});
      else if (m.type === 'processes_changed') loadProcesses().catch(() => {});
      else if (m.type === 'deliveries_changed') refreshDeliveries();
      else if (m.type === 'typing') { if (m.session_id === id && m.side === 'customer') customerTyping.typing(); }
      else if (m.type !== 'tasks_changed') onEvent(m);
    },
  });
  form.text.addEventListener('input', typingSender(() => socket.send({ type: 'typing', session_id: id })));
  window.addEventListener('pagehide', () => socket.close());
}

wire();
load().catch((err) => {
  replace($('[data-title]'), err.status === 404 ? 'Session not found' : 'The session could not be loaded');
  toast(err.message, 'error');
});
