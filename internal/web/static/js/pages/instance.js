// The page of one process instance: its state, session, variables, incidents and history,
// and the diagram of its version with the elements where tokens are now in one colour and
// the elements already completed in another, with the number of tokens at each element (inside
// sub-processes too: a collapsed one opens to its own level). An instance started by a call
// activity links to the instance that called it, and a calling one to those it started.

import { get } from '../api.js';
import { $, h, replace, toast, when } from '../dom.js';
import { mountDiagram } from '../diagram.js';

const root = $('[data-instance]');
const id = root.dataset.instance;

function drawProps(inst) {
  const session = inst.session_id ? h('a', { href: `/console/sessions/${encodeURIComponent(inst.session_id)}` }, 'Open the session') : '—';
  const trigger = inst.trigger && inst.trigger.kind ? [inst.trigger.kind, inst.trigger.event].filter(Boolean).join(': ') : '—';
  replace($('[data-props]'),
    h('dt', {}, 'State'), h('dd', {}, h('span', { class: `badge ${stateBadge(inst.state)}`, dataset: { state: inst.state } }, inst.state)),
    h('dt', {}, 'Process'), h('dd', {}, h('code', {}, inst.process), ` version ${inst.version}`),
    h('dt', {}, 'Session'), h('dd', {}, session),
    h('dt', {}, 'Started by'), h('dd', {}, trigger),
    h('dt', {}, 'Started'), h('dd', {}, when(inst.created_at)),
    h('dt', {}, 'Ended'), h('dd', {}, inst.ended_at ? when(inst.ended_at) : '—'),
    h('dt', {}, 'Waiting at'), h('dd', {}, inst.active.length ? inst.active.map((a) => `${a.element}${a.wait ? ` (${a.wait})` : ''}`).join(', ') : '—'),
    ...callLinks(inst));
}

// callLinks names the instance whose call activity started this one and the instances this
// one's call activities started, each a link to its page.
function callLinks(inst) {
  const link = (c, rel) => h('a', { href: `/instances/${encodeURIComponent(c.instance)}`, dataset: { call: rel } },
    `${c.process} v${c.version} at ${c.element} (${c.state})`);
  const rows = [];
  if (inst.parent) rows.push(h('dt', {}, 'Called by'), h('dd', {}, link(inst.parent, 'parent')));
  if (inst.children && inst.children.length) {
    rows.push(h('dt', {}, 'Calls'), h('dd', {}, h('ul', {}, inst.children.map((c) => h('li', {}, link(c, 'child'))))));
  }
  return rows;
}

function stateBadge(state) {
  return { active: 'badge-active', completed: 'badge-success', failed: 'badge-danger', cancelled: 'badge-muted' }[state] || '';
}

// show writes a variable's value as text; structured values (money, item links) as JSON.
function show(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function drawTables(inst) {
  const vars = Object.keys(inst.variables || {}).sort();
  replace($('[data-variables] tbody'), vars.map((k) => h('tr', { dataset: { variable: k } }, h('td', {}, h('code', {}, k)), h('td', {}, show(inst.variables[k])))));
  $('[data-no-variables]').hidden = vars.length > 0;
  replace($('[data-history] tbody'), (inst.history || []).map((s) => h('tr', {},
    h('td', { class: 'muted' }, String(s.seq)), h('td', { class: 'muted' }, when(s.at)), h('td', {}, h('code', {}, s.element)),
    h('td', {}, s.event), h('td', {}, s.detail || ''))));
  const incidents = inst.incidents || [];
  $('[data-incidents-section]').hidden = !incidents.length;
  replace($('[data-incidents] tbody'), incidents.map((i) => h('tr', {},
    h('td', {}, h('code', {}, i.element)), h('td', {}, i.error), h('td', {}, String(i.attempts)), h('td', { class: 'muted' }, when(i.created_at)))));
}

// drawDiagram draws the instance's version. Completed elements are those the history says a
// token left; active ones are where tokens are now, each with its number of tokens.
async function drawDiagram(inst) {
  const box = $('[data-diagram]');
  try {
    const version = await get(`/api/v1/processes/${encodeURIComponent(inst.process)}/versions/${inst.version}`);
    const completed = (inst.history || []).filter((s) => s.event === 'completed' || s.event === 'ended' || s.event === 'joined').map((s) => s.element);
    const tokens = new Map();
    for (const a of inst.active) tokens.set(a.element, (tokens.get(a.element) || 0) + 1);
    mountDiagram(box, version.bpmn, { active: [...tokens.keys()], completed, tokens });
  } catch (err) {
    replace(box, h('p', { class: 'empty' }, err.message));
  }
}

async function load() {
  const inst = await get(`/api/v1/instances/${encodeURIComponent(id)}`);
  document.title = `${inst.name || inst.process} · Parley`;
  $('[data-title]').textContent = inst.name || inst.process;
  $('[data-summary]').textContent = `Instance ${inst.id}`;
  drawProps(inst);
  drawTables(inst);
  await drawDiagram(inst);
}

load().catch((err) => {
  if (err.status === 404 || err.status === 403) replace(root, h('p', { class: 'empty' }, err.message));
  else toast(err.message, 'error');
});
