// svgEl makes an SVG element with attributes (those undefined or null left out) and text.

const SVG = 'http://www.w3.org/2000/svg';

export function svgEl(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
