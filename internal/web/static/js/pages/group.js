// The page of one group: its members, "Add member" and "Remove".

import { clearErrors, del, fieldError, get, listAll, put, showErrors } from '../api.js';
import { $, busy, h, initial, replace, toast } from '../dom.js';
import { confirmDialog } from '../dialog.js';

const card = $('[data-group]');
const groupId = card.dataset.group;
const base = `/api/v1/groups/${encodeURIComponent(groupId)}`;
const form = $('[data-add-member]');
const table = $('[data-members] tbody');

async function load() {
  const [group, users] = await Promise.all([get(base), listAll('/api/v1/users')]);
  const members = new Set(group.members);
  const inGroup = users.filter((u) => members.has(u.id));
  replace(table, inGroup.map((u) => row(group, u)));
  $('[data-empty]').hidden = inGroup.length > 0;
  replace(form.user, h('option', { value: '' }, 'Choose a user…'),
    users.filter((u) => !members.has(u.id)).map((u) => h('option', { value: u.id }, `${u.display_name} (${u.login})`)));
}

function row(group, u) {
  return h('tr', { dataset: { user: u.login } },
    h('td', {}, h('span', { class: 'person' }, h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initial(u.display_name)),
      h('span', { class: 'person-name' }, u.display_name))),
    h('td', {}, h('code', {}, u.login)),
    h('td', {}, u.email || h('span', { class: 'muted' }, '—')),
    h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', dataset: { action: 'remove' }, onclick: () => remove(group, u) }, 'Remove')));
}

async function remove(group, u) {
  const yes = await confirmDialog({
    title: 'Remove member',
    message: `Remove ${u.display_name} from ${group.name}? They lose what the group gave them at once.`,
    confirmLabel: 'Remove', danger: true,
  });
  if (!yes) return;
  try {
    await del(`${base}/members/${encodeURIComponent(u.id)}`);
    toast(`${u.display_name} is no longer in ${group.name}.`, 'success');
    await load();
  } catch (err) {
    toast(err.message, 'error');
  }
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  try {
    if (!form.user.value) throw fieldError('user', 'choose a user to add');
    const name = form.user.selectedOptions[0].textContent;
    await busy(form.querySelector('[type=submit]'), () => put(`${base}/members/${encodeURIComponent(form.user.value)}`));
    toast(`${name} added.`, 'success');
    await load();
  } catch (err) {
    showErrors(form, err);
  }
});

load().catch((err) => toast(`The group could not be loaded: ${err.message}`, 'error'));
