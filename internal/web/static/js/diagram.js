// diagram.js draws a BPMN 2.0 diagram as SVG from the file's own layout (BPMN DI): each
// BPMNShape at its bounds, each BPMNEdge through its waypoints. The XML is read with DOMParser
// and looked up by local name in any namespace, so files that write bpmn:startEvent and files
// with a default namespace (<startEvent>) draw the same. Names become text nodes, never markup.
//
// A file holds one BPMNPlane per level: the process's, and one for each collapsed sub-process
// (bpmn-js draws a collapsed sub-process's children on a plane of their own). One plane is drawn
// at a time; mountDiagram adds the way down into a collapsed sub-process and back up.

import { diagramNav } from './diagram-nav.js';
import { drawMarkers, drawSymbol, eventDefinitionOf, loopOf } from './diagram-symbols.js';

import { svgEl } from './svg.js';

const PAD = 20;

const byLocal = (root, name) => Array.from(root.getElementsByTagNameNS('*', name));
const num = (el, attr) => Number(el.getAttribute(attr)) || 0;

// bounds reads the dc:Bounds directly under a shape or label (not those of nested labels).
function bounds(el) {
  const b = Array.from(el.children).find((c) => c.localName === 'Bounds');
  return b ? { x: num(b, 'x'), y: num(b, 'y'), w: num(b, 'width'), h: num(b, 'height') } : null;
}

function labelBounds(el) {
  const label = Array.from(el.children).find((c) => c.localName === 'BPMNLabel');
  return label ? bounds(label) : null;
}

// parseDiagram reads xml into its planes, each with the DI shapes and edges drawn on it and the
// semantic element each stands for. shapes and edges are those of the first plane (the
// process's or the collaboration's), which is the one drawn first.
export function parseDiagram(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('The BPMN file is not well-formed XML.');
  const elements = new Map();
  for (const el of doc.getElementsByTagName('*')) {
    const id = el.getAttribute('id');
    if (id && !elements.has(id)) elements.set(id, el);
  }
  const shapeOf = (s) => ({ di: s, ref: elements.get(s.getAttribute('bpmnElement')), id: s.getAttribute('bpmnElement'), b: bounds(s) });
  const edgeOf = (e) => ({ di: e, ref: elements.get(e.getAttribute('bpmnElement')), id: e.getAttribute('bpmnElement'),
    points: Array.from(e.children).filter((c) => c.localName === 'waypoint').map((p) => [num(p, 'x'), num(p, 'y')]) });
  let planes = byLocal(doc, 'BPMNPlane').map((p) => ({
    id: p.getAttribute('bpmnElement') || '',
    ref: elements.get(p.getAttribute('bpmnElement')),
    shapes: byLocal(p, 'BPMNShape').map(shapeOf).filter((s) => s.b),
    edges: byLocal(p, 'BPMNEdge').map(edgeOf),
  })).filter((p) => p.shapes.length);
  // The process's plane comes first even when a tool wrote a sub-process's plane before it.
  const isSub = (p) => p.ref && !/^(process|collaboration)$/.test(p.ref.localName);
  planes = [...planes.filter((p) => !isSub(p)), ...planes.filter(isSub)];
  const root = planes[0] || { id: '', shapes: [], edges: [] };
  return { elements, planes, shapes: root.shapes, edges: root.edges };
}

// kindOf sorts a BPMN element into how it is drawn.
function kindOf(local) {
  if (/Event$/.test(local)) return 'event';
  if (/Gateway$/.test(local)) return 'gateway';
  if (/^(participant|lane)$/.test(local)) return 'pool';
  if (/^(textAnnotation|dataObjectReference|dataStoreReference|group)$/.test(local)) return 'artifact';
  return 'activity';
}

const isSubProcess = (local) => /^(subProcess|transaction|adHocSubProcess)$/.test(local);

// expanded reports whether a sub-process's shape shows its children inside it. bpmn-js writes
// isExpanded; a file without it is expanded when its children are drawn on the same plane.
function expanded(s, plane) {
  const flag = s.di.getAttribute('isExpanded');
  if (flag) return flag === 'true';
  return plane.shapes.some((o) => o.ref && o.ref.parentNode === s.ref);
}

// depth counts the semantic containers around el, so that outer sub-processes draw first.
function depth(el) {
  let n = 0;
  for (let p = el && el.parentNode; p && p.nodeType === 1; p = p.parentNode) n += 1;
  return n;
}

// wrap splits a name into lines of about width pixels, for 12px text.
function wrap(text, width) {
  const max = Math.max(4, Math.floor(width / 6.6));
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    if (line && (line + ' ' + word).length > max) {
      lines.push(line);
      line = word;
    } else line = line ? line + ' ' + word : word;
  }
  if (line) lines.push(line);
  return lines;
}

