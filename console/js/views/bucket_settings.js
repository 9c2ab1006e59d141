// A bucket's access settings.

import { h, page } from '../dom.js';
import { aclSection } from './acl.js';
import { browseHash } from './buckets.js';

export async function bucketSettingsView(client, bucket) {
  const acl = await aclSection(client, bucket);
  page(`Access to bucket ${bucket}`,
    h('p', {}, h('a', { href: browseHash(bucket) }, `Back to ${bucket}`)), acl);
}
