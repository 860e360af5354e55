// diagram.js draws a BPMN 2.0 diagram as SVG from the file's own layout (BPMN DI): each
// BPMNShape at its bounds, each BPMNEdge through its waypoints. The XML is read with DOMParser
// and looked up by local name in any namespace, so files that write bpmn:startEvent and files
// with a default namespace (<startEvent>) draw the same. Names become text nodes, never markup.

const SVG = 'http://www.w3.org/2000/svg';
const PAD = 20;

function svgEl(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

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

// parse reads xml into the semantic elements by id and the DI shapes and edges.
export function parseDiagram(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('The BPMN file is not well-formed XML.');
  const elements = new Map();
  for (const el of doc.getElementsByTagName('*')) {
    const id = el.getAttribute('id');
    if (id && !elements.has(id)) elements.set(id, el);
  }
  const shapes = byLocal(doc, 'BPMNShape').map((s) => ({ di: s, ref: elements.get(s.getAttribute('bpmnElement')), id: s.getAttribute('bpmnElement'), b: bounds(s) }))
    .filter((s) => s.b);
  const edges = byLocal(doc, 'BPMNEdge').map((e) => ({ di: e, ref: elements.get(e.getAttribute('bpmnElement')), id: e.getAttribute('bpmnElement'),
    points: Array.from(e.children).filter((c) => c.localName === 'waypoint').map((p) => [num(p, 'x'), num(p, 'y')]) }));
  return { shapes, edges };
}

// kindOf sorts a BPMN element into how it is drawn.
function kindOf(local) {
  if (/Event$/.test(local)) return 'event';
  if (/Gateway$/.test(local)) return 'gateway';
  if (/^(participant|lane)$/.test(local)) return 'pool';
  if (/^(textAnnotation|dataObjectReference|dataStoreReference|group)$/.test(local)) return 'artifact';
  return 'activity';
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
  } else if (local === 'inclusiveGateway' || local === 'eventBasedGateway') {
    g.append(svgEl('circle', { class: 'bpmn-shape', cx, cy, r: Math.min(b.w, b.h) / 5 }));
  }
}

function drawEvent(g, local, b) {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const r = Math.min(b.w, b.h) / 2;
  g.append(svgEl('circle', { class: 'bpmn-shape', cx, cy, r }));
  if (/^(intermediate|boundary)/.test(local)) g.append(svgEl('circle', { class: 'bpmn-shape bpmn-inner', cx, cy, r: r - 3 }));
}

// drawShape draws one shape as a <g data-element="id"> with its name.
function drawShape(s) {
  const local = s.ref ? s.ref.localName : 'unknown';
  const kind = kindOf(local);
  const name = s.ref ? s.ref.getAttribute('name') || (local === 'textAnnotation' ? s.ref.textContent.trim() : '') : '';
  const g = svgEl('g', { class: `bpmn-el bpmn-${kind}${local === 'endEvent' ? ' bpmn-end' : ''}`, 'data-element': s.id, 'data-type': local });
  g.append(svgEl('title', {}, name ? `${name} (${local})` : `${s.id} (${local})`));
  const { b } = s;
  if (kind === 'event') drawEvent(g, local, b);
  else if (kind === 'gateway') drawGateway(g, local, b);
  else g.append(svgEl('rect', { class: 'bpmn-shape', x: b.x, y: b.y, width: b.w, height: b.h, rx: kind === 'activity' ? 10 : 0 }));
  if (name && (kind === 'activity' || kind === 'artifact')) g.append(textBlock(wrap(name, b.w - 10), b.x + b.w / 2, b.y + b.h / 2));
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

// renderDiagram returns an <svg> of the diagram in xml. It throws when the file has no layout
// to draw (a BPMN file written without DI).
export function renderDiagram(xml) {
  const { shapes, edges } = parseDiagram(xml);
  if (!shapes.length) throw new Error('This BPMN file has no diagram layout (BPMN DI) to draw.');
  const box = extent(shapes, edges);
  const svg = svgEl('svg', { viewBox: `${box.x} ${box.y} ${box.w} ${box.h}`, width: box.w, height: box.h, role: 'img', 'aria-label': 'Process diagram', class: 'bpmn' });
  svg.append(arrowDefs());
  // Pools first, then flows, then the other shapes, so that shapes sit on top of lines.
  const order = (s) => (kindOf(s.ref ? s.ref.localName : '') === 'pool' ? 0 : 2);
  for (const s of shapes.filter((x) => order(x) === 0)) svg.append(drawShape(s));
  for (const e of edges) svg.append(drawEdge(e));
  for (const s of shapes.filter((x) => order(x) === 2)) svg.append(drawShape(s));
  return svg;
}

// highlight marks elements: completed ones in one colour, active ones (where tokens wait) in
// another; an element both completed before and active now shows as active.
export function highlight(svg, { active = [], completed = [] }) {
  for (const id of completed) svg.querySelector(`[data-element="${CSS.escape(id)}"]`)?.classList.add('bpmn-completed');
  for (const id of active) {
    const g = svg.querySelector(`[data-element="${CSS.escape(id)}"]`);
    if (!g) continue;
    g.classList.remove('bpmn-completed');
    g.classList.add('bpmn-active');
  }
}
