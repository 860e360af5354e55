// Modal dialogs on the native <dialog> element: focus stays inside and returns to the opener,
// Escape closes, and the page behind is inert, with no framework. A dialog is built when opened and removed when
// closed, so each opening starts clean.

import { h } from './dom.js';
import { APIError, clearErrors, showErrors } from './api.js';

let seq = 0;

// field builds one labelled control from a definition:
// {name, label, type ('text', 'email', 'password', 'number', 'select', 'textarea', 'checkbox'),
//  required, value, options: [{value, label}] for selects, hint, placeholder, autocomplete}.
export function field(def) {
  const id = `f-${def.name}-${++seq}`;
  const common = { id, name: def.name, required: !!def.required, placeholder: def.placeholder, autocomplete: def.autocomplete };
  let control;
  if (def.type === 'select') {
    control = h('select', common, (def.options || []).map((o) =>
      h('option', { value: o.value, selected: o.value === def.value, disabled: !!o.disabled }, o.label)));
  } else if (def.type === 'textarea') {
    control = h('textarea', { ...common, rows: def.rows || 4 }, def.value || '');
  } else if (def.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!def.value });
    return h('div', { class: 'field field-check' }, control, h('label', { for: id }, def.label), hint(def));
  } else {
    control = h('input', { ...common, type: def.type || 'text', value: def.value ?? '' });
  }
  const label = h('label', { for: id, class: def.required ? 'required' : '' }, def.label);
  return h('div', { class: 'field' }, label, control, hint(def));
}

function hint(def) {
  return def.hint ? h('p', { class: 'hint' }, def.hint) : null;
}

// formValues reads a form's named controls into an object: checkboxes as booleans, number
// inputs as numbers (empty as absent), everything else as trimmed strings.
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'number') { if (el.value !== '') out[el.name] = Number(el.value); }
    else if (el.type === 'password') out[el.name] = el.value;
    else out[el.name] = el.value.trim();
  }
  return out;
}

// openDialog shows a modal dialog with a title, a body (nodes) and an optional footer, and
// returns the <dialog>. onClose runs once it is closed, by a button, Escape or code. The
// focus then goes back to where it was when the dialog opened (returnFocus, when given, else
// the element that had the focus), so a keyboard user carries on from the control that
// opened it; Tab and Shift+Tab cycle inside the dialog while it is open.
export function openDialog({ title, body, footer, wide = false, onClose, returnFocus }) {
  const opener = returnFocus || document.activeElement;
  const titleId = `dlg-${++seq}`;
  const dlg = h('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId });
  dlg.append(
    h('header', { class: 'dialog-head' },
      h('h2', { id: titleId }, title),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', onclick: () => dlg.close() }, '×')),
    h('div', { class: 'dialog-body' }, body),
    footer ? h('footer', { class: 'dialog-foot' }, footer) : '');
  dlg.addEventListener('keydown', (ev) => keepFocusIn(dlg, ev));
  dlg.addEventListener('close', () => {
    dlg.remove();
    if (onClose) onClose(dlg.returnValue);
    restoreFocus(opener);
  });
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

// visible reports whether el can take the focus: attached, drawn and enabled.
export function visible(el) {
  return !!el && el.isConnected && !el.disabled && el.getClientRects().length > 0;
}

// keepFocusIn wraps Tab from the last control of the dialog to the first, and Shift+Tab
// from the first to the last, so the focus never leaves for the browser's own controls.
function keepFocusIn(dlg, ev) {
  if (ev.key !== 'Tab') return;
  const items = Array.from(dlg.querySelectorAll(focusable)).filter(visible);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (ev.shiftKey && document.activeElement === first) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && document.activeElement === last) {
    ev.preventDefault();
    first.focus();
  }
}

// restoreFocus puts the focus back on el, or, when el is gone or hidden (an item of a menu
// that closed), on the control of the menu that held it, else on the main content.
export function restoreFocus(el) {
  if (el !== document.body && visible(el)) {
    el.focus();
    return;
  }
  const summary = el?.isConnected && el.closest('details')?.querySelector('summary');
  if (visible(summary)) summary.focus();
  else document.getElementById('main')?.focus();
}

// formDialog opens a dialog holding a form built from fields (see field) and resolves with
// what submit returned, or null when the user cancels. submit receives the form's values;
// when it throws an APIError the dialog stays open and shows each problem next to its field.
export function formDialog({ title, intro, fields, submitLabel = 'Save', submit, wide = false, returnFocus }) {
  return new Promise((resolve) => {
    let result = null;
    const form = h('form', { class: 'dialog-form', id: `form-${++seq}`, novalidate: true },
      intro ? h('p', { class: 'muted' }, intro) : '',
      h('div', { class: 'form-error', role: 'alert', hidden: true }),
      fields.map((f) => (f instanceof Node ? f : field(f))));
    // The buttons sit in the dialog's footer, outside the form, and join it through form=.
    const ok = h('button', { type: 'submit', class: 'btn btn-primary', form: form.id }, submitLabel);
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
    const dlg = openDialog({ title, body: form, footer: [cancel, ok], wide, returnFocus, onClose: () => resolve(result) });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      ok.disabled = true;
      try {
        result = await submit(formValues(form), form);
        dlg.close();
      } catch (err) {
        if (!(err instanceof APIError)) throw err;
        showErrors(form, err);
      } finally {
        ok.disabled = false;
        // The disabled button lost the focus; give it back unless an error took it.
        if (dlg.open && !dlg.contains(document.activeElement)) ok.focus();
      }
    });
    form.querySelector('input, select, textarea')?.focus();
  });
}

// confirmDialog asks a yes-or-no question and resolves with true when confirmed.
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    let yes = false;
    const ok = h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const dlg = openDialog({ title, body: h('p', {}, message), footer: [cancel, ok], onClose: () => resolve(yes) });
    ok.addEventListener('click', () => { yes = true; dlg.close(); });
    cancel.addEventListener('click', () => dlg.close());
    ok.focus();
  });
}
