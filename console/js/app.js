// The console's shell: login state, the navigation, and a hash router that
// maps #/... to a view. Every view gets an S3Client signed with the session.

import { currentSession, endSession } from './session.js';
import { S3Client } from './s3.js';
import { SessionExpired } from './sigv4.js';
import { say, sayError } from './dom.js';
import { clearUploads } from './uploads.js';
import { loginView } from './views/login.js';
import { bucketsView } from './views/buckets.js';
import { browseView } from './views/browse.js';
import { objectView } from './views/object.js';
import { bucketSettingsView } from './views/bucket_settings.js';
import { orgsView, healthView } from './views/admin.js';

const routes = [
  [/^#\/buckets$/, (c) => bucketsView(c)],
  [/^#\/b\/([^/]+)\/?(.*)$/, (c, b, p) => browseView(c, b, p)],
  [/^#\/o\/([^/]+)\/(.+)$/, (c, b, k) => objectView(c, b, k)],
  [/^#\/settings\/([^/]+)$/, (c, b) => bucketSettingsView(c, b)],
  [/^#\/orgs$/, (c) => orgsView(c)],
  [/^#\/health$/, (c) => healthView(c)],
];

function showChrome(session) {
  document.getElementById('nav').hidden = !session;
  document.getElementById('who').hidden = !session;
  document.getElementById('who-key').textContent = session ? `Key ${session.accessKeyId}` : '';
  for (const link of document.querySelectorAll('[data-root]')) {
    link.hidden = !(session && session.root);
  }
}

async function render() {
  const session = currentSession();
  showChrome(session);
  if (!session) {
    loginView(() => { location.hash = '#/buckets'; render(); });
    return;
  }
  const hash = location.hash || '#/buckets';
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    const args = match.slice(1).map((part) => decodeURIComponent(part));
    try {
      await view(new S3Client(session), ...args);
    } catch (error) {
      if (error instanceof SessionExpired) {
        endSession();
        render();
      }
      sayError(error);
    }
    return;
  }
  location.hash = '#/buckets';
}

function logout() {
  endSession();
  clearUploads();
  location.hash = '';
  render();
  say('Logged out.');
}

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof SessionExpired) logout();
});
document.getElementById('logout').addEventListener('click', logout);
render();
