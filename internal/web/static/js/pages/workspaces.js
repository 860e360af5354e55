// Administration > Workspaces: the list of workspaces and "+ Workspace", whose form shows the
// API's problems beside the code and name fields.

import { listAll, post } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { formDialog } from '../dialog.js';

const table = $('[data-workspaces] tbody');

function row(ws) {
  return h('tr', { dataset: { workspace: ws.code } },
    h('td', {}, h('a', { class: 'strong', href: `/admin/workspaces/${encodeURIComponent(ws.code)}` }, ws.name)),
    h('td', {}, h('code', {}, ws.code)),
    h('td', { class: 'muted' }, when(ws.created_at)));
}

async function load() {
  const all = await listAll('/api/v1/workspaces');
  replace(table, all.map(row));
  $('[data-empty]').hidden = all.length > 0;
}

async function newWorkspace() {
  const ws = await formDialog({
    title: 'New workspace',
    intro: 'The code never changes: process scopes and item types name the workspace by it.',
    submitLabel: 'Create workspace',
    fields: [
      { name: 'name', label: 'Name', required: true, autocomplete: 'off' },
      { name: 'code', label: 'Code', required: true, autocomplete: 'off', hint: 'A lower-case letter, then lower-case letters, digits or "_".' },
    ],
    submit: (v) => post('/api/v1/workspaces', { code: v.code, name: v.name }),
  });
  if (!ws) return;
  toast(`Workspace ${ws.name} created.`, 'success');
  await load();
}

$('[data-action="new-workspace"]').addEventListener('click', () => newWorkspace().catch((err) => toast(err.message, 'error')));
load().catch((err) => toast(`The workspaces could not be loaded: ${err.message}`, 'error'));
