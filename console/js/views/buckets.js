// The organisation's buckets: list, create, delete.

import { h, field, page, say, attempt, confirmDialog, formatDate } from '../dom.js';

export function browseHash(bucket, prefix = '') {
  return `#/b/${encodeURIComponent(bucket)}/${encodeURIComponent(prefix)}`;
}

export async function bucketsView(client) {
  const buckets = await client.listBuckets();
  const name = field('New bucket name', { required: true, pattern: '[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]',
    title: '3 to 63 characters: lower-case letters, digits, dots and hyphens',
    spellcheck: 'false' });
  const create = h('form', { class: 'inline', 'aria-label': 'Create a bucket' }, name.row,
    h('button', { type: 'submit' }, 'Create bucket'));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    const bucket = name.input.value.trim();
    if (await attempt(() => client.createBucket(bucket))) {
      await bucketsView(client);
      say(`Bucket ${bucket} created.`);
    }
  });
  const rows = buckets.map((b) => h('tr', {},
    h('td', {}, h('a', { href: browseHash(b.name) }, b.name)),
    h('td', {}, formatDate(b.created)),
    h('td', { class: 'row-actions' },
      h('a', { href: `#/settings/${encodeURIComponent(b.name)}` }, 'Access'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete bucket ${b.name}`,
        onclick: async () => {
          if (!await confirmDialog(`Delete bucket ${b.name}?`,
            'Only an empty bucket can be deleted. This cannot be undone.')) return;
          if (await attempt(() => client.deleteBucket(b.name))) {
            await bucketsView(client);
            say(`Bucket ${b.name} deleted.`);
          }
        } }, 'Delete'))));
  const table = buckets.length
    ? h('table', {}, h('caption', {}, `${buckets.length} bucket(s)`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Actions')))),
      h('tbody', {}, rows))
    : h('p', {}, 'No buckets yet.');
  page('Buckets', create, table);
}
