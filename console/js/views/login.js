// Login: an access key ID and secret. The secret is used once to derive the
// day's signing key (session.js), checked with a ListBuckets, then dropped.

import { h, field, page, say, sayError } from '../dom.js';
import { newSession, saveSession } from '../session.js';
import { S3Client } from '../s3.js';

export async function loginView(onLoggedIn) {
  const key = field('Access key ID', { autocomplete: 'username', required: true,
    spellcheck: 'false' });
  // autocomplete off: no offer to save the secret in the browser.
  const secret = field('Secret access key', { type: 'password', autocomplete: 'off',
    required: true });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h('form', { class: 'card login', 'aria-label': 'Log in' }, key.row, secret.row,
    h('div', { class: 'actions' }, submit));
  page('Log in to sos', form);
  if (!window.isSecureContext || !crypto.subtle) {
    submit.disabled = true;
    say('The console signs requests with the browser\'s Web Crypto, which browsers give only ' +
      'to HTTPS pages and to localhost: open it over HTTPS (sosd --tls-cert/--tls-key).');
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const config = await (await fetch('config.json', { cache: 'no-store' })).json();
      const session = await newSession(key.input.value.trim(), secret.input.value, config.region);
      session.s3 = config.s3;
      secret.input.value = '';
      const client = new S3Client(session);
      await client.listBuckets();  // proves the key and secret
      if (config.admin) {
        try {
          await client.json('GET', '/-/admin/info');
          session.root = true;
        } catch {
          session.root = false;  // another organisation's key: no admin views
        }
      }
      saveSession(session);
      say(`Logged in as ${session.accessKeyId}.`);
      onLoggedIn();
    } catch (error) {
      secret.input.value = '';
      sayError(error.code === 'SignatureDoesNotMatch' || error.code === 'InvalidAccessKeyId'
        ? { message: 'The access key ID or the secret is wrong.' } : error);
      submit.disabled = false;
      secret.input.focus();
    }
  });
  key.input.focus();
}
