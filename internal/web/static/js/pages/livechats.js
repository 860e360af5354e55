// Administration > Live Chats: the list and "+Live Chat", which opens the live chat's page
// once it is created.

import { get, listAll, post } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { formDialog } from '../dialog.js';
import { liveChatFields, liveChatValues } from '../livechatform.js';

const table = $('[data-livechats] tbody');
const more = $('[data-more]');
let chats = [];
let cursor = '';
let groupNames = new Map();

async function load(reset) {
  const query = cursor && !reset ? '&cursor=' + encodeURIComponent(cursor) : '';
  const [page, groups] = await Promise.all([get(`/api/v1/livechats?limit=100${query}`), listAll('/api/v1/groups')]);
  groupNames = new Map(groups.map((g) => [g.id, g.name]));
  chats = reset ? page.items : chats.concat(page.items);
  cursor = page.next_cursor;
  more.hidden = !cursor;
  replace(table, chats.map(row));
  $('[data-empty]').hidden = chats.length > 0;
}

function chips(ids) {
  if (!ids || !ids.length) return h('span', { class: 'muted' }, '—');
  return h('div', { class: 'chips' }, ids.map((id) => h('span', { class: 'chip' }, groupNames.get(id) || id)));
}

function row(lc) {
  const n = (lc.channels || []).length;
  return h('tr', { dataset: { livechat: lc.name } },
    h('td', {}, h('a', { class: 'strong', href: `/admin/livechats/${encodeURIComponent(lc.id)}` }, lc.name),
      lc.description ? h('div', { class: 'muted small' }, lc.description) : ''),
    h('td', {}, chips(lc.operator_groups)),
    h('td', {}, chips(lc.supervisor_groups)),
    h('td', {}, n === 1 ? '1 channel' : `${n} channels`),
    h('td', { class: 'muted' }, when(lc.created_at)));
}

async function newLiveChat() {
  const lc = await formDialog({
    title: 'New live chat',
    intro: 'It starts with a website widget channel; add email and HTTP channels on its page.',
    submitLabel: 'Create live chat',
    fields: await liveChatFields(),
    submit: (v, form) => post('/api/v1/livechats', liveChatValues(v, form)),
  });
  if (!lc) return;
  toast(`Live chat ${lc.name} created.`, 'success');
  location.assign(`/admin/livechats/${encodeURIComponent(lc.id)}`);
}

$('[data-action="new-livechat"]').addEventListener('click', () => newLiveChat().catch((err) => toast(err.message, 'error')));
$('[data-action="more"]').addEventListener('click', () => load(false));
load(true).catch((err) => toast(`The live chats could not be loaded: ${err.message}`, 'error'));
