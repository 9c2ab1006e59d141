// Drives sosd's web console in Debian's Chromium (headless, through
// playwright-core) as a person would: log in, create a bucket, upload a file
// and a folder, make an object public-read and fetch it anonymously with
// curl, make pre-signed URLs (one single-use) and fetch them, change
// metadata, see the public-read-write warning, delete many at once, the root
// organisation's views, phone width and keyboard order, log out and find no
// secret left in the browser. Saves a screenshot of every main view.
//
// usage: node console.mjs CONSOLE S3 BUCKET WORKDIR SCREENSHOTS MANY
// (CONSOLE: the console's listener; S3: sosd's S3 port, where shared links point)
// (MANY: a bucket of 10,001 keys k00000..k10000, for paging)
// (the root key in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; never printed)
// WORKDIR holds small.txt, big.bin, resume.bin, cancel.bin and folder/
// (uploaded), and receives
// curl's downloads. Prints one line per step and DONE; exits 1 on a failure.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const [endpoint, s3, bucket, work, shots, many] = process.argv.slice(2);
const accessKey = process.env.AWS_ACCESS_KEY_ID;
const secret = process.env.AWS_SECRET_ACCESS_KEY;
const TIMEOUT = 30000;

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

// curl, anonymous: [status, body bytes]
function curl(url, extra = []) {
  const out = join(work, 'curl.out');
  const status = execFileSync('curl', ['-s', '-o', out, '-w', '%{http_code}', ...extra, url],
    { encoding: 'utf8', timeout: TIMEOUT });
  return [Number(status), readFileSync(out)];
}

// axe-core (npm) audits the page as it is: evaluated through the DevTools
// protocol, so the page's own CSP stays in force.
const axeSource = readFileSync(join(dirname(createRequire(import.meta.url)
  .resolve('axe-core')), 'axe.min.js'), 'utf8');
async function audit(page, view) {
  await page.evaluate(axeSource);
  const { violations, rules } = await page.evaluate(async () => {
    const results = await window.axe.run(document);
    return {
      rules: results.passes.length,
      violations: results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    };
  });
  check(rules > 10, `axe ran its rules on ${view} (${rules} passed)`);
  check(violations.length === 0, `accessibility of ${view}: ${violations.join('; ')}`);
  console.log(`axe: ${view}: ${rules} rules pass, no serious violation`);
}

