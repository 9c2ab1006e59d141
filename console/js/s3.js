// A small S3 and admin-API client over fetch (and XMLHttpRequest for uploads,
// whose progress fetch cannot report), path-style against this origin,
// every request signed with the session (sigv4.js).

import { sha256, hex, signHeaders, presignUrl, uriEncode, UNSIGNED } from './sigv4.js';

export class S3Error extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || `HTTP${status}`;
  }
}

export function objectPath(bucket, key = '') {
  let path = '/' + uriEncode(bucket);
  if (key) path += '/' + uriEncode(key, true);
  return path;
}

function queryString(query) {
  const parts = Object.entries(query).map(([k, v]) =>
    v === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(String(v))}`);
  return parts.length ? '?' + parts.join('&') : '';
}

// The page enforces Trusted Types (console_ops.cc): this one policy lets
// DOMParser read a response as XML data; nothing parsed is ever inserted
// into the page.
const xmlPolicy = window.trustedTypes
  ? trustedTypes.createPolicy('sos-xml', { createHTML: (text) => text })
  : { createHTML: (text) => text };

export function xmlDoc(text) {
  return new DOMParser().parseFromString(xmlPolicy.createHTML(text), 'application/xml');
}

export function xmlText(node, name) {
  const el = node.getElementsByTagName(name)[0];
  return el ? el.textContent : '';
}

async function errorFrom(response) {
  const text = await response.text();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text);
      return new S3Error(response.status, j.code, j.message);
    } catch { /* fall through */ }
  }
  const doc = text ? xmlDoc(text) : null;
  return new S3Error(response.status, doc && xmlText(doc, 'Code'),
    doc && xmlText(doc, 'Message'));
}

// XML text: a CR must travel as &#13;, or the server's parser reads it as LF
// and the request names another key than the one shown.
function xmlEscape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

export class S3Client {
  // session: sigv4.js credentials plus `s3` ({scheme, port}: where the S3 API
  // listens, for links meant for others; this page's own port serves only
  // the console and signed requests).
  constructor(session) {
    this.session = session;
    this.origin = location.origin;
    this.host = location.host;
    const s3 = session.s3 || { scheme: location.protocol.slice(0, -1), port: location.port };
    this.publicHost = `${location.hostname}:${s3.port}`;
    this.publicOrigin = `${s3.scheme}://${this.publicHost}`;
  }

  // headers: lower-case names. body: string, Uint8Array or Blob. A Blob body
  // is sent UNSIGNED-PAYLOAD; other bodies are hashed and signed.
  async signed({ method, path, query = {}, headers = {}, body }) {
    let payloadHash = UNSIGNED;
    if (body === undefined || body === null) payloadHash = hex(await sha256(''));
    else if (!(body instanceof Blob)) payloadHash = hex(await sha256(body));
    const signedHeaders = await signHeaders(this.session, { method, path, query, headers,
      payloadHash, host: this.host });
    return { url: this.origin + path + queryString(query), headers: signedHeaders };
  }

  async request(options) {
    const { url, headers } = await this.signed(options);
    const response = await fetch(url, { method: options.method, headers, body: options.body,
      cache: 'no-store', credentials: 'omit' });
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async xml(options) {
    return xmlDoc(await (await this.request(options)).text());
  }

  async json(method, path, body) {
    const options = { method, path };
    if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers = { 'content-type': 'application/json' };
    }
    const response = await this.request(options);
    return response.status === 204 ? null : response.json();
  }

  // ---- buckets
  async listBuckets() {
    const doc = await this.xml({ method: 'GET', path: '/' });
    return [...doc.getElementsByTagName('Bucket')].map((b) => ({
      name: xmlText(b, 'Name'), created: xmlText(b, 'CreationDate') }));
  }
  createBucket(bucket) { return this.request({ method: 'PUT', path: objectPath(bucket) }); }
  deleteBucket(bucket) { return this.request({ method: 'DELETE', path: objectPath(bucket) }); }

  // One page of a listing: folders (common prefixes) and objects.
  async list(bucket, { prefix = '', delimiter = '/', token = '', maxKeys = 1000 } = {}) {
    const query = { 'list-type': '2', 'max-keys': maxKeys, prefix };
    if (delimiter) query.delimiter = delimiter;
    if (token) query['continuation-token'] = token;
    const doc = await this.xml({ method: 'GET', path: objectPath(bucket), query });
    return {
      folders: [...doc.getElementsByTagName('CommonPrefixes')].map((p) => xmlText(p, 'Prefix')),
      objects: [...doc.getElementsByTagName('Contents')].map((c) => ({
        key: xmlText(c, 'Key'), size: Number(xmlText(c, 'Size')),
        modified: xmlText(c, 'LastModified'), etag: xmlText(c, 'ETag') })),
      next: xmlText(doc, 'IsTruncated') === 'true' ? xmlText(doc, 'NextContinuationToken') : '',
    };
  }

  // ---- objects
  async head(bucket, key) {
    return this.request({ method: 'HEAD', path: objectPath(bucket, key) });
  }
  putEmpty(bucket, key) {
    return this.request({ method: 'PUT', path: objectPath(bucket, key), body: '' });
  }
  deleteObject(bucket, key) {
    return this.request({ method: 'DELETE', path: objectPath(bucket, key) });
  }
  // DeleteObjects, up to 1000 keys; returns the keys that failed, with why.
  async deleteMany(bucket, keys) {
    const body = '<Delete><Quiet>true</Quiet>' +
      keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join('') + '</Delete>';
    const digest = await sha256(body);
    const doc = await this.xml({ method: 'POST', path: objectPath(bucket), query: { delete: '' },
      headers: { 'x-amz-checksum-sha256': btoa(String.fromCharCode(...digest)) }, body });
    return [...doc.getElementsByTagName('Error')].map((e) => ({
      key: xmlText(e, 'Key'), message: xmlText(e, 'Message') }));
  }
  copy(bucket, key, source, headers = {}) {
    return this.request({ method: 'PUT', path: objectPath(bucket, key),
      headers: { ...headers, 'x-amz-copy-source': objectPath(source.bucket, source.key) } });
  }

  // ---- ACLs (key "" for the bucket's)
  aclPath(bucket, key) { return objectPath(bucket, key); }
  async getAcl(bucket, key = '') {
    const doc = await this.xml({ method: 'GET', path: objectPath(bucket, key), query: { acl: '' } });
    const grants = [...doc.getElementsByTagName('Grant')].map((g) => {
      const grantee = g.getElementsByTagName('Grantee')[0];
      return { id: xmlText(grantee, 'ID'), uri: xmlText(grantee, 'URI'),
        name: xmlText(grantee, 'DisplayName'), permission: xmlText(g, 'Permission') };
    });
    const owner = doc.getElementsByTagName('Owner')[0];
    return { ownerId: owner ? xmlText(owner, 'ID') : '', grants };
  }
  putCannedAcl(bucket, key, canned) {
    return this.request({ method: 'PUT', path: objectPath(bucket, key), query: { acl: '' },
      headers: { 'x-amz-acl': canned } });
  }
  putAcl(bucket, key, acl) {
    const esc = xmlEscape;
    const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    const grants = acl.grants.map((g) => {
      const grantee = g.uri
        ? `<Grantee ${xsi} xsi:type="Group"><URI>${esc(g.uri)}</URI></Grantee>`
        : `<Grantee ${xsi} xsi:type="CanonicalUser"><ID>${esc(g.id)}</ID></Grantee>`;
      return `<Grant>${grantee}<Permission>${g.permission}</Permission></Grant>`;
    }).join('');
    const body = '<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Owner><ID>${esc(acl.ownerId)}</ID></Owner><AccessControlList>${grants}` +
      '</AccessControlList></AccessControlPolicy>';
    return this.request({ method: 'PUT', path: objectPath(bucket, key), query: { acl: '' },
      headers: { 'content-type': 'application/xml' }, body });
  }

  // A pre-signed GET. For others (share links): on the S3 port, where the
  // object renders as S3 serves it; else on this port, where it downloads.
  presign(bucket, key, expires, query = {}, forOthers = false) {
    return presignUrl(this.session, { origin: forOthers ? this.publicOrigin : this.origin,
      host: forOthers ? this.publicHost : this.host, path: objectPath(bucket, key), query,
      expires });
  }

  publicUrl(bucket, key) {
    return this.publicOrigin + objectPath(bucket, key);
  }

  // ---- uploads: an XMLHttpRequest, for progress and abort
  async upload({ method, path, query = {}, headers = {}, body, onProgress, register }) {
    const signed = await this.signed({ method, path, query, headers, body });
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, signed.url);
      for (const [name, value] of Object.entries(signed.headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve({ etag: xhr.getResponseHeader('ETag'), text: xhr.responseText });
        } else {
          const doc = xmlDoc(xhr.responseText || '<x/>');
          reject(new S3Error(xhr.status, xmlText(doc, 'Code'), xmlText(doc, 'Message')));
        }
      };
      xhr.onerror = () => reject(new S3Error(0, 'NetworkError', 'The connection failed.'));
      xhr.onabort = () => reject(new S3Error(0, 'Cancelled', 'Cancelled.'));
      if (register) register(xhr);
      xhr.send(body);
    });
  }
}
