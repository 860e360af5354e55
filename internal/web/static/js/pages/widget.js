// The customer's chat, inside the widget's iframe. A first message creates the session and
// returns a visitor token, kept in localStorage so that a reload (or the next page of the
// company's site) resumes the same conversation. Operator replies arrive over the widget
// WebSocket, which resumes from its last cursor after a drop. Calls carry the visitor token
// as a Bearer header; no cookie is involved, so the page does not need a login.

import { $, h, replace } from '../dom.js';
import { connect } from '../ws.js';

const liveChat = document.body.dataset.widget;
const storeKey = `parley.widget.${liveChat}`;
const startForm = $('[data-start]');
const sendForm = $('[data-send]');
const list = $('[data-messages]');
const shown = new Set();
let visitor = load();
let socket = null;

function load() {
  try {
    return JSON.parse(localStorage.getItem(storeKey)) || null;
  } catch {
    return null;
  }
}

// call sends one request to the widget API and returns the decoded body, or throws an Error
// whose message is the API's, written for people.
async function call(method, path, body) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() };
  if (visitor) headers.Authorization = `Bearer ${visitor.visitor_token}`;
  const res = await fetch(path, { method, headers, body: body && JSON.stringify(body), credentials: 'omit' });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(data?.error?.message || `The chat answered ${res.status}.`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function showError(el, err) {
  el.textContent = err ? err.message : '';
  el.hidden = !err;
}

function addMessage(m) {
  if (shown.has(m.id)) return;
  shown.add(m.id);
  const mine = m.author === 'customer';
  list.append(h('li', { class: `wg-msg ${mine ? 'wg-mine' : 'wg-theirs'}`, dataset: { author: m.author } },
    mine ? null : h('div', { class: 'wg-who' }, m.author_name || 'Support'),
    h('div', { class: 'wg-text' }, m.text)));
  list.scrollTop = list.scrollHeight;
}

async function openChat() {
  const path = `/api/v1/widget/sessions/${encodeURIComponent(visitor.session_id)}`;
  const page = await call('GET', `${path}/messages?limit=200`);
  startForm.hidden = true;
  $('[data-chat]').hidden = false;
  replace(list);
  shown.clear();
  page.items.forEach(addMessage);
  if (socket) socket.close();
  socket = connect(`${path}/ws?access_token=${encodeURIComponent(visitor.visitor_token)}`, {
    cursorOf: (f) => f.seq,
    onMessage: onFrame,
    onStatus: (s) => { $('[data-status]').textContent = s === 'open' ? 'Online' : 'Connecting…'; },
  });
  sendForm.text.focus();
}

function onFrame(f) {
  if (f.type === 'message' && f.message) addMessage(f.message);
  if (f.type === 'closed') list.append(h('li', { class: 'wg-note' }, 'The conversation was closed. Write again to reopen it.'));
}

startForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const v = Object.fromEntries(['name', 'phone', 'email', 'text'].map((k) => [k, startForm[k].value.trim()]));
  if (!v.name || !v.text) return showError($('[data-error]'), new Error('Please give your name and a message.'));
  const button = startForm.querySelector('[type=submit]');
  button.disabled = true;
  try {
    visitor = await call('POST', `/api/v1/widget/${encodeURIComponent(liveChat)}/sessions`,
      { customer: { name: v.name, phone: v.phone, email: v.email }, text: v.text });
    localStorage.setItem(storeKey, JSON.stringify({ session_id: visitor.session_id, visitor_token: visitor.visitor_token }));
    showError($('[data-error]'), null);
    await openChat();
  } catch (err) {
    showError($('[data-error]'), err);
  } finally {
    button.disabled = false;
  }
});

sendForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = sendForm.text.value.trim();
  if (!text) return;
  try {
    addMessage(await call('POST', `/api/v1/widget/sessions/${encodeURIComponent(visitor.session_id)}/messages`, { text }));
    sendForm.text.value = '';
    showError($('[data-send-error]'), null);
  } catch (err) {
    showError($('[data-send-error]'), err);
  }
});
sendForm.text.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); sendForm.requestSubmit(); }
});
$('[data-action="minimize"]').addEventListener('click', () => window.parent.postMessage('parley:minimize', '*'));

// A stored token that no longer works (the session was deleted, the token revoked) is
// forgotten, and the customer starts afresh.
if (visitor) {
  openChat().catch(() => {
    localStorage.removeItem(storeKey);
    visitor = null;
    startForm.hidden = false;
  });
} else {
  startForm.hidden = false;
}
