// Administration > Processes: every process definition grouped by scope (global, workspaces,
// apps), filterable by scope and text, and "+ Process", which opens the new process's page.

import { listAll, post } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { processDialog } from '../procform.js';

const table = $('[data-processes] tbody');
const filter = $('[data-filter]');
const scopeFilter = $('[data-scope-filter]');
let defs = [];

// groupOf sorts scopes as the process picker of live chats does.
function groupOf(scope) {
  if (scope === 'global') return 'Global';
  return scope.includes('/') ? 'Apps' : 'Workspaces';
}

async function load() {
  defs = await listAll('/api/v1/processes');
  const scopes = [...new Set(defs.map((d) => d.scope))].sort();
  const chosen = scopeFilter.value;
  replace(scopeFilter, h('option', { value: '' }, 'All scopes'), scopes.map((s) => h('option', { value: s, selected: s === chosen }, s)));
  draw();
}

function draw() {
  const q = filter.value.trim().toLowerCase();
  const shown = defs.filter((d) => (!scopeFilter.value || d.scope === scopeFilter.value) &&
    (!q || d.name.toLowerCase().includes(q) || d.code.includes(q)));
  const rows = [];
  for (const group of ['Global', 'Workspaces', 'Apps']) {
    const items = shown.filter((d) => groupOf(d.scope) === group).sort((a, b) => a.scope.localeCompare(b.scope) || a.name.localeCompare(b.name));
    if (items.length) rows.push(h('tr', { class: 'group-row' }, h('th', { colspan: 6, scope: 'colgroup' }, group)), ...items.map(row));
  }
  replace(table, rows);
  $('[data-empty]').hidden = shown.length > 0;
}

function published(d) {
  if (!d.published_version) return h('span', { class: 'badge badge-muted' }, 'draft only');
  if (d.unpublished) return h('span', { class: 'badge badge-warn' }, `v${d.published_version} withdrawn`);
  return h('span', { class: 'badge badge-success' }, `v${d.published_version}`);
}

function row(d) {
  return h('tr', { dataset: { process: d.code } },
    h('td', {}, h('a', { class: 'strong', href: `/admin/processes/${encodeURIComponent(d.code)}` }, d.name)),
    h('td', {}, h('code', {}, d.code)),
    h('td', {}, d.scope),
    h('td', {}, String((d.variables || []).length)),
    h('td', {}, published(d)),
    h('td', { class: 'muted' }, when(d.updated_at)));
}

async function newProcess() {
  const def = await processDialog({
    title: 'New process',
    submitLabel: 'Create draft',
    send: (draft) => post('/api/v1/processes', draft),
  });
  if (!def) return;
  location.assign(`/admin/processes/${encodeURIComponent(def.code)}`);
}

$('[data-action="new-process"]').addEventListener('click', () => newProcess().catch((err) => toast(err.message, 'error')));
filter.addEventListener('input', draw);
scopeFilter.addEventListener('change', draw);
load().catch((err) => toast(`The processes could not be loaded: ${err.message}`, 'error'));
