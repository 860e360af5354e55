// The symbols inside BPMN shapes for diagram.js: what an event waits for or throws (a clock, an
// envelope, a lightning bolt…), filled when the event throws, and the markers along an
// activity's bottom edge (collapsed sub-process, parallel or sequential multi-instance, loop).

import { svgEl } from './svg.js';

const definitions = {
  messageEventDefinition: 'message', timerEventDefinition: 'timer', errorEventDefinition: 'error',
  escalationEventDefinition: 'escalation', signalEventDefinition: 'signal', linkEventDefinition: 'link',
  conditionalEventDefinition: 'conditional', compensateEventDefinition: 'compensation',
  cancelEventDefinition: 'cancel', terminateEventDefinition: 'terminate',
};

// eventDefinitionOf returns {kind} of the event's first event definition, or null.
export function eventDefinitionOf(ref) {
  if (!ref) return null;
  const def = Array.from(ref.children).find((c) => definitions[c.localName]);
  return def ? { kind: definitions[def.localName] } : null;
}

// loopOf names the loop marker of an activity: multi-parallel, multi-sequential, loop, or ''.
export function loopOf(ref) {
  const loop = ref && Array.from(ref.children).find((c) => /LoopCharacteristics$/.test(c.localName));
  if (!loop) return '';
  if (loop.localName === 'standardLoopCharacteristics') return 'loop';
  return loop.getAttribute('isSequential') === 'true' ? 'multi-sequential' : 'multi-parallel';
}

// paths draws each symbol in a 20×20 box centred on (0,0).
const paths = {
  message: ['M-8,-5 h16 v11 h-16 z', 'M-8,-5 L0,1 L8,-5'],
  error: ['M-7,7 L-3,-7 L2,1 L7,-7 L3,7 L-2,-1 z'],
  escalation: ['M0,-8 L6,7 L0,2 L-6,7 z'],
  signal: ['M0,-8 L8,6 L-8,6 z'],
  link: ['M-8,-3 h8 v-5 l8,8 l-8,8 v-5 h-8 z'],
  conditional: ['M-6,-8 h12 v16 h-12 z', 'M-4,-4 h8', 'M-4,0 h8', 'M-4,4 h8'],
  compensation: ['M-1,-6 L-9,0 L-1,6 z', 'M7,-6 L-1,0 L7,6 z'],
  cancel: ['M-6,-6 L6,6', 'M6,-6 L-6,6'],
};

// drawSymbol draws the symbol of def centred on (cx, cy); filled when the event throws.
export function drawSymbol(def, cx, cy, filled) {
  const g = svgEl('g', { class: `bpmn-symbol${filled ? ' bpmn-symbol-filled' : ''}`, 'data-symbol': def.kind, transform: `translate(${cx} ${cy})` });
  if (def.kind === 'timer') {
    g.append(svgEl('circle', { cx: 0, cy: 0, r: 9 }), svgEl('path', { d: 'M0,-6 V0 L4,3' }));
  } else if (def.kind === 'terminate') {
    g.append(svgEl('circle', { cx: 0, cy: 0, r: 9, class: 'bpmn-solid' }));
  } else {
    for (const d of paths[def.kind] || []) g.append(svgEl('path', { d }));
  }
  return g;
}

// drawMarker draws one 14×14 marker with its top-left corner at (x, y).
function drawMarker(kind, x, y) {
  const g = svgEl('g', { class: 'bpmn-loop-marker', 'data-marker': kind, transform: `translate(${x} ${y})` });
  if (kind === 'collapsed') g.append(svgEl('rect', { x: 0, y: 0, width: 14, height: 14 }), svgEl('path', { d: 'M7,3 V11 M3,7 H11' }));
  if (kind === 'multi-parallel') g.append(svgEl('path', { d: 'M3,1 V13 M7,1 V13 M11,1 V13' }));
  if (kind === 'multi-sequential') g.append(svgEl('path', { d: 'M1,3 H13 M1,7 H13 M1,11 H13' }));
  if (kind === 'loop') g.append(svgEl('path', { d: 'M4,12 A6,6 0 1 1 10,12 M10,12 l0,-4 M10,12 l-4,0' }));
  return g;
}

// drawMarkers puts the markers side by side, centred along the bottom edge of the box b.
export function drawMarkers(g, markers, b) {
  const left = b.x + b.w / 2 - (markers.length * 18 - 4) / 2;
  markers.forEach((m, i) => g.append(drawMarker(m, left + i * 18, b.y + b.h - 18)));
}