function step(text) {
  console.log(`step: ${text}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    // A name that is not localhost, for the page as seen over plain HTTP from afar.
    '--host-resolver-rules=MAP sos-console.test 127.0.0.1'],
});
const errors = [];
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: endpoint });
  // Nothing but sosd: any other origin the page asks for is an error.
  const origins = [new URL(endpoint).origin, new URL(s3).origin];
  await context.route('**/*', (route) => (origins.some((o) => route.request().url().startsWith(o))
    ? route.continue() : (errors.push(`request outside sosd: ${route.request().url()}`), route.abort())));
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  const heading = (name) => page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  const shot = async (name) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    await audit(page, name);
  };

  step('login page, keyboard order');
  const response = await page.goto(`${endpoint}/-/console/`);
  const csp = response.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
  await heading('Log in to sos');
  check(await page.evaluate(() => document.activeElement.id) ===
    await page.getByLabel('Access key ID', { exact: true }).getAttribute('id'), 'focus starts on the access key');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.type) === 'password', 'Tab: the secret');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.textContent) === 'Log in', 'Tab: Log in');
  await shot('login');

  step('a wrong secret is refused');
  await page.getByLabel('Access key ID', { exact: true }).fill(accessKey);
  await page.getByLabel('Secret access key', { exact: true }).fill('not-the-secret');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('The access key ID or the secret is wrong.').waitFor();
  const before = errors.length;

  step('login');
  await page.getByLabel('Secret access key', { exact: true }).fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
  await heading('Buckets');
  // The failed login's 403 is the browser's console error, expected: drop it.
  errors.splice(0, errors.length, ...errors.slice(0, before).filter((e) => !e.includes('403')),
    ...errors.slice(before));
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  check(!stored.includes(secret), 'the secret is not in web storage while logged in');
  check(stored.includes('signingKey'), 'the session is in sessionStorage');

  step('create a bucket and delete it');
  await page.getByLabel('New bucket name', { exact: true }).fill(`${bucket}-gone`);
  await page.getByRole('button', { name: 'Create bucket' }).click();
  await page.getByRole('link', { name: `${bucket}-gone`, exact: true }).waitFor();
  await page.getByRole('button', { name: `Delete bucket ${bucket}-gone` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText(`Bucket ${bucket}-gone deleted.`).waitFor();
  check(await page.getByRole('link', { name: `${bucket}-gone`, exact: true }).count() === 0,
    'the deleted bucket is gone');

  step('create a bucket');
  await page.getByLabel('New bucket name', { exact: true }).fill(bucket);
  await page.getByRole('button', { name: 'Create bucket' }).click();
  await page.getByRole('link', { name: bucket, exact: true }).click();
  await heading(bucket);

  step('upload a file, a large file (multipart) and a folder');
  await page.setInputFiles('#upload-files', [join(work, 'small.txt'), join(work, 'big.bin')]);
  await page.getByRole('link', { name: 'big.bin', exact: true }).waitFor({ timeout: 120000 });
  await page.getByRole('link', { name: 'small.txt', exact: true }).waitFor();
  await page.setInputFiles('#upload-folder', join(work, 'folder'));
  await page.getByRole('link', { name: 'folder/', exact: true }).waitFor({ timeout: 60000 });
  check(await page.locator('#uploads li').count() >= 5, 'every upload has a row');
  check(await page.locator('#uploads progress').evaluateAll((bars) =>
    bars.every((b) => Number(b.value) === Number(b.max))), 'every progress bar is full');
  await shot('browse');
  await page.getByRole('link', { name: 'folder/', exact: true }).click();
  await page.getByRole('link', { name: 'a/', exact: true }).click();
  await page.getByRole('link', { name: 'one.txt', exact: true }).waitFor();
  await page.getByRole('link', { name: bucket, exact: true }).click();
  await heading(bucket);

  step('a part that keeps failing: the upload fails, Resume finishes it');
  const failing = /partNumber=2&uploadId=/;
  await page.route(failing, (route) => route.abort());
  await page.setInputFiles('#upload-files', join(work, 'resume.bin'));
  const resumeRow = page.locator('#uploads li[data-key="resume.bin"]');
  await resumeRow.getByText('failed').waitFor({ timeout: 60000 });
  await page.unroute(failing);
  await resumeRow.getByRole('button', { name: 'Resume' }).click();
  await resumeRow.getByText('done').waitFor({ timeout: 60000 });
  // The aborted part requests are the browser's console errors, expected.
  for (let i = errors.length - 1; i >= 0; i--) if (errors[i].includes('ERR_FAILED')) errors.splice(i, 1);

  step('cancel an upload in flight: aborted on the server');
  const held = [];
  const parts = /partNumber=\d+&uploadId=/;
  await page.route(parts, (route) => held.push(route));
  await page.setInputFiles('#upload-files', join(work, 'cancel.bin'));
  const cancelRow = page.locator('#uploads li[data-key="cancel.bin"]');
  await page.waitForFunction(() => document.querySelector('#uploads li[data-key="cancel.bin"] .state')
    .textContent === 'uploading');
  while (held.length === 0) await new Promise((ok) => setTimeout(ok, 50));
  const abort = page.waitForResponse((r) => r.request().method() === 'DELETE' &&
    r.url().includes('uploadId='));
  await cancelRow.getByRole('button', { name: 'Cancel' }).click();
  check((await abort).status() === 204, 'AbortMultipartUpload answered 204');
  await cancelRow.getByText('cancelled').waitFor();
  await page.unroute(parts);
  for (const route of held) await route.abort().catch(() => {});

  step('drop a file on the list');
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['dropped!'], 'dropped.txt', { type: 'text/plain' }));
    document.querySelector('.dropzone').dispatchEvent(new DragEvent('drop',
      { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.getByRole('link', { name: 'dropped.txt', exact: true }).waitFor();

  step('sort by size, search by prefix, new folder');
  await page.getByRole('button', { name: 'Size' }).click();
  await page.getByRole('button', { name: 'Size ↑' }).waitFor();
  const names = await page.locator('table.listing a.file').allTextContents();
  check(names.join() === 'dropped.txt,small.txt,resume.bin,big.bin', `sorted by size: ${names}`);
  await page.getByLabel('Search by prefix', { exact: true }).fill('sm');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('0 folder(s), 1 file(s)').waitFor();
  await page.getByLabel('Search by prefix', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 folder(s), 4 file(s)').waitFor();
  await page.getByLabel('New folder', { exact: true }).fill('made-here');
  await page.getByRole('button', { name: 'Create folder' }).click();
  await page.getByRole('link', { name: 'made-here/', exact: true }).waitFor();

  step('make small.txt public-read; fetch it anonymously with curl');
  await page.getByRole('link', { name: 'small.txt', exact: true }).click();
  await heading('small.txt');
  const publicUrl = await page.getByLabel('Public URL', { exact: true }).inputValue();
  check(publicUrl === `${s3}/${bucket}/small.txt`, `the public URL is on the S3 port: ${publicUrl}`);
  await page.getByRole('button', { name: 'Copy the Public URL' }).click();
  await page.getByText('Copied.').waitFor();
  check(await page.evaluate(() => navigator.clipboard.readText()) === publicUrl, 'copied URL');
  check(curl(publicUrl)[0] === 403, 'private before the ACL change');
  await page.getByLabel('Canned ACL', { exact: true }).selectOption('public-read');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('cell', { name: 'Everyone (anonymous)', exact: true }).waitFor();
  const small = readFileSync(join(work, 'small.txt'));
  let [status, body] = curl(publicUrl);
  check(status === 200 && body.equals(small), `public URL: HTTP ${status}, same bytes`);

  step('pre-signed URLs, plain and single-use');
  await page.getByLabel('Link expires after', { exact: true }).selectOption('900');
  await page.getByRole('button', { name: 'Make pre-signed URL' }).click();
  const presigned = await page.getByLabel('Pre-signed URL', { exact: true }).inputValue();
  check(!presigned.includes(secret), 'no secret in the URL');
  [status, body] = curl(presigned);
  check(status === 200 && body.equals(small), `pre-signed URL: HTTP ${status}`);
  await page.getByLabel('Single use', { exact: true }).check();
  await page.getByRole('button', { name: 'Make pre-signed URL' }).click();
  await page.waitForFunction((old) => document.querySelector('.link-out input').value !== old, presigned);
  const once = await page.getByLabel('Pre-signed URL', { exact: true }).inputValue();
  check(once.includes('X-Sos-Once='), 'single-use URL');
  [status, body] = curl(once);
  check(status === 200 && body.equals(small), `single-use URL, first: HTTP ${status}`);
  check(curl(once)[0] === 403, 'single-use URL, second: 403');
  await shot('object');

  step('download');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download' }).click();
  const saved = join(work, 'downloaded.txt');
  await (await download).saveAs(saved);
  check(readFileSync(saved).equals(small), 'the download has the same bytes');
  check((await download).suggestedFilename() === 'small.txt', 'the download keeps the name');

  step('change Content-Type and Cache-Control; the ACL stays');
  await page.getByLabel('Content-Type', { exact: true }).fill('text/x-sos-note');
  await page.getByLabel('Cache-Control', { exact: true }).fill('max-age=60');
  await page.getByRole('button', { name: 'Save headers' }).click();
  await page.getByText('Headers saved.').waitFor();
  const headers = execFileSync('curl', ['-s', '-D', '-', '-o', '/dev/null', publicUrl],
    { encoding: 'utf8', timeout: TIMEOUT }).toLowerCase();
  check(headers.startsWith('http/1.1 200'), 'still public after the metadata change');
  check(headers.includes('content-type: text/x-sos-note'), 'new Content-Type');
  check(headers.includes('cache-control: max-age=60'), 'new Cache-Control');

  step('rename small.txt to renamed.txt');
  await page.getByLabel('New key', { exact: true }).fill('renamed.txt');
  await page.getByRole('button', { name: 'Rename / move' }).click();
  await heading('renamed.txt');
  [status, body] = curl(`${s3}/${bucket}/renamed.txt`);
  check(status === 200 && body.equals(small), 'the renamed object keeps bytes and ACL');
  check(curl(publicUrl)[0] === 404 || curl(publicUrl)[0] === 403, 'the old key is gone');

  step('bucket access: the public-read-write warning');
  await page.goto(`${endpoint}/-/console/#/settings/${bucket}`);
  await heading(`Access to bucket ${bucket}`);
  check(await page.getByRole('alert').filter({ hasText: 'public-read-write' }).isHidden(),
    'no warning while private');
  await page.getByLabel('Canned ACL', { exact: true }).selectOption('public-read-write');
  await page.getByText('anyone on the network may add, overwrite and delete').waitFor();
  await shot('bucket-access');

  step('delete a folder and a file at once, with confirmation');
  await page.goto(`${endpoint}/-/console/#/b/${bucket}/`);
  await heading(bucket);
  await page.getByLabel('Select folder/', { exact: true }).check();
  await page.getByLabel('Select renamed.txt', { exact: true }).check();
  await page.getByRole('button', { name: 'Delete selected (2)' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Deleted 4 object(s).').waitFor();
  check(await page.getByRole('link', { name: 'folder/', exact: true }).count() === 0, 'folder gone');

  step('a page uploaded to the store cannot read the console\'s session');
  await page.goto(`${endpoint}/-/console/#/b/${bucket}/`);
  await heading(bucket);
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['<title>evil</title><script>try { document.title = "read:" + ' +
      'sessionStorage.length } catch (e) { document.title = "blocked:" + e.name }</script>'],
    'evil.html', { type: 'text/html' }));
    document.querySelector('.dropzone').dispatchEvent(new DragEvent('drop',
      { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.getByRole('link', { name: 'evil.html', exact: true }).click();
  await heading('evil.html');
  await page.getByRole('button', { name: 'Make pre-signed URL' }).click();
  const evilUrl = await page.getByLabel('Pre-signed URL', { exact: true }).inputValue();
  const evil = await context.newPage();
  await evil.goto(evilUrl);
  await evil.waitForFunction(() => document.title !== 'evil');
  const title = await evil.title();
  check(title === 'blocked:SecurityError', `the uploaded page ran sandboxed: ${title}`);
  // On the console's port it is neither served unsigned nor rendered signed.
  const refused = await evil.goto(`${endpoint}/${bucket}/evil.html`);
  check(refused.status() === 403, `no unsigned object on the console's port: ${refused.status()}`);
  await evil.close();

  step('10,001 keys: pages of 1,000, each one listing request');
  await page.goto(`${endpoint}/-/console/#/b/${many}/`);
  await heading(many);
  await page.getByText('0 folder(s), 1000 file(s) on page 1').waitFor();
  let slowest = 0;
  for (let n = 2; n <= 11; n++) {
    const start = Date.now();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`on page ${n}`).waitFor();
    slowest = Math.max(slowest, Date.now() - start);
  }
  await page.getByRole('link', { name: 'k10000', exact: true }).waitFor();
  check(await page.getByRole('button', { name: 'Next page' }).isDisabled(), 'the last page');
  console.log(`paging: slowest page of 1,000 keys took ${slowest} ms`);
  check(slowest < 3000, `a page within 3 s (${slowest} ms)`);
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText('on page 10').waitFor();
  await page.getByLabel('Search by prefix', { exact: true }).fill('k0999');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('0 folder(s), 10 file(s)').waitFor();

  step('phone width');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${endpoint}/-/console/#/b/${bucket}/`);
  await heading(bucket);
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    'no horizontal scrolling at 390 px');
  await shot('phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  step('root views: organisations and store health');
  await page.getByRole('link', { name: 'Organisations' }).click();
  await heading('Organisations');
  await page.getByLabel('New organisation name', { exact: true }).fill(`${bucket}-org`);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await page.getByText('The secret is shown this once and never again.').waitFor();
  const orgKeys = page.getByRole('region', { name: `Keys of ${bucket}-org` });
  await orgKeys.getByRole('button', { name: `New key for ${bucket}-org` }).click();
  await orgKeys.getByRole('listitem').nth(1).waitFor();
  await orgKeys.getByText('The secret is shown this once and never again.').waitFor();
  await orgKeys.getByRole('button', { name: /^Revoke key / }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByText(/^Key \S+ revoked\.$/).waitFor();
  check(await orgKeys.getByRole('listitem').count() === 1, 'one key left after revoking');
  check(await orgKeys.getByText('The secret is shown').count() === 0, 'the secret is shown once');
  const orgId = (await page.getByRole('listitem').filter({ hasText: `${bucket}-org` })
    .locator('p .mono').first().textContent()).trim();

  step('grant READ on the bucket to that organisation, then remove it');
  await page.goto(`${endpoint}/-/console/#/settings/${bucket}`);
  await heading(`Access to bucket ${bucket}`);
  await page.getByLabel('Organisation ID', { exact: true }).fill(orgId);
  await page.getByLabel('Permission', { exact: true }).selectOption('READ');
  await page.getByRole('button', { name: 'Grant', exact: true }).click();
  const granted = page.getByRole('row').filter({ hasText: orgId });
  await granted.waitFor();
  check((await granted.textContent()).includes('READ'), 'the grant is listed');
  await granted.getByRole('button', { name: /^Remove / }).click();
  await page.getByText('Grant removed.').waitFor();
  check(await page.getByRole('row').filter({ hasText: orgId }).count() === 0, 'grant removed');
  await page.goto(`${endpoint}/-/console/#/orgs`);
  await heading('Organisations');
  // secrets are shown once: not after a reload, nor on the screenshot
  await heading('Organisations');
  check(await page.getByText('The secret is shown').count() === 0, 'no secret after a reload');
  await shot('organisations');
  await page.getByRole('button', { name: `Delete organisation ${bucket}-org` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText(`Organisation ${bucket}-org deleted.`).waitFor();
  check(await page.getByRole('heading', { level: 2, name: `${bucket}-org` }).count() === 0,
    'the organisation is gone');
  check(await page.getByText('(this session\'s key)').count() === 1, 'own key cannot be revoked');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  check(await page.locator('#uploads').isHidden(), 'finished uploads cleared');
  await page.getByRole('link', { name: 'Store health' }).click();
  await heading('Store health');
  await page.getByRole('cell', { name: 'ok', exact: true }).first().waitFor();
  await shot('health');

  step('over plain HTTP from another name, login is off and says why');
  const port = new URL(endpoint).port;
  const far = await context.newPage();
  await context.route(`http://sos-console.test:${port}/**`, (route) => route.continue());
  await far.goto(`http://sos-console.test:${port}/-/console/`);
  await far.getByText('open it over HTTPS').waitFor();
  check(await far.getByRole('button', { name: 'Log in' }).isDisabled(), 'login disabled');
  await far.close();

  step('a session of an earlier UTC day is over');
  const dated = await context.newPage();
  await dated.goto(`${endpoint}/-/console/`);
  await dated.getByLabel('Access key ID', { exact: true }).fill(accessKey);
  await dated.getByLabel('Secret access key', { exact: true }).fill(secret);
  await dated.getByRole('button', { name: 'Log in' }).click();
  await dated.getByRole('heading', { level: 1, name: 'Buckets', exact: true }).waitFor();
  await dated.evaluate(() => {  // as if logged in yesterday: its signing key is for that day
    const key = 'sos.console.session';
    const session = JSON.parse(sessionStorage.getItem(key));
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10).replace(/-/g, '');
    sessionStorage.setItem(key, JSON.stringify({ ...session, day: yesterday }));
    location.hash = '#/health';
  });
  await dated.getByRole('heading', { level: 1, name: 'Log in to sos', exact: true }).waitFor();
  check(await dated.evaluate(() => sessionStorage.length) === 0, 'the stale session is dropped');
  await dated.close();

  step('log out: nothing left');
  await page.getByRole('button', { name: 'Log out' }).click();
  await heading('Log in to sos');
  const left = await page.evaluate(() => ({ session: sessionStorage.length,
    local: localStorage.length, cookie: document.cookie, html: document.documentElement.outerHTML }));
  check(left.session === 0 && left.local === 0 && left.cookie === '', 'storage empty after logout');
  check(!left.html.includes(secret), 'no secret in the page');
  check((await context.cookies()).length === 0, 'no cookies');
  await page.goto(`${endpoint}/-/console/#/buckets`);
  await heading('Log in to sos');

  check(errors.length === 0, `no console errors: ${errors.join(' | ')}`);
  console.log('DONE');
} catch (error) {
  failed = true;
  console.log(`FAILED: ${error.message}`);
  for (const e of errors) console.log(`browser: ${e}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
