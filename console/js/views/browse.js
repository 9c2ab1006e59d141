// A bucket as a file manager: prefixes as folders, breadcrumbs, sorting,
// search by prefix, pages of 1,000 keys (one listing request each, however
// large the bucket), uploads of files and folders (buttons or drag and
// drop), new folders, and deleting many at once.

import { h, field, page, say, attempt, confirmDialog, formatSize, formatDate } from '../dom.js';
import { startUploads } from '../uploads.js';
import { browseHash } from './buckets.js';

export function objectHash(bucket, key) {
  return `#/o/${encodeURIComponent(bucket)}/${encodeURIComponent(key)}`;
}

// Where the listing is, kept while the user stays in the same folder.
let state = { where: '', filter: '', tokens: [''], index: 0, sort: 'name', descending: false };

function breadcrumbs(bucket, prefix) {
  const parts = prefix.split('/').filter(Boolean);
  const crumbs = [h('li', {}, h('a', { href: '#/buckets' }, 'Buckets')),
    h('li', {}, h('a', { href: browseHash(bucket) }, bucket))];
  let path = '';
  parts.forEach((part, i) => {
    path += part + '/';
    crumbs.push(h('li', {}, i === parts.length - 1
      ? h('span', { 'aria-current': 'page' }, part) : h('a', { href: browseHash(bucket, path) }, part)));
  });
  return h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('ol', {}, crumbs));
}

// Every key under the given prefixes (folders) plus the given keys.
async function expandKeys(client, bucket, folders, keys) {
  const all = [...keys];
  for (const folder of folders) {
    let token = '';
    do {
      const listing = await client.list(bucket, { prefix: folder, delimiter: '', token });
      all.push(...listing.objects.map((o) => o.key));
      token = listing.next;
    } while (token);
  }
  return all;
}

async function deleteSelected(client, bucket, folders, keys, refresh) {
  const what = [...folders.map((f) => `folder ${f}`), ...keys].slice(0, 5).join(', ');
  const count = folders.length + keys.length;
  if (!await confirmDialog(`Delete ${count} item(s)?`,
    `${what}${count > 5 ? ', …' : ''}. Folders are deleted with everything in them. ` +
    'This cannot be undone.')) return;
  const all = await attempt(() => expandKeys(client, bucket, folders, keys));
  if (!all) return;
  let failed = [];
  for (let i = 0; i < all.length; i += 1000) {
    const errors = await attempt(() => client.deleteMany(bucket, all.slice(i, i + 1000)));
    if (!errors) return;
    failed = failed.concat(errors);
  }
  await refresh();
  if (failed.length) say(`${failed.length} could not be deleted: ${failed[0].key}: ${failed[0].message}`);
  else say(`Deleted ${all.length} object(s).`);
}

function sortRows(items, sort, descending) {
  const value = (item) => (sort === 'size' ? item.size : sort === 'modified' ? item.modified : item.name);
  const sorted = [...items].sort((a, b) => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0));
  return descending ? sorted.reverse() : sorted;
}

