// Administration > Canned responses: every canned response, global and per live chat, with
// "+ Canned response", Edit and Delete. The API lists a live chat's usable ones (the global
// ones and its own); the page reads each live chat's and keeps each response once.
// ?livechat=<id> opens the page on one live chat's.

import { del, get, listAll, post, put } from '../api.js';
import { $, h, replace, toast } from '../dom.js';
import { confirmDialog, formDialog } from '../dialog.js';

const table = $('[data-canned-table] tbody');
const filter = $('[data-filter]');
let chats = [];
let all = [];
// admin and supervised say what the caller may change: administrators everything, supervisors
// their live chats' own responses. The page offers only that; the API decides.
let admin = false;
let supervised = new Set();

async function load() {
  const me = await get('/api/v1/me');
  const mine = new Set((me.groups || []).map((g) => g.id));
  admin = mine.has('grp_administrators');
  chats = await listAll('/api/v1/livechats');
  supervised = new Set(chats.filter((lc) => admin || (lc.supervisor_groups || []).some((g) => mine.has(g))).map((lc) => lc.id));
  $('[data-action="new-canned"]').hidden = !admin && supervised.size === 0;
  const seen = new Map();
  for (const lc of chats) {
    for (const c of await listAll(`/api/v1/livechats/${encodeURIComponent(lc.id)}/canned-responses`)) seen.set(c.id, c);
  }
  all = [...seen.values()].sort((a, b) => a.title.localeCompare(b.title));
  const chosen = filter.value || new URLSearchParams(location.search).get('livechat') || '';
  replace(filter, h('option', { value: '' }, 'All'), h('option', { value: 'global' }, 'Global'),
    chats.map((lc) => h('option', { value: lc.id }, lc.name)));
  filter.value = chosen;
  draw();
}

function chatName(id) {
  return id ? (chats.find((lc) => lc.id === id)?.name || id) : 'Global';
}

function draw() {
  const f = filter.value;
  const shown = all.filter((c) => !f || (f === 'global' ? !c.live_chat_id : c.live_chat_id === f));
  replace(table, shown.map((c) => h('tr', { dataset: { canned: c.id } },
    h('td', { class: 'strong' }, c.title),
    h('td', { class: 'ellipsis' }, c.text),
    h('td', {}, chatName(c.live_chat_id)),
    h('td', { class: 'actions' }, !mayChange(c) ? '' : [
      h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': `Edit ${c.title}`, onclick: () => edit(c) }, 'Edit'),
      ' ',
      h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', 'aria-label': `Delete ${c.title}`, onclick: () => remove(c) }, 'Delete')]))));
  $('[data-empty]').hidden = shown.length > 0;
}

function mayChange(c) {
  return admin || (c.live_chat_id && supervised.has(c.live_chat_id));
}

const textHint = 'May hold {customer.name}, {operator.name} and {liveChat.name}.';

async function create() {
  const f = filter.value;
  const done = await formDialog({
    title: 'New canned response',
    submitLabel: 'Create',
    fields: [
      { name: 'live_chat', label: 'Offered in', type: 'select', value: f === 'global' ? '' : f,
        options: [...(admin ? [{ value: '', label: 'Every live chat (global)' }] : []),
          ...chats.filter((lc) => supervised.has(lc.id)).map((lc) => ({ value: lc.id, label: lc.name }))] },
      { name: 'title', label: 'Title', required: true, autocomplete: 'off' },
      { name: 'text', label: 'Text', type: 'textarea', required: true, hint: textHint },
    ],
    submit: (v) => post(v.live_chat ? `/api/v1/livechats/${encodeURIComponent(v.live_chat)}/canned-responses` : '/api/v1/canned-responses',
      { title: v.title, text: v.text }),
  });
  if (!done) return;
  toast(`"${done.title}" is saved.`, 'success');
  await load();
}

async function edit(c) {
  const done = await formDialog({
    title: `Edit ${c.title}`,
    submitLabel: 'Save',
    fields: [
      { name: 'title', label: 'Title', required: true, value: c.title, autocomplete: 'off' },
      { name: 'text', label: 'Text', type: 'textarea', required: true, value: c.text, hint: textHint },
    ],
    submit: (v) => put(`/api/v1/canned-responses/${encodeURIComponent(c.id)}`, { title: v.title, text: v.text }),
  });
  if (!done) return;
  toast(`"${done.title}" is saved.`, 'success');
  await load();
}

async function remove(c) {
  const yes = await confirmDialog({ title: 'Delete canned response', message: `Delete "${c.title}"? Operators no longer find it with /.`,
    confirmLabel: 'Delete', danger: true });
  if (!yes) return;
  try {
    await del(`/api/v1/canned-responses/${encodeURIComponent(c.id)}`);
    toast(`"${c.title}" is deleted.`, 'success');
    await load();
  } catch (err) {
    toast(err.message, 'error');
  }
}

filter.addEventListener('change', () => {
  const u = new URL(location.href);
  if (filter.value && filter.value !== 'global') u.searchParams.set('livechat', filter.value);
  else u.searchParams.delete('livechat');
  history.replaceState(null, '', u);
  draw();
});
$('[data-action="new-canned"]').addEventListener('click', create);
load().catch((err) => toast(`The canned responses could not be loaded: ${err.message}`, 'error'));