function textBlock(lines, cx, cy) {
  const t = svgEl('text', { class: 'bpmn-label', 'text-anchor': 'middle' });
  const top = cy - ((lines.length - 1) * 14) / 2 + 4;
  lines.forEach((l, i) => t.append(svgEl('tspan', { x: cx, y: top + i * 14 }, l)));
  return t;
}

const gatewayMarkers = { exclusiveGateway: 'X', parallelGateway: '+', complexGateway: '*' };

function drawGateway(g, local, b) {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  g.append(svgEl('polygon', { class: 'bpmn-shape', points: `${cx},${b.y} ${b.x + b.w},${cy} ${cx},${b.y + b.h} ${b.x},${cy}` }));
  if (gatewayMarkers[local]) {
    g.append(svgEl('text', { class: 'bpmn-marker', x: cx, y: cy + 8, 'text-anchor': 'middle' }, gatewayMarkers[local]));
  } else if (local === 'inclusiveGateway') {
    g.append(svgEl('circle', { class: 'bpmn-shape bpmn-inner bpmn-thick', cx, cy, r: Math.min(b.w, b.h) / 4, 'data-marker': 'inclusive' }));
  } else if (local === 'eventBasedGateway') {
    g.append(svgEl('circle', { class: 'bpmn-shape bpmn-inner', cx, cy, r: Math.min(b.w, b.h) / 5 }));
  }
}

// interrupting is false for a non-interrupting start or boundary event (drawn dashed).
function interrupting(ref, local) {
  if (local === 'boundaryEvent') return ref.getAttribute('cancelActivity') !== 'false';
  if (local === 'startEvent') return ref.getAttribute('isInterrupting') !== 'false';
  return true;
}

function drawEvent(g, ref, local, b) {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const r = Math.min(b.w, b.h) / 2;
  const dash = ref && !interrupting(ref, local) ? { 'stroke-dasharray': '5 3' } : {};
  g.append(svgEl('circle', { class: 'bpmn-shape', cx, cy, r, ...dash }));
  if (/^(intermediate|boundary)/.test(local)) g.append(svgEl('circle', { class: 'bpmn-shape bpmn-inner', cx, cy, r: r - 3, ...dash }));
  const def = eventDefinitionOf(ref);
  if (def) g.append(drawSymbol(def, cx, cy, local === 'endEvent' || local === 'intermediateThrowEvent'));
}

function drawActivity(g, s, local, plane) {
  const { b } = s;
  const classes = ['bpmn-shape'];
  if (local === 'callActivity') classes.push('bpmn-call');
  if (s.ref && s.ref.getAttribute('triggeredByEvent') === 'true') classes.push('bpmn-event-sub');
  g.append(svgEl('rect', { class: classes.join(' '), x: b.x, y: b.y, width: b.w, height: b.h, rx: 10 }));
  if (local === 'transaction') g.append(svgEl('rect', { class: 'bpmn-shape bpmn-inner', x: b.x + 3, y: b.y + 3, width: b.w - 6, height: b.h - 6, rx: 8 }));
  const markers = [];
  if (isSubProcess(local) && !expanded(s, plane)) markers.push('collapsed');
  const loop = loopOf(s.ref);
  if (loop) markers.push(loop);
  drawMarkers(g, markers, b);
  return markers;
}

// describe says what a shape is for its accessible name: "timer start event, non-interrupting",
// "collapsed sub-process", "user task, sequential multi-instance".
function describe(ref, local, markers) {
  let words = local.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().replace('sub process', 'sub-process');
  if (!ref) return words;
  const def = eventDefinitionOf(ref);
  if (def) words = `${def.kind} ${words}`;
  if (ref.getAttribute('triggeredByEvent') === 'true') words = `event ${words}`;
  const extra = [];
  if (markers.includes('collapsed')) words = `collapsed ${words}`;
  if (markers.includes('multi-parallel')) extra.push('parallel multi-instance');
  if (markers.includes('multi-sequential')) extra.push('sequential multi-instance');
  if (markers.includes('loop')) extra.push('loop');
  if (/Event$/.test(local) && !interrupting(ref, local)) extra.push('non-interrupting');
  return [words, ...extra].join(', ');
}

