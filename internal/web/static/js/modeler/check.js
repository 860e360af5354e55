// Checked while drawing: a moment after each change the modeler sends the draft to
// POST /api/v1/processes/check, which runs publish's validation and writes nothing, and marks
// each problem on its element (a red outline and the message beside it) and in a list whose
// entries select their element. Only the newest answer is drawn: a slow answer to an older
// diagram must not mark what is already fixed.

import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { elementLabel } from './modeler.js';

const delay = 600;
const marker = 'has-problem';

// checker returns {schedule(), now()}; draft() gives the body to check, onResult({problems,
// warnings} or {error}) is told each newest answer after the marks are drawn.
export function checker({ modeler, draft, list, onResult }) {
  let timer = 0;
  let seq = 0;
  let marked = [];

  function clear() {
    const canvas = modeler.get('canvas');
    const registry = modeler.get('elementRegistry');
    // An import since the last marks replaced every element: their markers went with them.
    for (const id of marked) if (registry.get(id)) canvas.removeMarker(id, marker);
    modeler.get('overlays').remove({ type: 'problem' });
    marked = [];
  }

  function mark(problems) {
    clear();
    const registry = modeler.get('elementRegistry');
    const canvas = modeler.get('canvas');
    const overlays = modeler.get('overlays');
    const items = problems.map((p) => {
      const el = p.element && registry.get(p.element);
      if (!el) return h('li', { class: 'problem', dataset: { problem: p.field || '' } }, p.field ? `${p.field}: ${p.message}` : p.message);
      if (!marked.includes(el.id)) {
        canvas.addMarker(el.id, marker);
        marked.push(el.id);
        overlays.add(el.id, 'problem', { position: { top: -4, right: -10 }, html: h('div', { class: 'problem-overlay', dataset: { problemFor: el.id } }, p.message) });
      }
      return h('li', { class: 'problem', dataset: { problem: el.id } },
        h('button', { type: 'button', class: 'link-btn', onclick: () => focusElement(modeler, el.id) }, elementLabel(el)), ': ', p.message);
    });
    replace(list, items);
  }

  async function run() {
    clearTimeout(timer);
    const mine = ++seq;
    let out;
    try {
      out = await post('/api/v1/processes/check', await draft());
    } catch (err) {
      if (mine === seq) {
        clear(); // the marks were about an older diagram
        onResult({ error: err });
      }
      return;
    }
    if (mine !== seq) return;
    mark(out.problems || []);
    onResult(out);
  }

  return {
    schedule() {
      clearTimeout(timer);
      seq++; // an answer already on its way is to an older diagram
      timer = setTimeout(run, delay);
    },
    now: run,
  };
}

// focusElement selects the element, scrolls it into view and gives the canvas the focus, so
// that the properties panel shows it and the keyboard works on it.
export function focusElement(modeler, id) {
  const el = modeler.get('elementRegistry').get(id);
  if (!el) return;
  modeler.get('selection').select(el);
  modeler.get('canvas').scrollToElement(el);
}
