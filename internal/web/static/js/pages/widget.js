// The customer's chat, inside the widget's iframe. A first message creates the session and
// returns a visitor token, kept in localStorage so that a reload (or the next page of the
// company's site) resumes the same conversation. Operator replies arrive over the widget
// WebSocket, which resumes from its last cursor after a drop. Calls carry the visitor token
// as a Bearer header; no cookie is involved, so the page does not need a login.

import { $, announce, h, linkify, replace } from '../dom.js';
import { attachments, picker } from '../files.js';
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
  const headers = { Accept: 'application/json', 'Idempotency-Key': crypto.randomUUID() };
  // A message with files goes as multipart/form-data, whose boundary the browser sets.
  const form = body instanceof FormData;
  if (!form) headers['Content-Type'] = 'application/json';
  if (visitor) headers.Authorization = `Bearer ${visitor.visitor_token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body && (form ? body : JSON.stringify(body)), credentials: 'omit' });
  } catch {
    throw new ChatError('The chat cannot be reached right now. Check your connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = chatError(res.status, data?.error);
    err.status = res.status;
    throw err;
  }
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

// fileError tells the customer what is wrong with a file they attached.
function fileError(status, e) {
  const named = [...(e.details?.problems || []).map((p) => p.field), e.details?.field].filter(Boolean);
  if (!named.some((f) => f.startsWith('files'))) return null;
  if (status === 413) return new ChatError(`A file is too large: files may be up to ${Math.floor((e.details?.limit || 0) / 1048576) || 'a few'} MB.`);
  return new ChatError('This kind of file cannot be sent here. Pictures, PDF and office documents can.');
}

// blob downloads a file with the visitor token, for thumbnails and downloads.
async function blob(url) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${visitor.visitor_token}` }, credentials: 'omit' });
  if (!res.ok) throw new ChatError('The file cannot be downloaded right now.');
  return res.blob();
}

function chatError(status, e = {}) {
  const bad = fileError(status, e);
  if (bad) return bad;
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
    m.text ? h('div', { class: 'wg-text' }, linkify(m.text)) : null,
    attachments(m.attachments, blob)));
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
  if (localStorage.getItem(rateKey) === visitor.session_id) askRating();
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
let hours = null;
const statusEvery = 15000;

function drawStatus() {
  const el = $('[data-status]');
  if (!connected) {
    el.textContent = 'Connecting…';
  } else if (hours && !hours.working_now) {
    el.textContent = hours.next_opening
      ? `We're offline now; we'll answer from ${new Date(hours.next_opening).toLocaleString([], { weekday: 'long', hour: '2-digit', minute: '2-digit' })}.`
      : "We're offline now: leave a message and we will answer when we are back.";
  } else if (operatorsOnline !== null) {
    el.textContent = operatorsOnline ? 'Online' : 'No operator is online right now: leave a message and we will answer soon.';
  }
  el.dataset.online = operatorsOnline === null ? '' : String(operatorsOnline);
}

async function pollStatus() {
  try {
    const st = await call('GET', `/api/v1/widget/${encodeURIComponent(liveChat)}/status`);
    operatorsOnline = st.operators_online;
    hours = { working_now: st.working_now, next_opening: st.next_opening };
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
    const files = f.message.attachments?.length ? ` (${f.message.attachments.length} file${f.message.attachments.length > 1 ? 's' : ''})` : '';
    announce(`${f.message.author_name || 'Support'}: ${f.message.text}${files}`);
  }
  if (f.type === 'closed') {
    list.append(h('li', { class: 'wg-note' }, 'The conversation was closed. Write again to reopen it.'));
    announce('The conversation was closed. Write again to reopen it. Please rate it below.');
    askRating();
  }
}

// After a closing the customer is asked to rate the conversation, once per closing: the
// form shows until a rating is sent (or the server says this closing is rated already).
// The ask outlives a reload: it is remembered with the visitor until answered or until the
// customer writes again.
const rateForm = $('[data-rate]');
const rateKey = `${storeKey}.rate`;

function askRating() {
  localStorage.setItem(rateKey, visitor.session_id);
  rateForm.reset();
  showError($('[data-rate-error]'), null);
  $('[data-rate-thanks]')?.remove();
  rateForm.hidden = false;
}

rateForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const score = Number(rateForm.elements.score.value);
  if (!score) {
    showError($('[data-rate-error]'), new Error('Please choose a rating from 1 to 5.'));
    rateForm.querySelector('input[name=score]').focus();
    return;
  }
  const button = rateForm.querySelector('[type=submit]');
  button.disabled = true;
  try {
    await call('POST', `/api/v1/widget/sessions/${encodeURIComponent(visitor.session_id)}/rating`,
      { score, comment: rateForm.elements.comment.value.trim() });
    thank();
  } catch (err) {
    // 409 means this closing is rated already (in another tab, say): thank all the same.
    if (err.status === 409) thank();
    else showError($('[data-rate-error]'), err);
  } finally {
    button.disabled = false;
  }
});

function thank() {
  localStorage.removeItem(rateKey);
  rateForm.hidden = true;
  const note = h('p', { class: 'wg-thanks', tabindex: '-1', dataset: { rateThanks: '' } }, 'Thank you for your rating.');
  rateForm.after(note);
  note.focus();
  announce('Thank you for your rating.');
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

const pending = picker({ input: $('[data-file]'), drop: $('[data-chat]'), paste: sendForm.text, list: $('[data-files]') });

sendForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = sendForm.text.value.trim();
  const withFiles = pending.files().length > 0;
  if (!text && !withFiles) return;
  try {
    addMessage(await call('POST', `/api/v1/widget/sessions/${encodeURIComponent(visitor.session_id)}/messages`,
      withFiles ? pending.form(text) : { text }));
    // Writing again reopens the conversation: the rating is for a closed one.
    rateForm.hidden = true;
    localStorage.removeItem(rateKey);
    sendForm.text.value = '';
    pending.clear();
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