// drawShape draws one shape as a <g data-element="id"> with its name.
function drawShape(s, plane) {
  const local = s.ref ? s.ref.localName : 'unknown';
  const kind = kindOf(local);
  const name = s.ref ? s.ref.getAttribute('name') || (local === 'textAnnotation' ? s.ref.textContent.trim() : '') : '';
  const container = isSubProcess(local) && expanded(s, plane);
  const g = svgEl('g', {
    class: `bpmn-el bpmn-${kind}${local === 'endEvent' ? ' bpmn-end' : ''}${container ? ' bpmn-container' : ''}`,
    'data-element': s.id, 'data-type': local, 'data-box': `${s.b.x} ${s.b.y} ${s.b.w} ${s.b.h}`,
  });
  const title = svgEl('title');
  g.append(title);
  const { b } = s;
  let markers = [];
  if (kind === 'event') drawEvent(g, s.ref, local, b);
  else if (kind === 'gateway') drawGateway(g, local, b);
  else if (kind === 'activity') markers = drawActivity(g, s, local, plane);
  else g.append(svgEl('rect', { class: 'bpmn-shape', x: b.x, y: b.y, width: b.w, height: b.h }));
  title.textContent = `${name || s.id} (${describe(s.ref, local, markers)})`;
  if (name && container) g.append(svgEl('text', { class: 'bpmn-label', x: b.x + 10, y: b.y + 18 }, name));
  else if (name && (kind === 'activity' || kind === 'artifact')) g.append(textBlock(wrap(name, b.w - 10), b.x + b.w / 2, b.y + b.h / 2 - (markers.length ? 6 : 0)));
  else if (name) {
    const lb = labelBounds(s.di) || { x: b.x - 30, y: b.y + b.h + 6, w: b.w + 60, h: 14 };
    g.append(textBlock(wrap(name, Math.max(lb.w, 90)), lb.x + lb.w / 2, lb.y + lb.h / 2));
  }
  return g;
}

function drawEdge(e) {
  const local = e.ref ? e.ref.localName : 'sequenceFlow';
  const g = svgEl('g', { class: `bpmn-edge bpmn-${local}`, 'data-flow': e.id });
  const attrs = { class: 'bpmn-flow', points: e.points.map((p) => p.join(',')).join(' ') };
  if (local !== 'association') attrs['marker-end'] = 'url(#bpmn-arrow)';
  if (local === 'messageFlow') attrs['stroke-dasharray'] = '6 4';
  if (local === 'association') attrs['stroke-dasharray'] = '2 3';
  g.append(svgEl('polyline', attrs));
  const name = e.ref && e.ref.getAttribute('name');
  if (name && e.points.length) {
    const lb = labelBounds(e.di);
    const [x, y] = lb ? [lb.x + lb.w / 2, lb.y + lb.h / 2] : e.points[Math.floor(e.points.length / 2)];
    g.append(textBlock(wrap(name, 120), x, y));
  }
  return g;
}

// extent is the box around every shape, waypoint and label.
function extent(shapes, edges) {
  const xs = [];
  const ys = [];
  for (const s of shapes) {
    xs.push(s.b.x - 40, s.b.x + s.b.w + 40);
    ys.push(s.b.y, s.b.y + s.b.h + 30);
  }
  for (const e of edges) for (const [x, y] of e.points) { xs.push(x); ys.push(y); }
  if (!xs.length) return { x: 0, y: 0, w: 100, h: 100 };
  const x = Math.min(...xs) - PAD;
  const y = Math.min(...ys) - PAD;
  return { x, y, w: Math.max(...xs) + PAD - x, h: Math.max(...ys) + PAD - y };
}

function arrowDefs() {
  const marker = svgEl('marker', { id: 'bpmn-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#1d2330' }));
  const defs = svgEl('defs');
  defs.append(marker);
  return defs;
}

// drawPlane returns an <svg> of one plane of a parsed diagram.
function drawPlane(plane, label) {
  const box = extent(plane.shapes, plane.edges);
  const svg = svgEl('svg', { viewBox: `${box.x} ${box.y} ${box.w} ${box.h}`, width: box.w, height: box.h, role: 'img', 'aria-label': label, class: 'bpmn', 'data-plane': plane.id });
  svg.append(arrowDefs());
  // Pools and expanded sub-processes first (outer before inner), then flows, then the other
  // shapes with boundary events last, so that shapes sit on top of lines and of their container.
  const local = (s) => (s.ref ? s.ref.localName : '');
  const isContainer = (s) => kindOf(local(s)) === 'pool' || (isSubProcess(local(s)) && expanded(s, plane));
  const rank = (s) => (kindOf(local(s)) === 'pool' ? -1 : depth(s.ref));
  const containers = plane.shapes.filter(isContainer).sort((a, b) => rank(a) - rank(b));
  const rest = plane.shapes.filter((s) => !isContainer(s));
  for (const s of containers) svg.append(drawShape(s, plane));
  for (const e of plane.edges) svg.append(drawEdge(e));
  for (const s of rest.filter((x) => local(x) !== 'boundaryEvent')) svg.append(drawShape(s, plane));
  for (const s of rest.filter((x) => local(x) === 'boundaryEvent')) svg.append(drawShape(s, plane));
  return svg;
}

