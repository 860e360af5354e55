// Every call the pages make to Parley's JSON API goes through api(): JSON in and out, the
// session cookie, one error type, and one way to show an error next to the field it names.

// APIError is an error answer of the API: {"error":{"code","message","details"}}.
export class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The server answered ${status}.`);
    this.status = status;
    this.code = e.code || 'internal';
    this.details = e.details || {};
  }

  // problems lists {field, message} for every field at fault; a message that names no field
  // comes back with field "".
  problems() {
    if (Array.isArray(this.details.problems) && this.details.problems.length) {
      return this.details.problems;
    }
    const field = this.details.field || '';
    const prefix = field + ': ';
    const message = field && this.message.startsWith(prefix) ? this.message.slice(prefix.length) : this.message;
    return [{ field, message }];
  }
}

// fieldError is the error the API gives for a bad field, made in the page for checks the page
// makes itself (a choice not made), so that it is shown like every other field error.
export function fieldError(field, message) {
  return new APIError(422, { error: { code: 'invalid', message: `${field}: ${message}`, details: { field } } });
}

// The number of requests in flight is kept on <html data-pending>, so tests (and styles) can
// tell when a page has finished loading its data.
let pending = 0;
function track(delta) {
  pending += delta;
  document.documentElement.dataset.pending = String(pending);
}
track(0);

// api sends one request and returns the decoded body (null for 204). It throws APIError for
// an error answer. A 401 on a page means the session ended: the browser goes to the login
// page and comes back here afterwards.
export async function api(method, path, body, { idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body instanceof FormData) {
    init.body = body; // multipart/form-data: the browser sets the type with its boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  track(+1);
  try {
    const res = await fetch(path, init);
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.status === 401 && !path.startsWith('/api/v1/auth/')) {
      location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
    if (!res.ok) throw new APIError(res.status, data);
    return data;
  } catch (err) {
    if (err instanceof APIError) throw err;
    throw new APIError(0, { error: { code: 'internal', message: 'Parley cannot be reached. Check the connection and try again.' } });
  } finally {
    track(-1);
  }
}

export const get = (path) => api('GET', path);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

// listAll follows next_cursor through a list, for the small lists (users, groups) that pages
// need whole, such as the choices of a drop-down. It stops after max items.
export async function listAll(path, max = 2000) {
  const items = [];
  let cursor = '';
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=200${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// clearErrors removes the error marks showErrors left in a form.
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  const general = form.querySelector('.form-error');
  if (general) {
    general.textContent = '';
    general.hidden = true;
  }
}

// showErrors shows err in form: each problem under the control whose name is the field the
// API named (details.field, or each of details.problems), the rest in the form's .form-error
// box. The first control at fault gets the focus.
export function showErrors(form, err) {
  clearErrors(form);
  const problems = err instanceof APIError ? err.problems() : [{ field: '', message: String(err.message || err) }];
  const general = [];
  let first = null;
  for (const p of problems) {
    const control = p.field ? form.querySelector(`[name="${CSS.escape(p.field)}"]`) : null;
    if (!control) {
      general.push(p.field ? `${p.field}: ${p.message}` : p.message);
      continue;
    }
    markField(control, p.message);
    first = first || control;
  }
  const box = form.querySelector('.form-error');
  if (general.length && box) {
    box.textContent = general.join(' ');
    box.hidden = false;
  } else if (general.length) {
    throw err;
  }
  if (first) first.focus();
}

function markField(control, message) {
  control.setAttribute('aria-invalid', 'true');
  const note = document.createElement('p');
  note.className = 'field-error';
  note.id = `${control.id || control.name}-error`;
  note.textContent = sentence(labelOf(control), message);
  control.setAttribute('aria-describedby', note.id);
  (control.closest('.field') || control.parentElement).append(note);
}

// sentence turns the API's "is required" into "Password is required" beside the field, and
// capitalizes messages that already read as a sentence ("Use 1-64 letters…").
function sentence(label, message) {
  if (label && /^(is|are|must|should|expected|may|cannot) /.test(message)) return `${label} ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

function labelOf(control) {
  const label = (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`)) ||
    control.closest('.field')?.querySelector('label');
  return (label?.textContent || control.getAttribute('aria-label') || '').trim();
}
