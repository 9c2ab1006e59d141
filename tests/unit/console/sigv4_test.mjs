// The console's SigV4 (console/js/sigv4.js) against AWS's own signing test
// suite: canonical requests and signatures, header and query forms, for every
// vector whose request the console could send (no duplicate header or query
// names, no dot segments; S3 keys are never normalised).
//
// usage: node sigv4_test.mjs CONSOLE_JS_DIR SIGV4_TESTDATA_DIR
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [jsDir, dataDir] = process.argv.slice(2);
// The console ships plain .js modules with no package.json: import a copy as .mjs.
const scratch = mkdtempSync(join(tmpdir(), 'sos-sigv4-'));
writeFileSync(join(scratch, 'sigv4.mjs'), readFileSync(join(jsDir, 'sigv4.js')));
const sigv4 = await import(pathToFileURL(join(scratch, 'sigv4.mjs')).href);
rmSync(scratch, { recursive: true });

const VECTORS = [
  'get-vanilla', 'get-vanilla-query', 'get-vanilla-empty-query-key', 'get-vanilla-query-order-encoded',
  'get-vanilla-query-order-key-case', 'get-vanilla-query-unreserved', 'get-vanilla-utf8-query',
  'get-unreserved', 'get-utf8', 'get-space-unnormalized', 'get-header-value-trim',
  'post-vanilla', 'post-vanilla-query', 'post-header-key-case', 'post-header-key-sort',
  'post-header-value-case', 'post-x-www-form-urlencoded', 'post-x-www-form-urlencoded-parameters',
];

function parseRequest(text) {
  const [head, ...rest] = text.split('\n\n');
  const lines = head.split('\n');
  // "METHOD TARGET HTTP/1.1", where the target may hold spaces
  const method = lines[0].slice(0, lines[0].indexOf(' '));
  const target = lines[0].slice(method.length + 1, lines[0].lastIndexOf(' HTTP/'));
  const headers = {};
  for (const line of lines.slice(1).filter(Boolean)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1);
  }
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = {};
  if (q >= 0) {
    for (const pair of target.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      query[name] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    }
  }
  return { method, path: sigv4.uriEncode(decodeURIComponent(path), true), headers, query,
    body: rest.join('\n\n') };
}

let checked = 0;
const failures = [];
for (const name of VECTORS) {
  const dir = join(dataDir, name);
  if (!existsSync(dir)) { failures.push(`${name}: missing`); continue; }
  const context = JSON.parse(readFileSync(join(dir, 'context.json'), 'utf8'));
  const request = parseRequest(readFileSync(join(dir, 'request.txt'), 'utf8'));
  const date = context.timestamp.replace(/[-:]/g, '');
  const day = date.slice(0, 8);
  const credentials = {
    accessKeyId: context.credentials.access_key_id, day, region: context.region,
    service: context.service,
    signingKey: await sigv4.deriveSigningKey(context.credentials.secret_access_key, day,
      context.region, context.service),
  };
  const payloadHash = sigv4.hex(await sigv4.sha256(request.body));
  // Header form: x-amz-date joins the request's headers.
  const signed = { ...request.headers, 'x-amz-date': date };
  if (context.sign_body) signed['x-amz-content-sha256'] = payloadHash;
  const header = sigv4.canonicalRequest({ method: request.method, path: request.path,
    query: request.query, headers: signed, payloadHash });
  const expectCanonical = readFileSync(join(dir, 'header-canonical-request.txt'), 'utf8');
  if (header.canonical !== expectCanonical) {
    failures.push(`${name} header canonical request:\n${header.canonical}\n--- expected\n${expectCanonical}`);
  }
  const headerSig = await sigv4.signature(credentials, date, header.canonical);
  if (headerSig !== readFileSync(join(dir, 'header-signature.txt'), 'utf8').trim()) {
    failures.push(`${name}: header signature ${headerSig}`);
  }
  // Query form: the X-Amz-* parameters join the query.
  const query = {
    ...request.query, 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${day}/${context.region}/${context.service}/aws4_request`,
    'X-Amz-Date': date, 'X-Amz-Expires': String(context.expiration_in_seconds),
    'X-Amz-SignedHeaders': Object.keys(request.headers).sort().join(';'),
  };
  const presigned = sigv4.canonicalRequest({ method: request.method, path: request.path, query,
    headers: request.headers, payloadHash });
  const querySig = await sigv4.signature(credentials, date, presigned.canonical);
  if (querySig !== readFileSync(join(dir, 'query-signature.txt'), 'utf8').trim()) {
    failures.push(`${name}: query signature ${querySig}\n${presigned.canonical}`);
  }
  checked += 1;
}
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${checked} vectors, ${failures.length} failures`);
process.exit(failures.length || checked !== VECTORS.length ? 1 : 0);