// renderDiagram returns an <svg> of the diagram in xml (its process's plane). It throws when the
// file has no layout to draw (a BPMN file written without DI).
export function renderDiagram(xml) {
  const { planes } = parseDiagram(xml);
  if (!planes.length) throw new Error('This BPMN file has no diagram layout (BPMN DI) to draw.');
  return drawPlane(planes[0], 'Process diagram');
}

// highlight marks elements: completed ones in one colour, active ones (where tokens wait) in
// another; an element both completed before and active now shows as active. tokens, if given,
// counts the tokens at each element id, drawn as a numbered dot on the element.
export function highlight(svg, { active = [], completed = [], tokens = null }) {
  for (const id of completed) svg.querySelector(`[data-element="${CSS.escape(id)}"]`)?.classList.add('bpmn-completed');
  for (const id of active) {
    const g = svg.querySelector(`[data-element="${CSS.escape(id)}"]`);
    if (!g) continue;
    g.classList.remove('bpmn-completed');
    g.classList.add('bpmn-active');
  }
  for (const [id, n] of tokens || []) {
    const g = svg.querySelector(`[data-element="${CSS.escape(id)}"]`);
    if (!g || !n) continue;
    const [x, y, w] = g.dataset.box.split(' ').map(Number);
    const dot = svgEl('g', { class: 'bpmn-token', 'data-tokens': n });
    dot.append(svgEl('circle', { cx: x + w - 2, cy: y + 2, r: 9 }), svgEl('text', { x: x + w - 2, y: y + 6, 'text-anchor': 'middle' }, String(n)));
    g.append(dot);
    const title = g.querySelector('title');
    title.textContent = title.textContent.replace(/\)$/, `, ${n} token${n > 1 ? 's' : ''} here)`);
  }
}

// insidePlanes maps each collapsed sub-process with a plane to every element id drawn on that
// plane or on the planes below it, so that a token deep inside marks the shape above it.
function insidePlanes(planes) {
  const byId = new Map(planes.map((p) => [p.id, p]));
  const out = new Map();
  const collect = (p, seen) => {
    const ids = [];
    for (const s of p.shapes) {
      ids.push(s.id);
      const below = byId.get(s.id);
      if (below && below !== p && !seen.has(below)) ids.push(...collect(below, new Set([...seen, below])));
    }
    return ids;
  };
  for (const p of planes.slice(1)) out.set(p.id, new Set(collect(p, new Set([p]))));
  return out;
}

// mountDiagram draws xml into box with a way into each collapsed sub-process that has a plane:
// a button for each (and a click on the shape), and a trail of the levels above to go back.
// marks are highlight's; with them, a collapsed sub-process holding a token shows active.
export function mountDiagram(box, xml, marks = {}) {
  const parsed = parseDiagram(xml);
  const { planes } = parsed;
  if (!planes.length) throw new Error('This BPMN file has no diagram layout (BPMN DI) to draw.');
  const byId = new Map(planes.map((p) => [p.id, p]));
  const inside = insidePlanes(planes);
  const activeIds = new Set(marks.active || []);
  const path = [planes[0]];
  const nameOf = (p) => (p.ref && p.ref.getAttribute('name')) || p.id;

  function show() {
    const plane = path[path.length - 1];
    const label = path.length === 1 ? 'Process diagram' : `Diagram of sub-process ${nameOf(plane)}`;
    const svg = drawPlane(plane, label);
    const below = plane.shapes.filter((s) => s.id !== plane.id && byId.has(s.id) && byId.get(s.id) !== plane);
    const active = [...activeIds, ...below.filter((s) => [...inside.get(s.id) || []].some((id) => activeIds.has(id))).map((s) => s.id)];
    highlight(svg, { ...marks, active });
    for (const s of below) {
      const g = svg.querySelector(`[data-element="${CSS.escape(s.id)}"]`);
      g.classList.add('bpmn-drill');
      g.addEventListener('click', () => open(s.id));
    }
    const nav = diagramNav({
      trail: path.map(nameOf), below: below.map((s) => ({ id: s.id, name: (s.ref && s.ref.getAttribute('name')) || s.id })),
      onUp: up, onOpen: open,
    });
    box.replaceChildren(nav, svg);
  }

  // open draws the plane of the collapsed sub-process id; the focus goes to the way back.
  function open(id) {
    path.push(byId.get(id));
    show();
    box.querySelector('[data-diagram-up]')?.focus();
  }

  // up draws the level-th plane of the trail (0: the process's); the focus goes to the button
  // of the sub-process just left, where a keyboard user came down.
  function up(level) {
    const left = path[level + 1];
    path.length = level + 1;
    show();
    box.querySelector(`[data-drill="${CSS.escape(left.id)}"]`)?.focus();
  }

  show();
  return { open, planes: planes.map((p) => p.id) };
}
