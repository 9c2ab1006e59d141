// One object: its headers and metadata (Content-Type and Cache-Control
// editable), download, sharing (public URL, pre-signed URL with an expiry,
// optionally single-use), rename/move, delete, and its ACL.

import { h, field, page, say, attempt, confirmDialog, formatSize, copyText } from '../dom.js';
import { aclSection } from './acl.js';
import { browseHash } from './buckets.js';
import { objectHash } from './browse.js';

// Headers a metadata REPLACE must carry over, or they are lost.
const KEPT = ['content-disposition', 'content-encoding', 'content-language', 'expires'];

function parentPrefix(key) {
  const slash = key.lastIndexOf('/', key.length - 2);
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

function copyField(label, value) {
  const f = field(label, { readonly: true, value, class: 'url' });
  return h('div', { class: 'copyable' }, f.row,
    h('button', { type: 'button', 'aria-label': `Copy the ${label}`,
      onclick: () => copyText(f.input.value) }, 'Copy'));
}

function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

// Copies `from` to `to` with `headers`, keeping the source's ACL (a copy
// would otherwise start private).
async function copyKeepingAcl(client, bucket, from, to, headers) {
  const acl = await client.getAcl(bucket, from);
  await client.copy(bucket, to, { bucket, key: from }, headers);
  await client.putAcl(bucket, to, acl);
}

export async function objectView(client, bucket, key) {
  const head = await client.head(bucket, key);
  const get = (name) => head.headers.get(name) || '';
  const back = browseHash(bucket, parentPrefix(key));

  const details = [['Size', formatSize(Number(get('content-length')))],
    ['Last modified', get('last-modified')], ['ETag', get('etag')],
    ['Content-Type', get('content-type')], ['Cache-Control', get('cache-control') || '(none)']];
  const meta = [];
  for (const [name, value] of head.headers.entries()) {
    if (name.startsWith('x-amz-meta-')) meta.push([name, value]);
  }
  const info = h('section', { class: 'card', 'aria-labelledby': 'info-title' },
    h('h2', { id: 'info-title' }, 'Headers and metadata'),
    h('dl', {}, [...details, ...meta].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));

  // ---- edit Content-Type / Cache-Control
  const type = field('Content-Type', { value: get('content-type'), required: true });
  const cache = field('Cache-Control', { value: get('cache-control') });
  const editForm = h('form', { class: 'card', 'aria-labelledby': 'edit-title' },
    h('h2', { id: 'edit-title' }, 'Edit headers'), type.row, cache.row,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save headers')));
  editForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const headers = { 'x-amz-metadata-directive': 'REPLACE', 'content-type': type.input.value.trim() };
    if (cache.input.value.trim()) headers['cache-control'] = cache.input.value.trim();
    for (const name of KEPT) if (get(name)) headers[name] = get(name);
    for (const [name, value] of meta) headers[name] = value;
    if (await attempt(() => copyKeepingAcl(client, bucket, key, key, headers))) {
      await objectView(client, bucket, key);
      say('Headers saved.');
    }
  });

  // ---- share
  const publicUrl = client.publicUrl(bucket, key);
  const expiry = field('Link expires after', { tag: 'select', value: '3600', options: [
    ['900', '15 minutes'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days']] });
  const once = h('input', { type: 'checkbox', id: 'share-once' });
  const linkOut = h('div', { class: 'link-out' });
  const shareForm = h('form', { class: 'inline', 'aria-label': 'Make a pre-signed URL' }, expiry.row,
    h('div', { class: 'field check' }, once, h('label', { for: 'share-once' }, 'Single use')),
    h('button', { type: 'submit' }, 'Make pre-signed URL'));
  shareForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const url = await attempt(() => client.presign(bucket, key, Number(expiry.input.value),
      once.checked ? { 'X-Sos-Once': nonce() } : {}, true));
    if (url) {
      linkOut.replaceChildren(copyField('Pre-signed URL', url));
      say(once.checked ? 'Single-use link made: it works once.' : 'Link made.');
    }
  });
  const share = h('section', { class: 'card', 'aria-labelledby': 'share-title' },
    h('h2', { id: 'share-title' }, 'Share'), copyField('Public URL', publicUrl),
    h('p', { class: 'hint' }, 'The public URL works while the object is public-read.'),
    shareForm, linkOut);

  // ---- rename, download, delete
  const target = field('New key', { value: key, required: true, spellcheck: 'false' });
  const moveForm = h('form', { class: 'inline', 'aria-label': 'Rename or move' }, target.row,
    h('button', { type: 'submit' }, 'Rename / move'));
  moveForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const to = target.input.value.trim();
    if (!to || to === key) return;
    const moved = await attempt(async () => {
      await copyKeepingAcl(client, bucket, key, to, {});
      await client.deleteObject(bucket, key);
      return true;
    });
    if (moved) {
      say(`Moved to ${to}.`);
      location.hash = objectHash(bucket, to);
    }
  });
  const actions = h('section', { class: 'card', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', onclick: async () => {
        // This port sends every object as an attachment, named after its key.
        const url = await attempt(() => client.presign(bucket, key, 300));
        if (url) location.assign(url);
      } }, 'Download'),
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!await confirmDialog(`Delete ${key}?`, 'This cannot be undone.')) return;
        if (await attempt(() => client.deleteObject(bucket, key))) {
          say(`Deleted ${key}.`);
          location.hash = back;
        }
      } }, 'Delete')),
    moveForm);

  const acl = await aclSection(client, bucket, key);
  acl.classList.add('wide');
  page(key, h('p', {}, h('a', { href: back }, `Back to ${bucket}/${parentPrefix(key)}`)),
    h('div', { class: 'grid' }, info, editForm, share, actions, acl));
}
