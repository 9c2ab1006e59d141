// The ACL editor of a bucket (key "") or an object: the grants, a canned
// ACL, and grants to other organisations by canonical ID. Warns while
// anyone may write.

import { h, field, say, attempt } from '../dom.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const PERMISSIONS = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'];

function granteeName(grant, ownerId) {
  if (grant.uri === ALL_USERS) return 'Everyone (anonymous)';
  if (grant.uri === AUTH_USERS) return 'Any authenticated organisation';
  if (grant.uri) return grant.uri;
  const who = grant.name ? `${grant.name} (${grant.id})` : grant.id;
  return grant.id === ownerId ? `${who}, the owner` : who;
}

export async function aclSection(client, bucket, key = '') {
  const section = h('section', { class: 'card', 'aria-labelledby': 'acl-title' });
  const render = async () => {
    const acl = await attempt(() => client.getAcl(bucket, key));
    if (!acl) return;
    const publicWrite = acl.grants.some((g) => g.uri === ALL_USERS &&
      (g.permission === 'WRITE' || g.permission === 'FULL_CONTROL'));
    const publicRead = acl.grants.some((g) => g.uri === ALL_USERS && g.permission === 'READ');
    const save = async (grants, message) => {
      if (await attempt(() => client.putAcl(bucket, key, { ownerId: acl.ownerId, grants }))) {
        await render();
        say(message);
      }
    };
    const canned = field('Canned ACL', { tag: 'select', value: publicWrite ? 'public-read-write'
      : publicRead ? 'public-read' : 'private', options: [['private', 'private'],
      ['public-read', 'public-read'], ['public-read-write', 'public-read-write'],
      ['authenticated-read', 'authenticated-read']] });
    const warning = h('p', { class: 'warning', role: 'alert', hidden: !publicWrite },
      key ? 'Anyone may overwrite this object.'
        : 'public-read-write: anyone on the network may add, overwrite and delete objects here.');
    canned.input.addEventListener('change', () => {
      warning.hidden = !(publicWrite || canned.input.value === 'public-read-write');
    });
    const cannedForm = h('form', { class: 'inline', 'aria-label': 'Set a canned ACL' }, canned.row,
      h('button', { type: 'submit' }, 'Apply'));
    cannedForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (await attempt(() => client.putCannedAcl(bucket, key, canned.input.value))) {
        await render();
        say(`ACL set to ${canned.input.value}.`);
      }
    });
    const org = field('Organisation ID', { spellcheck: 'false', required: true,
      pattern: '[0-9a-f]{64}', title: 'the organisation\'s 64-character canonical ID' });
    const permission = field('Permission', { tag: 'select', value: 'READ',
      options: PERMISSIONS.map((p) => [p, p]) });
    const grantForm = h('form', { class: 'inline', 'aria-label': 'Grant to an organisation' },
      org.row, permission.row, h('button', { type: 'submit' }, 'Grant'));
    grantForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      await save([...acl.grants, { id: org.input.value.trim(), permission: permission.input.value }],
        `Granted ${permission.input.value}.`);
    });
    const rows = acl.grants.map((g, i) => h('tr', {},
      h('td', {}, granteeName(g, acl.ownerId)), h('td', {}, g.permission),
      h('td', {}, g.id === acl.ownerId && g.permission === 'FULL_CONTROL' ? '' :
        h('button', { type: 'button', 'aria-label': `Remove ${g.permission} of ${granteeName(g, acl.ownerId)}`,
          onclick: () => save(acl.grants.filter((_, j) => j !== i), 'Grant removed.') }, 'Remove'))));
    section.replaceChildren(h('h2', { id: 'acl-title' }, 'Access'), warning,
      h('table', {}, h('caption', {}, 'Grants'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Grantee'),
          h('th', { scope: 'col' }, 'Permission'), h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Actions')))),
        h('tbody', {}, rows)),
      cannedForm, grantForm);
  };
  await render();
  return section;
}
