// Administration > Users: the list (filterable, paged), "+ User" with its form, and "Add to
// group" for each user. Everything comes from and goes to the JSON API.

import { fieldError, get, listAll, post, put } from '../api.js';
import { $, h, replace, presenceBadge, initial, toast } from '../dom.js';
import { formDialog } from '../dialog.js';

const table = $('[data-users] tbody');
const filter = $('[data-filter]');
const more = $('[data-more]');
let users = [];
let cursor = '';

async function load(reset) {
  const page = await get(`/api/v1/users?limit=100${cursor && !reset ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
  users = reset ? page.items : users.concat(page.items);
  cursor = page.next_cursor;
  more.hidden = !cursor;
  draw();
}

function matches(u, q) {
  return !q || [u.display_name, u.login, u.email].some((s) => (s || '').toLowerCase().includes(q));
}

function draw() {
  const q = filter.value.trim().toLowerCase();
  const shown = users.filter((u) => matches(u, q));
  replace(table, shown.map(row));
  $('[data-empty]').hidden = shown.length > 0;
}

function row(u) {
  return h('tr', { dataset: { user: u.login } },
    h('td', {}, h('span', { class: 'person' }, h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initial(u.display_name)),
      h('span', { class: 'person-name' }, u.display_name))),
    h('td', {}, h('code', {}, u.login)),
    h('td', {}, u.email || h('span', { class: 'muted' }, '—')),
    h('td', {}, h('div', { class: 'chips' }, (u.groups || []).map((g) => h('a', { class: 'chip', href: `/admin/groups/${encodeURIComponent(g.id)}` }, g.name)))),
    h('td', {}, presenceBadge(u.presence)),
    h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-to-group' }, onclick: () => addToGroup(u) }, 'Add to group')));
}

async function newUser() {
  const user = await formDialog({
    title: 'New user',
    intro: 'The user logs in with this login and password. Add them to groups to give them work.',
    submitLabel: 'Create user',
    fields: [
      { name: 'display_name', label: 'Name', required: true, autocomplete: 'off' },
      { name: 'login', label: 'Login', required: true, autocomplete: 'off', hint: 'Lower-case letters, digits, ".", "_", "@" or "-".' },
      { name: 'email', label: 'Email', type: 'email', autocomplete: 'off' },
      { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' },
    ],
    submit: (v) => post('/api/v1/users', v),
  });
  if (!user) return;
  toast(`${user.display_name} can now log in as ${user.login}.`, 'success');
  await load(true);
}

async function addToGroup(u) {
  const groups = (await listAll('/api/v1/groups')).filter((g) => !(u.groups || []).some((m) => m.id === g.id));
  const done = await formDialog({
    title: `Add ${u.display_name} to a group`,
    submitLabel: 'Add to group',
    fields: [{
      name: 'group', label: 'Group', type: 'select', required: true,
      options: [{ value: '', label: groups.length ? 'Choose a group…' : 'The user is in every group already' }]
        .concat(groups.map((g) => ({ value: g.id, label: g.name }))),
    }],
    submit: async (v) => {
      if (!v.group) throw fieldError('group', 'choose a group');
      await put(`/api/v1/groups/${encodeURIComponent(v.group)}/members/${encodeURIComponent(u.id)}`);
      return groups.find((g) => g.id === v.group);
    },
  });
  if (!done) return;
  toast(`${u.display_name} is now in ${done.name}.`, 'success');
  await load(true);
}

$('[data-action="new-user"]').addEventListener('click', newUser);
$('[data-action="more"]').addEventListener('click', () => load(false));
filter.addEventListener('input', draw);
load(true).catch((err) => toast(`The users could not be loaded: ${err.message}`, 'error'));
