// The way through the levels of a diagram (diagram.js's mountDiagram): the trail of the planes
// from the process down to the one shown, each level above a button, and a button for each
// collapsed sub-process drawn on this plane. Buttons, not clickable shapes, carry the keyboard:
// the drawing is one image to assistive technology.

import { h } from './dom.js';

export function diagramNav({ trail, below, onUp, onOpen }) {
  const nav = h('nav', { class: 'diagram-nav', 'aria-label': 'Diagram levels' });
  if (trail.length > 1) {
    nav.append(h('ol', { class: 'diagram-trail' }, trail.map((name, i) => h('li', {}, i === trail.length - 1
      ? h('span', { 'aria-current': 'location' }, name)
      : h('button', { type: 'button', class: 'btn btn-sm', dataset: { diagramUp: String(i) }, onclick: () => onUp(i) }, i === 0 ? `Process: ${name}` : name)))));
  }
  if (below.length) {
    nav.append(h('p', { class: 'diagram-drills' }, h('span', { class: 'muted' }, 'Collapsed sub-processes:'),
      below.map((s) => h('button', { type: 'button', class: 'btn btn-sm', dataset: { drill: s.id }, onclick: () => onOpen(s.id) }, `Open ${s.name}`))));
  }
  return nav;
}
