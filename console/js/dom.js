// DOM helpers. Text always goes in as text (never as HTML), so a key or a
// name from the store cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let fieldCount = 0;
// A labelled form field: returns {row, input}.
export function field(label, attrs = {}) {
  const id = attrs.id || `field-${++fieldCount}`;
  const input = attrs.tag === 'select'
    ? h('select', { id, name: attrs.name }, (attrs.options || []).map(([value, text]) =>
      h('option', { value, selected: value === attrs.value }, text)))
    : h('input', { type: 'text', ...attrs, id, tag: undefined });
  return { row: h('div', { class: 'field' }, h('label', { for: id }, label), input), input };
}

export function say(text) {
  const status = document.getElementById('status');
  status.classList.remove('error');
  status.textContent = text;
}

export function sayError(error) {
  const status = document.getElementById('status');
  status.classList.add('error');
  status.textContent = error && error.message ? `${error.code ? error.code + ': ' : ''}${error.message}`
    : String(error);
}

// Runs an action, reporting its failure: undefined when it failed, else its
// result (true for an action that returns nothing).
export async function attempt(action) {
  try {
    const result = await action();
    return result === undefined || result === null ? true : result;
  } catch (error) {
    sayError(error);
    return undefined;
  }
}

export function confirmDialog(title, text, okLabel = 'Delete') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  do { value /= 1024; unit++; } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

// A view's frame: its heading (focused, for screen readers and keyboards)
// and content.
export function page(title, ...content) {
  const main = document.getElementById('main');
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading, ...content.filter((part) => part !== null && part !== undefined));
  document.title = `${title} · sos console`;
  heading.focus();
  return main;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    say('Copied.');
  } catch {
    say('Copy it from the field: the browser refused the clipboard.');
  }
}
