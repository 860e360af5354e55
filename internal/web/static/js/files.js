// Files of messages, for the widget and the console: a picker that collects the files to send
// (the attach button, drag and drop onto the conversation, a pasted screenshot) and the view
// of a message's attachments (pictures as thumbnails, everything else as a download link).
// Bytes are read through /api/v1/attachments/{id}, which serves them sandboxed; no file is
// ever put into the page as HTML.

import { h, replace } from './dom.js';

// size formats a byte count for people.
export function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// picker keeps the files chosen for the next message and shows them as a list with a remove
// button each. input is the form's <input type=file>, drop the element files may be dropped
// on, paste the text box a screenshot may be pasted into, list the <ul> that shows them.
export function picker({ input, drop, paste, list, onChange = () => {} }) {
  let files = [];
  const draw = () => {
    replace(list, files.map((f, i) => h('li', { class: 'file-chip' },
      h('span', {}, `${f.name || 'pasted image'} (${size(f.size)})`),
      h('button', { type: 'button', class: 'file-remove', 'aria-label': `Remove ${f.name || 'pasted image'}`,
        onclick: () => { files.splice(i, 1); draw(); paste.focus(); } }, '×'))));
    list.hidden = files.length === 0;
    onChange(files);
  };
  const add = (more) => {
    files = files.concat(Array.from(more));
    draw();
  };
  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  drop.addEventListener('dragover', (ev) => {
    if (ev.dataTransfer?.types?.includes('Files')) { ev.preventDefault(); drop.classList.add('dropping'); }
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dropping'));
  drop.addEventListener('drop', (ev) => {
    drop.classList.remove('dropping');
    if (!ev.dataTransfer?.files?.length) return;
    ev.preventDefault();
    add(ev.dataTransfer.files);
  });
  paste.addEventListener('paste', (ev) => {
    const pasted = Array.from(ev.clipboardData?.files || []);
    if (!pasted.length) return;
    ev.preventDefault();
    add(pasted.map((f) => (f.name && f.name !== 'image.png' ? f
      : new File([f], `screenshot-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.png`, { type: f.type }))));
  });
  return {
    files: () => files,
    clear: () => { files = []; draw(); },
    // form returns the multipart body of a message: its text and the chosen files.
    form: (text) => {
      const body = new FormData();
      body.append('text', text);
      files.forEach((f) => body.append('files', f, f.name || 'file'));
      return body;
    },
  };
}

// attachments renders a message's files. fetchBlob(url) returns the bytes as a Blob, for
// callers whose credential is a header (the widget's visitor token); without it, URLs are
// used directly with the page's cookie (the console).
export function attachments(list, fetchBlob) {
  if (!list?.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, list.map((a) => {
    const url = `/api/v1/attachments/${encodeURIComponent(a.id)}`;
    const label = `${a.name} (${size(a.size)})`;
    const link = h('a', { href: fetchBlob ? '#' : url, class: 'attachment-link', download: a.image ? false : a.name,
      target: a.image && !fetchBlob ? '_blank' : false, rel: 'noopener', dataset: { attachment: a.id } },
    a.image ? h('img', { class: 'attachment-thumb', alt: a.name, src: fetchBlob ? false : `${url}?thumb=1` }) : null,
    h('span', { class: 'attachment-name' }, label));
    if (fetchBlob) {
      if (a.image) fetchBlob(`${url}?thumb=1`).then((b) => { link.querySelector('img').src = URL.createObjectURL(b); }).catch(() => {});
      link.addEventListener('click', async (ev) => {
        ev.preventDefault();
        const blob = await fetchBlob(url);
        const save = h('a', { href: URL.createObjectURL(blob), download: a.name });
        document.body.append(save);
        save.click();
        save.remove();
      });
    }
    return h('li', { class: a.image ? 'attachment attachment-image' : 'attachment' }, link);
  }));
}
