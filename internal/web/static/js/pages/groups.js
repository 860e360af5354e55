// Administration > Groups: the list with member counts, and "+ Group".

import { get, post } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { formDialog } from '../dialog.js';

const table = $('[data-groups] tbody');
const more = $('[data-more]');
let groups = [];
let cursor = '';

async function load(reset) {
  const page = await get(`/api/v1/groups?limit=100${cursor && !reset ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
  groups = reset ? page.items : groups.concat(page.items);
  cursor = page.next_cursor;
  more.hidden = !cursor;
  groups.sort((a, b) => (b.builtin - a.builtin) || a.name.localeCompare(b.name));
  replace(table, groups.map(row));
}

function row(g) {
  const n = g.members.length;
  return h('tr', { dataset: { group: g.name } },
    h('td', {}, h('a', { class: 'strong', href: `/admin/groups/${encodeURIComponent(g.id)}` }, g.name),
      g.builtin ? h('span', { class: 'badge' }, 'built-in') : ''),
    h('td', {}, n === 1 ? '1 member' : `${n} members`),
    h('td', { class: 'muted' }, when(g.created_at)));
}

async function newGroup() {
  const group = await formDialog({
    title: 'New group',
    intro: 'Name the group after the team it stands for, such as "Support operators".',
    submitLabel: 'Create group',
    fields: [{ name: 'name', label: 'Name', required: true, autocomplete: 'off' }],
    submit: (v) => post('/api/v1/groups', v),
  });
  if (!group) return;
  toast(`Group ${group.name} created.`, 'success');
  await load(true);
}

$('[data-action="new-group"]').addEventListener('click', newGroup);
$('[data-action="more"]').addEventListener('click', () => load(false));
load(true).catch((err) => toast(`The groups could not be loaded: ${err.message}`, 'error'));
