// Versions side by side on the process page: two read-only viewers (bpmn-js's navigated
// viewer, with zoom and pan), each showing the saved draft or any published version, and the
// live-chat bindings that start the process, each with whether the newest version fits it.

import { get, listAll } from '../api.js';
import { h, replace } from '../dom.js';
import { createViewer } from './modeler.js';

// versionPanes fills the two selects and draws their choice; the left one starts at the
// newest published version, the right one at the draft. It returns {refresh(def)}.
export function versionPanes({ root, base, viewerSrc, zeebeURL }) {
  const panes = ['left', 'right'].map((side) => ({
    select: root.querySelector(`[data-version="${side}"]`),
    box: root.querySelector(`[data-view="${side}"]`),
    viewer: null,
  }));
  let def = null;

  async function show(pane) {
    const n = pane.select.value;
    const src = n ? await get(`${base}/versions/${n}`) : def;
    if (pane.viewer) pane.viewer.destroy();
    pane.viewer = null;
    replace(pane.box);
    pane.box.dataset.shown = n || 'draft';
    if (!src.bpmn) {
      replace(pane.box, h('p', { class: 'empty' }, 'No diagram yet.'));
      return;
    }
    try {
      pane.viewer = await createViewer({ container: pane.box, viewerSrc, zeebeURL, xml: src.bpmn });
    } catch (err) {
      replace(pane.box, h('p', { class: 'empty' }, `This diagram cannot be shown: ${err.message}`));
    }
  }

  for (const pane of panes) {
    pane.select.addEventListener('change', () => show(pane));
  }

  return {
    async refresh(d) {
      def = d;
      const options = (chosen) => {
        const out = [h('option', { value: '', selected: chosen === '' }, 'Draft (saved)')];
        for (let n = def.published_version; n >= 1; n--) out.push(h('option', { value: String(n), selected: chosen === String(n) }, `Version ${n}`));
        return out;
      };
      const [left, right] = panes;
      replace(left.select, options(def.published_version ? String(def.published_version) : ''));
      replace(right.select, options(''));
      await Promise.all(panes.map(show));
    },
  };
}

// bindingsTable lists the bindings of the process at GET {base}/bindings.
// The live chats' names come from their list, which every staff user may read.
export async function bindingsTable({ table, empty, base }) {
  const [{ items }, chats] = await Promise.all([get(`${base}/bindings`), listAll('/api/v1/livechats')]);
  const names = new Map(chats.map((c) => [c.id, c.name]));
  replace(table.querySelector('tbody'), items.map((b) => h('tr', { dataset: { binding: `${b.livechat_id} ${b.event}` } },
    h('td', {}, h('a', { href: `/admin/livechats/${encodeURIComponent(b.livechat_id)}#automation` }, names.get(b.livechat_id) || b.livechat_id)),
    h('td', {}, h('code', {}, b.event)),
    h('td', {}, Object.entries(b.inputs || {}).map(([k, v]) => h('div', {}, h('code', {}, k), ' ← ', h('code', {}, v)))),
    h('td', {}, b.broken
      ? h('span', { class: 'badge badge-danger', dataset: { broken: '' }, title: b.broken }, 'Broken: ', b.broken)
      : h('span', { class: 'badge ' + (b.enabled ? 'badge-success' : 'badge-muted') }, b.enabled ? 'Starts it' : 'Disabled')))));
  empty.hidden = items.length > 0;
}