export async function browseView(client, bucket, prefix) {
  const where = `${bucket}\n${prefix}`;
  if (state.where !== where) state = { ...state, where, filter: '', tokens: [''], index: 0 };
  const refresh = () => browseView(client, bucket, prefix);
  const listing = await client.list(bucket, { prefix: prefix + state.filter,
    token: state.tokens[state.index] });
  if (listing.next) state.tokens[state.index + 1] = listing.next;

  const items = [
    ...listing.folders.map((f) => ({ folder: true, key: f, name: f.slice(prefix.length), size: -1,
      modified: '' })),
    ...listing.objects.filter((o) => o.key !== prefix).map((o) => ({ ...o,
      name: o.key.slice(prefix.length) })),
  ];
  const folders = sortRows(items.filter((i) => i.folder), state.sort, state.descending);
  const files = sortRows(items.filter((i) => !i.folder), state.sort, state.descending);

  // ---- toolbar
  const upload = async (list) => {
    await startUploads(client, bucket, prefix, list, () => {
      if (location.hash === browseHash(bucket, prefix)) refresh();
    });
  };
  // The input is emptied after each choice, so choosing the same files again uploads again.
  const pick = (input, pathOf) => {
    const chosen = [...input.files].map((file) => ({ file, path: pathOf(file) }));
    input.value = '';
    upload(chosen);
  };
  const filesInput = h('input', { type: 'file', id: 'upload-files', multiple: true, class: 'sr',
    onchange: (e) => pick(e.target, (file) => file.name) });
  const folderInput = h('input', { type: 'file', id: 'upload-folder', webkitdirectory: true,
    class: 'sr', onchange: (e) => pick(e.target, (file) => file.webkitRelativePath || file.name) });
  const newFolder = field('New folder', { spellcheck: 'false', required: true });
  const folderForm = h('form', { class: 'inline', 'aria-label': 'Create a folder' }, newFolder.row,
    h('button', { type: 'submit' }, 'Create folder'));
  folderForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = newFolder.input.value.trim().replace(/^\/+|\/+$/g, '');
    if (!name) return;
    if (await attempt(() => client.putEmpty(bucket, `${prefix}${name}/`))) {
      await refresh();
      say(`Folder ${name} created.`);
    }
  });
  const search = field('Search by prefix', { type: 'search', value: state.filter,
    spellcheck: 'false' });
  const searchForm = h('form', { class: 'inline', role: 'search', 'aria-label': 'Search' },
    search.row, h('button', { type: 'submit' }, 'Search'));
  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    state = { ...state, filter: search.input.value, tokens: [''], index: 0 };
    await refresh();
  });
  const deleteButton = h('button', { type: 'button', class: 'danger', disabled: true,
    onclick: () => {
      const chosen = [...document.querySelectorAll('input[data-key]:checked')];
      deleteSelected(client, bucket,
        chosen.filter((c) => c.dataset.folder).map((c) => c.dataset.key),
        chosen.filter((c) => !c.dataset.folder).map((c) => c.dataset.key), refresh);
    } }, 'Delete selected');
  const updateDelete = () => {
    const n = document.querySelectorAll('input[data-key]:checked').length;
    deleteButton.disabled = n === 0;
    deleteButton.textContent = n ? `Delete selected (${n})` : 'Delete selected';
  };
  const toolbar = h('div', { class: 'toolbar' },
    h('label', { for: 'upload-files', class: 'button' }, 'Upload files'), filesInput,
    h('label', { for: 'upload-folder', class: 'button' }, 'Upload folder'), folderInput,
    deleteButton,
    h('a', { href: `#/settings/${encodeURIComponent(bucket)}`, class: 'button' }, 'Bucket access'));
  // The file inputs are visually hidden; keyboard users reach them through
  // their labels, which forward Enter/Space.
  for (const label of toolbar.querySelectorAll('label.button')) {
    label.tabIndex = 0;
    label.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); label.click(); }
    });
  }

  // ---- table
  const sortButton = (column, text) => {
    const active = state.sort === column;
    return h('th', { scope: 'col', 'aria-sort': active ? (state.descending ? 'descending' : 'ascending') : 'none' },
      h('button', { type: 'button', class: 'sort', onclick: async () => {
        state = { ...state, descending: active ? !state.descending : false, sort: column };
        await refresh();
      } }, text, active ? (state.descending ? ' ↓' : ' ↑') : ''));
  };
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all', onchange: (e) => {
    for (const box of document.querySelectorAll('input[data-key]')) box.checked = e.target.checked;
    updateDelete();
  } });
  const row = (item) => h('tr', {},
    h('td', {}, h('input', { type: 'checkbox', 'data-key': item.key, 'data-folder': item.folder ? '1' : undefined,
      'aria-label': `Select ${item.name}`, onchange: updateDelete })),
    h('td', {}, h('a', { href: item.folder ? browseHash(bucket, item.key) : objectHash(bucket, item.key),
      class: item.folder ? 'folder' : 'file' }, item.name)),
    h('td', { class: 'num' }, item.folder ? '' : formatSize(item.size)),
    h('td', {}, formatDate(item.modified)));
  const table = h('table', { class: 'listing' },
    h('caption', {}, `${folders.length} folder(s), ${files.length} file(s)` +
      (state.index || listing.next ? ` on page ${state.index + 1}` : '')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, selectAll), sortButton('name', 'Name'),
      sortButton('size', 'Size'), sortButton('modified', 'Last modified'))),
    h('tbody', {}, [...folders, ...files].map(row)));
  const pager = h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: state.index === 0, onclick: async () => {
      state.index -= 1; await refresh(); } }, 'Previous page'),
    h('button', { type: 'button', disabled: !listing.next, onclick: async () => {
      state.index += 1; await refresh(); } }, 'Next page'));

  const drop = h('div', { class: 'dropzone', 'aria-label': 'Drop files or folders here to upload' },
    table, items.length ? null : h('p', {}, state.filter ? 'Nothing matches.' : 'This folder is empty.'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    upload(await droppedFiles(e.dataTransfer));
  });

  page(prefix ? `${bucket}/${prefix}` : bucket, breadcrumbs(bucket, prefix), toolbar,
    h('div', { class: 'forms' }, folderForm, searchForm), drop, pager,
    h('p', { class: 'hint' }, 'Drop files or folders on the list to upload them here.'));
}

// Files of a drop, folders walked (webkitGetAsEntry), with relative paths.
async function droppedFiles(transfer) {
  const out = [];
  const walk = async (entry, path) => {
    if (entry.isFile) {
      out.push({ file: await new Promise((ok, bad) => entry.file(ok, bad)), path: path + entry.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, bad) => reader.readEntries(ok, bad));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry());
  if (entries.every(Boolean)) {
    for (const entry of entries) await walk(entry, '');
  } else {
    for (const file of transfer.files) out.push({ file, path: file.name });
  }
  return out;
}
