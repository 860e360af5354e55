// The customer's chat, inside the widget's iframe. A first message creates the session and
// returns a visitor token, kept in localStorage so that a reload (or the next page of the
// company's site) resumes the same conversation. Operator replies arrive over the widget
// WebSocket, which resumes from its last cursor after a drop. Calls carry the visitor token
// as a Bearer header; no cookie is involved, so the page does not need a login.

import { $, announce, h, linkify, replace } from '../dom.js';
import { connect } from '../ws.js';
import { typingSender, typingShower } from '../typing.js';

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

// ChatError is a failed call, told in the customer's words: the API's messages are written
// for developers ("customer.phone: expected phone, got string…"), so they are never shown.
// fields maps the form's field names to what is wrong with each.
class ChatError extends Error {
  constructor(message, fields = {}) {
    super(message);
    this.fields = fields;
  }
}

// call sends one request to the widget API and returns the decoded body, or throws a
// ChatError.
async function call(method, path, body) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() };
  if (visitor) headers.Authorization = `Bearer ${visitor.visitor_token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body && JSON.stringify(body), credentials: 'omit' });
  } catch {
    throw new ChatError('The chat cannot be reached right now. Check your connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw chatError(res.status, data?.error);
  return data;
}

// The API's fields, as the start form names them, and what a customer is told about each.
const fieldNames = { 'customer.name': 'name', 'customer.phone': 'phone', 'customer.email': 'email', text: 'text' };
const fieldHelp = {
  name: 'Please tell us your name.',
  phone: 'Please give a phone number with its country code, such as +44 20 7946 0958, or leave it empty.',
  email: 'Please give an email address such as name@example.com, or leave it empty.',
  text: 'Please write your message.',
};

function chatError(status, e = {}) {
  const named = [...(e.details?.problems || []).map((p) => p.field), e.details?.field].filter(Boolean);
  const fields = {};
  for (const f of named) {
    const name = fieldNames[f];
    if (name) fields[name] = e.code === 'too_large' ? 'Your message is too long. Please make it shorter.' : fieldHelp[name];
  }
  if (Object.keys(fields).length) return new ChatError('Please check the fields marked below.', fields);
  if (status === 429) return new ChatError('You are writing faster than we can read. Please wait a moment and try again.');
  if (status === 404) return new ChatError('This chat is not available right now. Please try again later.');
  if (status === 401 || status === 403) return new ChatError('This conversation has ended. Reload the page to start a new one.');
  if (status >= 500) return new ChatError('Something went wrong on our side. Please try again in a moment.');
  return new ChatError('Your message could not be sent. Please try again.');
}

function showError(el, err) {
  el.textContent = err ? err.message : '';
  el.hidden = !err;
}

// markFields marks each field of the form that err names as invalid, with its message right
// after it and linked to it (aria-describedby), and puts the focus on the first of them.
function markFields(form, err) {
  form.querySelectorAll('.wg-field-error').forEach((p) => p.remove());
  form.querySelectorAll('[aria-invalid]').forEach((c) => { c.removeAttribute('aria-invalid'); c.removeAttribute('aria-describedby'); });
  let first = null;
  for (const [name, message] of Object.entries(err?.fields || {})) {
    const control = form.elements[name];
    if (!control) continue;
    const note = h('p', { class: 'wg-field-error', id: `${control.id}-error` }, message);
    control.after(note);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', note.id);
    first = first || control;
  }
  first?.focus();
  return first;
}

// focusFirst puts the focus on the first thing to fill in: an empty field of the start form,
// or the message box of the conversation. The loader asks for it when it opens the chat.
function focusFirst() {
  if (!startForm.hidden) {
    const empty = ['name', 'text'].map((n) => startForm.elements[n]).find((c) => !c.value.trim());
    (empty || startForm.elements.name).focus();
  } else if (!$('[data-chat]').hidden) {
    sendForm.text.focus();
  }
}

// addMessage shows a message once, and reports whether it was new.
function addMessage(m) {
  if (shown.has(m.id)) return false;
  shown.add(m.id);
  const mine = m.author === 'customer';
  list.append(h('li', { class: `wg-msg ${mine ? 'wg-mine' : 'wg-theirs'}`, dataset: { author: m.author } },
    mine ? null : h('div', { class: 'wg-who' }, m.author_name || 'Support'),
    h('div', { class: 'wg-text' }, linkify(m.text))));
  list.scrollTop = list.scrollHeight;
  return true;
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
    onStatus: (s) => { connected = s === 'open'; drawStatus(); },
  });
  sendForm.text.focus();
}

// The header says whether an operator is online, as the live chat's status tells (asked now
// and then); during a chat it says Connecting… while the widget's own socket is down.
let connected = true;
let operatorsOnline = null;
const statusEvery = 15000;

function drawStatus() {
  const el = $('[data-status]');
  if (!connected) {
    el.textContent = 'Connecting…';
  } else if (operatorsOnline !== null) {
    el.textContent = operatorsOnline ? 'Online' : 'No operator is online right now: leave a message and we will answer soon.';
  }
  el.dataset.online = operatorsOnline === null ? '' : String(operatorsOnline);
}

async function pollStatus() {
  try {
    const st = await call('GET', `/api/v1/widget/${encodeURIComponent(liveChat)}/status`);
    operatorsOnline = st.operators_online;
    drawStatus();
  } catch {
    // The status is a courtesy: the chat works without it, and the next poll tries again.
  }
  setTimeout(pollStatus, statusEvery);
}

// operatorTyping shows, under the conversation, that an operator is writing a reply.
const operatorTyping = typingShower($('[data-typing]'), () => 'An operator is typing…');
sendForm.text.addEventListener('input', typingSender(() => socket && socket.send({ type: 'typing' })));

function onFrame(f) {
  if (f.type === 'typing') operatorTyping.typing();
  if (f.type === 'message' && f.message && f.message.author !== 'customer') operatorTyping.stopped();
  if (f.type === 'message' && f.message && addMessage(f.message) && f.message.author !== 'customer') {
    announce(`${f.message.author_name || 'Support'}: ${f.message.text}`);
  }
  if (f.type === 'closed') {
    list.append(h('li', { class: 'wg-note' }, 'The conversation was closed. Write again to reopen it.'));
    announce('The conversation was closed. Write again to reopen it.');
  }
}

startForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const v = Object.fromEntries(['name', 'phone', 'email', 'text'].map((k) => [k, startForm[k].value.trim()]));
  const missing = Object.fromEntries(['name', 'text'].filter((k) => !v[k]).map((k) => [k, fieldHelp[k]]));
  if (Object.keys(missing).length) {
    const err = new ChatError('Please fill in the fields marked below.', missing);
    showError($('[data-error]'), err);
    markFields(startForm, err);
    return;
  }
  const button = startForm.querySelector('[type=submit]');
  button.disabled = true;
  try {
    visitor = await call('POST', `/api/v1/widget/${encodeURIComponent(liveChat)}/sessions`,
      { customer: { name: v.name, phone: v.phone, email: v.email }, text: v.text });
    localStorage.setItem(storeKey, JSON.stringify({ session_id: visitor.session_id, visitor_token: visitor.visitor_token }));
    showError($('[data-error]'), null);
    markFields(startForm, null);
    await openChat();
  } catch (err) {
    showError($('[data-error]'), err);
    button.disabled = false;
    if (!markFields(startForm, err)) button.focus();
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
    sendForm.text.removeAttribute('aria-invalid');
  } catch (err) {
    showError($('[data-send-error]'), err.fields?.text ? new Error(err.fields.text) : err);
    sendForm.text.setAttribute('aria-invalid', String(!!err.fields?.text));
  }
  sendForm.text.setAttribute('aria-describedby', 'wg-send-error');
  // The focus stays in the message box, ready for the next message.
  sendForm.text.focus();
});
sendForm.text.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); sendForm.requestSubmit(); }
});
// The chat is a dialog on the company's page: its close button and Escape ask the loader
// (widget-embed.js) to close it, which gives the focus back to the chat button; the loader
// asks the chat to take the focus when it opens.
const minimize = () => window.parent.postMessage('parley:minimize', '*');
$('[data-action="minimize"]').addEventListener('click', minimize);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') minimize();
});
window.addEventListener('message', (ev) => {
  if (ev.source === window.parent && ev.data === 'parley:focus') focusFirst();
});

pollStatus();

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
