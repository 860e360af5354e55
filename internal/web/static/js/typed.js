// Controls for typed values (process variables, task form fields): each type gets the input
// that fits it, and the content is read back as the JSON value of that type (numbers as
// numbers, booleans as booleans, times in RFC 3339), because the engine refuses a value of the
// wrong type rather than guessing.

import { fieldError } from './api.js';
import { field } from './dialog.js';

// inputType is the control a variable of type t is filled in with.
function inputType(t) {
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'boolean') return 'checkbox';
  if (t === 'datetime') return 'datetime-local';
  if (t === 'email') return 'email';
  if (t === 'phone') return 'tel';
  if (t === 'list' || t === 'object') return 'textarea';
  return 'text';
}

// structuredHint shows the JSON shape a list or object variable is typed in.
const structuredHint = {
  list: 'A JSON array, such as ["a", 2, {"b": true}].',
  object: 'A JSON object, such as {"name": "Ann", "age": 31}.',
};

// typedField builds the control of one value: {name, label, type, required, value}.
export function typedField(v) {
  const f = field({
    name: `in.${v.name}`, label: v.label || v.name, type: inputType(v.type), required: v.required,
    value: v.value ?? '',
    hint: v.type === 'money' ? 'An amount and a currency, such as 12.50 EUR.' : structuredHint[v.type] || `Type: ${v.type}`,
  });
  const input = f.querySelector('input, textarea');
  input.dataset.type = v.type;
  if (v.type === 'integer') input.step = '1';
  if (v.type === 'number') input.step = 'any';
  return f;
}

// typedValue turns a control's content into the JSON value of its variable's type; undefined
// leaves the variable out.
function typedValue(input) {
  const t = input.dataset.type;
  if (t === 'boolean') return input.checked;
  const raw = input.value.trim();
  if (raw === '') return undefined;
  if (t === 'integer' || t === 'number') return Number(raw);
  if (t === 'datetime') return new Date(raw).toISOString();
  if (t === 'list' || t === 'object') return jsonValue(input.name, t, raw);
  if (t === 'money') {
    const m = raw.match(/^(-?\d+(?:\.\d+)?)\s*([A-Za-z]{3})$/);
    if (!m) throw fieldError(input.name, 'must be an amount and a currency, such as 12.50 EUR');
    return { amount: m[1], currency: m[2].toUpperCase() };
  }
  return raw;
}

// inputsOf reads every variable control of the form.
export function inputsOf(form) {
  const inputs = {};
  for (const el of form.querySelectorAll('[data-type]')) {
    const v = typedValue(el);
    if (v !== undefined) inputs[el.name.slice(3)] = v;
  }
  return inputs;
}


// jsonValue reads a list or object typed as JSON into the control called name; the server
// checks the shape again, this only points at the field before anything is sent.
export function jsonValue(name, t, raw) {
  let v;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw fieldError(name, `is not valid JSON (${e.message})`);
  }
  const isList = Array.isArray(v);
  const isObject = v !== null && typeof v === 'object' && !isList;
  if (t === 'list' && !isList) throw fieldError(name, 'must be a JSON array, such as ["a", 2]');
  if (t === 'object' && !isObject) throw fieldError(name, 'must be a JSON object, such as {"name": "Ann"}');
  return v;
}
