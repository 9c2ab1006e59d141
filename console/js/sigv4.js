// AWS Signature Version 4 in the browser, with Web Crypto (which browsers
// offer only to secure contexts: HTTPS, or http://localhost).
//
// The session never keeps the secret: login derives the day's signing key
// (HMAC chain over date, region, "s3", "aws4_request") and forgets the
// secret. The console signs with it on that UTC day only; but as with any
// SigV4 key, whoever copies it can also pre-sign URLs dated that day and
// valid up to 7 days: only revoking the access key ends that.

const encoder = new TextEncoder();

export const UNSIGNED = 'UNSIGNED-PAYLOAD';

export function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function bytes(data) {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes(data)));
}

async function hmac(key, message) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false,
    ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes(message)));
}

// RFC 3986 escaping as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~
// (and '/' in paths).
export function uriEncode(text, keepSlash = false) {
  const escaped = encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? escaped.replace(/%2F/g, '/') : escaped;
}

export function amzDate(now = new Date()) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export async function deriveSigningKey(secret, day, region, service = 's3') {
  let key = await hmac(encoder.encode('AWS4' + secret), day);
  key = await hmac(key, region);
  key = await hmac(key, service);
  return hex(await hmac(key, 'aws4_request'));
}

function canonicalQuery(query) {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(String(v))])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

// The canonical request. `path` is already URI-encoded; header names are
// lower case; values are trimmed and inner runs of spaces folded.
export function canonicalRequest({ method, path, query = {}, headers = {}, payloadHash }) {
  const names = Object.keys(headers).sort();
  const canonical = [method, path, canonicalQuery(query),
    names.map((n) => `${n}:${String(headers[n]).trim().replace(/ +/g, ' ')}\n`).join(''),
    names.join(';'), payloadHash].join('\n');
  return { canonical, signedHeaders: names.join(';') };
}

// credentials: {accessKeyId, signingKey (hex), day (YYYYMMDD), region,
// service (default "s3")}
function scope(credentials) {
  return `${credentials.day}/${credentials.region}/${credentials.service || 's3'}/aws4_request`;
}

export async function signature(credentials, date, canonical) {
  const toSign = ['AWS4-HMAC-SHA256', date, scope(credentials),
    hex(await sha256(canonical))].join('\n');
  return hex(await hmac(fromHex(credentials.signingKey), toSign));
}

export class SessionExpired extends Error {}

function checkDay(credentials, date) {
  if (date.slice(0, 8) !== credentials.day) {
    throw new SessionExpired('The session ended at midnight UTC: log in again.');
  }
}

// Signs a request; returns the headers to send (without Host, which the
// browser sets to `host`, signed here). `headers` keys must be lower case.
export async function signHeaders(credentials, { method, path, query = {}, headers = {},
  payloadHash, host }) {
  const date = amzDate();
  checkDay(credentials, date);
  const all = { ...headers, host, 'x-amz-date': date, 'x-amz-content-sha256': payloadHash };
  const { canonical, signedHeaders } = canonicalRequest({ method, path, query, headers: all,
    payloadHash });
  const sig = await signature(credentials, date, canonical);
  delete all.host;
  all.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope(credentials)}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${sig}`;
  return all;
}

// A pre-signed URL (query authentication) for GET of `path`.
export async function presignUrl(credentials, { origin, host, path, query = {}, expires }) {
  const date = amzDate();
  checkDay(credentials, date);
  const q = {
    ...query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope(credentials)}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(expires),
    'X-Amz-SignedHeaders': 'host',
  };
  const { canonical } = canonicalRequest({ method: 'GET', path, query: q, headers: { host },
    payloadHash: UNSIGNED });
  q['X-Amz-Signature'] = await signature(credentials, date, canonical);
  return `${origin}${path}?${canonicalQuery(q)}`;
}
