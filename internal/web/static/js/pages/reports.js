// The Reports page: GET /api/v1/reports for the chosen days and live chat, drawn as SVG
// charts (charts.js), each followed by the table of its figures and a CSV download of the
// same section. The choice is kept in the address, so a report can be bookmarked.

import { get, showErrors, clearErrors } from '../api.js';
import { $, $$, announce, h, replace, toast } from '../dom.js';
import { columns, hbars } from '../charts.js';

const form = $('[data-filters]');
const params = new URLSearchParams(location.search);
let report = null;

// duration says a number of seconds the way a person would: 45 s, 3 min 20 s, 2 h 5 min.
function duration(secs) {
  if (secs === null || secs === undefined) return '—';
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min${secs % 60 ? ` ${secs % 60} s` : ''}`;
  const m = Math.floor((secs % 3600) / 60);
  return `${Math.floor(secs / 3600)} h${m ? ` ${m} min` : ''}`;
}

function table(caption, head, rows) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i ? h('td', { class: 'num' }, c) : h('th', { scope: 'row' }, c))))))));
}

function body(section) {
  return $(`[data-report="${section}"] [data-body]`);
}

function drawSessions(rep) {
  const box = replace(body('sessions'));
  const byDay = new Map();
  for (const d of rep.days) {
    const row = byDay.get(d.date) || {};
    row[d.live_chat_id] = d.sessions;
    byDay.set(d.date, row);
  }
  const total = (row) => Object.values(row).reduce((a, b) => a + b, 0);
  const days = [...byDay.entries()];
  const sum = days.reduce((a, [, row]) => a + total(row), 0);
  columns(box, days.map(([date, row]) => ({ label: date.slice(5), value: total(row) })),
    `${sum} sessions from ${rep.from} to ${rep.to}; the table below gives each day.`);
  const many = rep.live_chats.length > 1;
  box.append(table('Sessions per day', ['Day', ...(many ? rep.live_chats.map((c) => c.name) : []), 'Sessions'],
    days.map(([date, row]) => [date, ...(many ? rep.live_chats.map((c) => String(row[c.id] || 0)) : []), String(total(row))])));
}

function drawTimes(rep) {
  const box = replace(body('response_times'));
  const f = rep.first_response;
  const r = rep.resolution;
  hbars(box, [
    { label: 'First reply, median', parts: [{ value: f.median_seconds || 0 }], text: duration(f.median_seconds) },
    { label: 'First reply, p90', parts: [{ value: f.p90_seconds || 0 }], text: duration(f.p90_seconds) },
    { label: 'Resolution, median', parts: [{ value: r.median_seconds || 0 }], text: duration(r.median_seconds) },
    { label: 'Resolution, p90', parts: [{ value: r.p90_seconds || 0 }], text: duration(r.p90_seconds) },
  ], `First response: median ${duration(f.median_seconds)}, 90th percentile ${duration(f.p90_seconds)}. Resolution: median ${duration(r.median_seconds)}, 90th percentile ${duration(r.p90_seconds)}.`);
  box.append(table('Response and resolution times', ['Measure', 'Sessions', 'Median', '90th percentile'], [
    ['First response', String(f.count), duration(f.median_seconds), duration(f.p90_seconds)],
    ['Resolution', String(r.count), duration(r.median_seconds), duration(r.p90_seconds)],
  ]), h('p', { class: 'muted small' }, 'First response: from the first message to the first operator reply. Resolution: from the first message to the closing.'));
}

function drawRatings(rep) {
  const box = replace(body('ratings'));
  const r = rep.ratings;
  const avg = r.average === null ? 'No ratings yet' : `${r.average.toFixed(2)} of 5`;
  box.append(h('p', {}, h('span', { class: 'report-figure', dataset: { average: r.average === null ? '' : String(r.average) } }, avg),
    h('span', { class: 'muted' }, ` · ${r.count} ${r.count === 1 ? 'rating' : 'ratings'}`)));
  const dist = [...r.distribution].reverse();
  hbars(box, dist.map((d) => ({ label: `${d.score} of 5`, parts: [{ value: d.count }], text: String(d.count) })),
    `Average rating ${avg} from ${r.count} ratings; the table below gives each score.`);
  box.append(table('Ratings by score', ['Score', 'Ratings'], dist.map((d) => [`${d.score} of 5`, String(d.count)])));
}

function drawOperators(rep) {
  const box = replace(body('operators'));
  if (!rep.operators.length) {
    box.append(h('p', { class: 'muted' }, 'No operator handled a session in these days.'));
    return;
  }
  hbars(box, rep.operators.map((o) => ({ label: o.name, parts: [{ value: o.sessions_handled }], text: String(o.sessions_handled) })),
    `Sessions handled by ${rep.operators.length} operators; the table below gives each with the sessions open now.`);
  box.append(table("Operators' load", ['Operator', 'Sessions handled', 'Open now'],
    rep.operators.map((o) => [o.name, String(o.sessions_handled), String(o.open_now)])));
}

function drawAutomation(rep) {
  const box = replace(body('automation'));
  const name = new Map(rep.live_chats.map((c) => [c.id, c.name]));
  box.append(h('ul', { class: 'legend' },
    [['started', 'Started'], ['skipped', 'Skipped'], ['failed', 'Failed']].map(([kind, label]) =>
      h('li', {}, h('span', { class: `swatch swatch-${kind}`, 'aria-hidden': 'true' }), label))));
  hbars(box, rep.automation.map((a) => ({ label: name.get(a.live_chat_id) || a.live_chat_id,
    parts: [{ value: a.started }, { value: a.skipped, cls: 'bar-skipped' }, { value: a.failed, cls: 'bar-failed' }],
    text: `${a.started} / ${a.skipped} / ${a.failed}` })),
  'Automatic process starts per live chat: started, skipped and failed; the table below gives each.');
  box.append(table('Automatic process starts', ['Live chat', 'Started', 'Skipped', 'Failed'],
    rep.automation.map((a) => [name.get(a.live_chat_id) || a.live_chat_id, String(a.started), String(a.skipped), String(a.failed)])));
}

function draw() {
  if (!report) return;
  drawSessions(report);
  drawTimes(report);
  drawRatings(report);
  drawOperators(report);
  drawAutomation(report);
}

function query() {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'livechat']) if (params.get(k)) q.set(k, params.get(k));
  return q;
}

async function load() {
  const q = query();
  $('[data-reports]').setAttribute('aria-busy', 'true');
  try {
    report = await get(`/api/v1/reports?${q}`);
  } catch (err) {
    if (err.status === 403) {
      form.hidden = true;
      $('[data-reports]').hidden = true;
      $('[data-denied]').hidden = false;
      return;
    }
    showErrors(form, err);
    return;
  } finally {
    $('[data-reports]').setAttribute('aria-busy', 'false');
  }
  clearErrors(form);
  form.from.value = report.from;
  form.to.value = report.to;
  const select = form.livechat;
  if (select.options.length === 1 && !params.get('livechat')) {
    select.append(...report.live_chats.map((c) => h('option', { value: c.id }, c.name)));
  }
  select.value = params.get('livechat') || '';
  for (const a of $$('[data-csv]')) {
    const csv = new URLSearchParams(q);
    csv.set('from', report.from);
    csv.set('to', report.to);
    csv.set('format', 'csv');
    csv.set('section', a.closest('[data-report]').dataset.report);
    a.href = `/api/v1/reports?${csv}`;
  }
  draw();
  announce(`Report from ${report.from} to ${report.to} shown.`);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  for (const k of ['from', 'to', 'livechat']) {
    if (form[k].value) params.set(k, form[k].value);
    else params.delete(k);
  }
  history.replaceState(null, '', `${location.pathname}?${query()}`);
  load().catch((err) => toast(`The report could not be loaded: ${err.message}`, 'error'));
});

// The charts are drawn at their box's width: a window that changes size gets them redrawn.
let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(draw, 150);
});

load().catch((err) => toast(`The report could not be loaded: ${err.message}`, 'error'));
