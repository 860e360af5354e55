// Small SVG charts for the Reports page, drawn at the width of their box so that text keeps
// its real size on a phone and on a laptop. A chart is a picture with a one-line summary as
// its accessible name; the table after it carries every figure, for screen readers and for
// anyone who wants the numbers.

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(width, height, summary) {
  return el('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': summary });
}

// hbars draws one horizontal bar per row, each split into parts ({value, cls}), with the
// row's label on the left and its text on the right.
export function hbars(box, rows, summary) {
  const width = Math.max(box.clientWidth || 0, 280);
  const labelW = Math.min(170, Math.round(width * 0.45));
  const textW = 70;
  const barH = 22;
  const gap = 10;
  const height = Math.max(rows.length, 1) * (barH + gap) + gap;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
  const scale = (width - labelW - textW - 16) / max;
  const chart = svg(width, height, summary);
  rows.forEach((r, i) => {
    const y = gap + i * (barH + gap);
    chart.append(el('text', { x: labelW - 8, y: y + barH / 2 + 4, 'text-anchor': 'end' }, clip(r.label, (labelW - 8) / 7)));
    let x = labelW;
    for (const p of r.parts) {
      const w = p.value * scale;
      if (w > 0) chart.append(el('rect', { class: p.cls || 'bar', x, y, width: w, height: barH, rx: 3 }));
      x += w;
    }
    chart.append(el('text', { x: x + 6, y: y + barH / 2 + 4 }, r.text));
  });
  box.append(chart);
}

// columns draws one vertical bar per day with a few date labels under the axis.
export function columns(box, cols, summary) {
  const width = Math.max(box.clientWidth || 0, 280);
  const height = 180;
  const left = 34;
  const bottom = 24;
  const top = 10;
  const max = Math.max(1, ...cols.map((c) => c.value));
  const step = (width - left - 4) / Math.max(cols.length, 1);
  const chart = svg(width, height, summary);
  const y0 = height - bottom;
  chart.append(el('line', { class: 'axis', x1: left, x2: width, y1: y0, y2: y0 }));
  chart.append(el('text', { x: left - 6, y: top + 8, 'text-anchor': 'end' }, max));
  chart.append(el('text', { x: left - 6, y: y0, 'text-anchor': 'end' }, 0));
  // Labels are spaced to fit: about one per 70 px.
  const every = Math.max(1, Math.ceil(70 / step));
  cols.forEach((c, i) => {
    const h = (c.value / max) * (y0 - top);
    const x = left + i * step;
    if (h > 0) chart.append(el('rect', { class: 'bar', x: x + step * 0.15, y: y0 - h, width: Math.max(step * 0.7, 1), height: h, rx: 2 }));
    if (i % every === 0) chart.append(el('text', { x: x + step / 2, y: height - 6, 'text-anchor': 'middle' }, c.label));
  });
  box.append(chart);
}

function clip(text, chars) {
  const n = Math.max(4, Math.floor(chars));
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
