// Administration > Worker keys: the list, "+ Worker key" (the key is shown once, in a dialog
// to copy it from) and "Revoke". Everything comes from and goes to /api/v1/worker-keys.

import { del, listAll, post } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { confirmDialog, formDialog, openDialog } from '../dialog.js';

const table = $('[data-keys] tbody');

async function load() {
  const keys = await listAll('/api/v1/worker-keys');
  keys.reverse(); // newest first
  replace(table, keys.map(row));
  $('[data-empty]').hidden = keys.length > 0;
}

function row(k) {
  return h('tr', { dataset: { key: k.name, revoked: k.revoked_at ? 'true' : 'false' } },
    h('td', {}, h('code', {}, k.name)),
    h('td', {}, when(k.created_at)),
    h('td', {}, k.revoked_at ? `Revoked ${when(k.revoked_at)}` : 'Active'),
    h('td', { class: 'actions' }, k.revoked_at ? '' : h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost',
      dataset: { action: 'revoke' }, onclick: () => revoke(k) }, 'Revoke')));
}

async function newKey() {
  const k = await formDialog({
    title: 'New worker key',
    intro: 'Name the worker that will use the key, such as crm-sync.',
    submitLabel: 'Create key',
    fields: [{ name: 'name', label: 'Name', required: true, autocomplete: 'off' }],
    submit: (v) => post('/api/v1/worker-keys', v),
  });
  if (!k) return;
  openDialog({
    title: `Key for ${k.name}`,
    body: [h('p', {}, 'Copy the key now: it is not kept and cannot be shown again.'),
      h('pre', { class: 'secret', dataset: { secret: '' } }, k.key)],
  });
  await load();
}

async function revoke(k) {
  const yes = await confirmDialog({
    title: 'Revoke worker key',
    message: `Revoke ${k.name}? The worker using it is refused from now on.`,
    confirmLabel: 'Revoke', danger: true,
  });
  if (!yes) return;
  try {
    await del(`/api/v1/worker-keys/${encodeURIComponent(k.id)}`);
    toast(`${k.name} is revoked.`, 'success');
    await load();
  } catch (err) {
    toast(err.message, 'error');
  }
}

$('[data-action="new-key"]').addEventListener('click', newKey);
load().catch((err) => toast(`The worker keys could not be loaded: ${err.message}`, 'error'));
