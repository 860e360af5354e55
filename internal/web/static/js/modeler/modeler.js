// The BPMN modeler of the process page: bpmn-js (vendored under static/vendor/bpmn-js, loaded
// by the page as the UMD global BpmnJS) taught Parley's extension elements (parley.js) and
// Zeebe's, so that files drawn for Camunda 8 keep theirs through an edit. No build step: the
// vendored bundle is the whole of bpmn-js, and this module only wires it to the page.

import { parleyModdle } from './parley.js';

// The modeler's constructor is taken when this module runs, after the page's deferred
// classic script defined it, and before the navigated viewer (whose bundle defines the same
// global) can be loaded by loadViewer.
const Modeler = window.BpmnJS;

let zeebe = null;

// loadZeebe fetches Zeebe's moddle descriptor once; the page names its fingerprinted address.
async function loadZeebe(url) {
  if (!zeebe) {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error('The BPMN modeler could not be loaded. Reload the page.');
    zeebe = await res.json();
  }
  return zeebe;
}

// createModeler makes the modeler in container. Keyboard shortcuts (undo, redo, copy, paste,
// delete, zoom, the tools' letters) work while the canvas has the focus: bpmn-js 18 binds
// them to its own focusable canvas and refuses the older keyboard.bindTo option.
export async function createModeler({ container, zeebeURL }) {
  if (!Modeler) throw new Error('The BPMN modeler could not be loaded. Reload the page.');
  return new Modeler({
    container,
    moddleExtensions: { parley: parleyModdle, zeebe: await loadZeebe(zeebeURL) },
  });
}

let Viewer = null;

// loadViewer loads the navigated viewer (read-only, with zoom and pan) on first use. Its
// bundle also defines window.BpmnJS, so the global is put back to the modeler afterwards.
export async function loadViewer(src) {
  if (Viewer) return Viewer;
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error('The diagram viewer could not be loaded. Reload the page.'));
    document.head.append(script);
  });
  Viewer = window.BpmnJS;
  window.BpmnJS = Modeler;
  return Viewer;
}

// createViewer shows xml read-only in container, fitted to it.
export async function createViewer({ container, viewerSrc, zeebeURL, xml }) {
  const V = await loadViewer(viewerSrc);
  const viewer = new V({ container, moddleExtensions: { parley: parleyModdle, zeebe: await loadZeebe(zeebeURL) } });
  await viewer.importXML(xml);
  viewer.get('canvas').zoom('fit-viewport');
  return viewer;
}

function escapeXML(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// blankDiagram is where a new process starts: an executable process (Parley runs only
// those) named after it, holding a start event to draw from.
export function blankDiagram(code, name) {
  const id = /^[A-Za-z_]/.test(code) ? code.replace(/[^A-Za-z0-9_.-]/g, '_') : `p_${code}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:parley="https://parley.dev/schema/bpmn/1" id="definitions_${id}" targetNamespace="https://parley.dev/processes">
  <bpmn:process id="${id}" name="${escapeXML(name)}" isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_${id}">
    <bpmndi:BPMNPlane id="plane_${id}" bpmnElement="${id}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

// download offers text as a file, as the browser's own download of a link would.
export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/xml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// elementLabel names an element as its author sees it: its name, else its kind and id.
export function elementLabel(el) {
  const bo = el && el.businessObject;
  if (!bo) return '';
  const kind = (bo.$type || '').replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return bo.name ? `${bo.name} (${kind})` : `${kind} ${bo.id}`;
}
