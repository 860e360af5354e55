// The Distribution and Working hours tabs of a live chat's page: how waiting sessions reach
// operators, and when the live chat answers. Both are forms over one API resource each.

import { clearErrors, get, put, showErrors } from './api.js';
import { $, h, replace, toast } from './dom.js';
import { field, formValues } from './dialog.js';

const modes = [
  { value: 'manual', label: 'Manual: operators take sessions from the queue' },
  { value: 'round_robin', label: 'Round robin: online operators take turns' },
  { value: 'least_busy', label: 'Least busy: the online operator with the fewest open sessions' },
];

// loadRouting draws the distribution form of live chat id.
export async function loadRouting(id) {
  const path = `/api/v1/livechats/${encodeURIComponent(id)}/routing`;
  const r = await get(path);
  const form = h('form', { class: 'dialog-form', dataset: { routingForm: '' }, novalidate: true },
    field({ name: 'mode', label: 'Distribution', type: 'select', value: r.mode, options: modes }),
    field({ name: 'max_open', label: 'Open sessions per operator', type: 'number', value: String(r.max_open),
      hint: 'An operator at this many open sessions gets no more until one closes; 0 means no limit.' }),
    field({ name: 'reassign_after', label: 'Hand on after (seconds)', type: 'number', value: String(r.reassign_after),
      hint: 'A routed session its operator has not answered by then goes to the next online operator; 0 means never.' }),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save distribution')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(form, path, formValues(form), 'Distribution saved.');
  });
  replace($('[data-routing]'), form);
}

async function save(form, path, body, done) {
  clearErrors(form);
  try {
    const out = await put(path, body);
    toast(done, 'success');
    return out;
  } catch (err) {
    showErrors(form, err);
    return null;
  }
}

// loadHours draws the working hours form of live chat id. The schedule is written one
// interval a line ("monday 09:00-17:00"), the holidays one date a line.
export async function loadHours(id) {
  const path = `/api/v1/livechats/${encodeURIComponent(id)}/working-hours`;
  const w = await get(path);
  const status = h('p', { class: 'muted', dataset: { hoursStatus: '' } });
  const form = h('form', { class: 'dialog-form', dataset: { hoursForm: '' }, novalidate: true },
    status,
    field({ name: 'enabled', label: 'Keep working hours (off: always working)', type: 'checkbox', value: w.enabled }),
    field({ name: 'time_zone', label: 'Time zone', value: w.time_zone, hint: 'An IANA name, such as Europe/Berlin or America/New_York.' }),
    field({ name: 'schedule', label: 'Weekly schedule', type: 'textarea', rows: 7, value: scheduleText(w.schedule),
      hint: 'One interval a line: a weekday and hours, such as "monday 09:00-17:00". A day may have several.' }),
    field({ name: 'holidays', label: 'Holidays', type: 'textarea', rows: 3, value: (w.holidays || []).join('\n'),
      hint: 'One date a line (YYYY-MM-DD): closed all day.' }),
    field({ name: 'auto_reply', label: 'Out-of-hours reply', type: 'textarea', rows: 3, value: w.auto_reply,
      hint: 'Sent once per out-of-hours period to a customer who writes; empty sends nothing.' }),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save working hours')));
  drawStatus(status, w);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    const body = { enabled: v.enabled, time_zone: v.time_zone, auto_reply: v.auto_reply,
      schedule: parseSchedule(v.schedule), holidays: lines(v.holidays) };
    const out = await save(form, path, body, 'Working hours saved.');
    if (out) drawStatus(status, out);
  });
  replace($('[data-hours]'), form);
}

function drawStatus(el, w) {
  if (w.working_now) el.textContent = 'Working now.';
  else if (w.next_opening) el.textContent = `Out of hours now; opens ${new Date(w.next_opening).toLocaleString()}.`;
  else el.textContent = 'Out of hours now, and the schedule never opens.';
}

function lines(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

function scheduleText(list) {
  return (list || []).map((iv) => `${iv.day} ${iv.from}-${iv.to}`).join('\n');
}

// parseSchedule reads "monday 09:00-17:00" lines; a line it cannot split is sent as it is, so
// that the server names what is wrong with it.
function parseSchedule(text) {
  return lines(text).map((l) => {
    const m = l.match(/^(\S+)\s+(\S+?)\s*-\s*(\S+)$/);
    return m ? { day: m[1].toLowerCase(), from: m[2], to: m[3] } : { day: l, from: '', to: '' };
  });
}
