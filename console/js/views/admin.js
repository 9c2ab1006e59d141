// The root organisation's views: organisations and their keys (create,
// revoke; a new secret is shown once), and the store's health.

import { h, field, page, say, attempt, confirmDialog, formatSize, formatDate, copyText } from '../dom.js';

function secretNotice(created) {
  return h('div', { class: 'card notice', role: 'alert' },
    h('h2', {}, 'New key: copy the secret now'),
    h('p', {}, 'The secret is shown this once and never again.'),
    h('dl', {}, h('dt', {}, 'Access key ID'), h('dd', { class: 'mono' }, created.access_key_id),
      h('dt', {}, 'Secret access key'), h('dd', { class: 'mono' }, created.secret_access_key)),
    h('button', { type: 'button', onclick: () => copyText(created.secret_access_key) }, 'Copy secret'));
}

async function keysSection(client, org) {
  const path = `/-/admin/orgs/${encodeURIComponent(org.id)}/keys`;
  const list = await client.json('GET', path);
  const section = h('section', { class: 'keys', 'aria-label': `Keys of ${org.name}` });
  const revoke = (k) => h('button', { type: 'button', class: 'danger',
    'aria-label': `Revoke key ${k.access_key_id}`, onclick: async () => {
      if (!await confirmDialog(`Revoke key ${k.access_key_id}?`,
        'Requests signed with it fail from now on.', 'Revoke')) return;
      const path = `/-/admin/keys/${encodeURIComponent(k.access_key_id)}`;
      if (await attempt(() => client.json('DELETE', path))) {
        section.replaceWith(await keysSection(client, org));
        say(`Key ${k.access_key_id} revoked.`);
      }
    } }, 'Revoke');
  // Revoking the key this session signs with would lock the console out.
  const rows = list.keys.map((k) => h('li', {}, h('span', { class: 'mono' }, k.access_key_id),
    ` created ${formatDate(k.created)} `,
    k.access_key_id === client.session.accessKeyId ? '(this session\'s key)' : revoke(k)));
  section.append(h('ul', {}, rows), h('button', { type: 'button', onclick: async () => {
    const created = await attempt(() => client.json('POST', path));
    if (created) {
      const fresh = await keysSection(client, org);
      fresh.prepend(secretNotice(created));
      section.replaceWith(fresh);
    }
  } }, `New key for ${org.name}`));
  return section;
}

export async function orgsView(client) {
  const { orgs } = await client.json('GET', '/-/admin/orgs');
  const name = field('New organisation name', { required: true, spellcheck: 'false' });
  const create = h('form', { class: 'inline', 'aria-label': 'Create an organisation' }, name.row,
    h('button', { type: 'submit' }, 'Create organisation'));
  const notice = h('div');
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    const created = await attempt(() => client.json('POST', '/-/admin/orgs', { name: name.input.value.trim() }));
    if (created) {
      await orgsView(client);
      say(`Organisation ${created.name} created.`);
      document.getElementById('main').insertBefore(secretNotice(created),
        document.querySelector('#main form').nextSibling);
    }
  });
  const items = [];
  for (const org of orgs) {
    items.push(h('li', { class: 'card' },
      h('h2', {}, org.name), h('p', {}, 'ID ', h('span', { class: 'mono' }, org.id),
        ` · created ${formatDate(org.created)}`),
      await keysSection(client, org),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete organisation ${org.name}`,
        onclick: async () => {
          if (!await confirmDialog(`Delete organisation ${org.name}?`,
            'Its keys stop working. An organisation that owns buckets cannot be deleted.')) return;
          if (await attempt(() => client.json('DELETE', `/-/admin/orgs/${encodeURIComponent(org.id)}`))) {
            await orgsView(client);
            say(`Organisation ${org.name} deleted.`);
          }
        } }, 'Delete organisation')));
  }
  page('Organisations', create, notice, h('ul', { class: 'orgs' }, items));
}

export async function healthView(client) {
  const info = await client.json('GET', '/-/admin/info');
  const drives = info.drives.map((d) => h('tr', {},
    h('td', { class: 'mono' }, d.path),
    h('td', {}, d.ok ? (d.refilling ? 'refilling' : d.full ? 'full' : 'ok') : `failed: ${d.error}`),
    h('td', { class: 'num' }, formatSize(d.free_bytes)), h('td', { class: 'num' }, formatSize(d.total_bytes)),
    h('td', { class: 'num' }, String(d.read_faults + d.checksum_failures + d.write_faults)),
    h('td', { class: 'num' }, String(d.repairs))));
  const scrub = info.scrub;
  page('Store health',
    h('p', { class: `state state-${info.state}` }, `State: ${info.state}`),
    info.reasons.length ? h('ul', {}, info.reasons.map((r) => h('li', {}, r))) : null,
    h('dl', { class: 'card' },
      h('dt', {}, 'Objects'), h('dd', {}, String(info.objects)),
      h('dt', {}, 'Stored'), h('dd', {}, formatSize(info.bytes)),
      h('dt', {}, 'Under-replicated'), h('dd', {}, String(info.under_replicated)),
      h('dt', {}, 'Repairs pending'), h('dd', {}, String(info.pending_repairs)),
      h('dt', {}, 'Last scrub'), h('dd', {}, scrub.running
        ? `running: ${scrub.blobs_done} of ${scrub.blobs_total} blobs`
        : scrub.last_pass_completed ? `completed ${formatDate(scrub.last_pass_completed)}` : 'none yet')),
    h('table', {}, h('caption', {}, 'Drives'),
      h('thead', {}, h('tr', {}, ['Drive', 'State', 'Free', 'Size', 'Faults', 'Repairs']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, drives)),
    h('button', { type: 'button', onclick: () => healthView(client) }, 'Refresh'));
}
