// Administration > Audit: the audit trail, newest first, filtered by the kind of thing
// changed and paged. Everything comes from GET /api/v1/audit.

import { get } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';

const table = $('[data-audit] tbody');
const kind = $('[data-filter-kind]');
const more = $('[data-more]');
let lines = [];
let cursor = '';

async function load(reset) {
  const q = new URLSearchParams({ limit: '50' });
  if (kind.value) q.set('target_kind', kind.value);
  if (cursor && !reset) q.set('cursor', cursor);
  const page = await get(`/api/v1/audit?${q}`);
  lines = reset ? page.items : lines.concat(page.items);
  cursor = page.next_cursor;
  more.hidden = !cursor;
  replace(table, lines.map(row));
  $('[data-empty]').hidden = lines.length > 0;
}

function row(e) {
  return h('tr', { dataset: { action: e.action } },
    h('td', {}, when(e.at)),
    h('td', {}, e.actor_name),
    h('td', {}, h('code', {}, e.action)),
    h('td', {}, h('code', {}, e.target_id)),
    h('td', { class: 'muted small' }, e.detail ? JSON.stringify(e.detail) : '—'));
}

kind.addEventListener('change', () => load(true).catch(failed));
$('[data-action="more"]').addEventListener('click', () => load(false).catch(failed));

function failed(err) {
  toast(`The audit trail could not be loaded: ${err.message}`, 'error');
}

load(true).catch(failed);
