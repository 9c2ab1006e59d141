// Uploads, each with a progress bar, Cancel, and Resume after a failure.
// Files up to 16 MiB go in one PUT; larger ones as a multipart upload of
// 8 MiB parts (more for files over 80 GB, to stay within 10,000 parts),
// three parts at a time, each retried twice. A failed upload keeps its
// upload ID and finished parts, so Resume sends only what is missing;
// Cancel aborts it on the server too.

import { h, say } from './dom.js';
import { objectPath } from './s3.js';

const SINGLE_PUT_MAX = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const PARALLEL_PARTS = 3;
const RETRIES = 2;

const uploads = new Set();

export function clearUploads() {
  for (const upload of uploads) upload.cancel();
  uploads.clear();
  document.getElementById('upload-list').replaceChildren();
  document.getElementById('uploads').hidden = true;
}

// Drops the rows of finished and cancelled uploads.
function clearFinished() {
  for (const row of document.querySelectorAll('#upload-list li')) {
    if (row.dataset.finished) row.remove();
  }
  if (!document.querySelector('#upload-list li')) document.getElementById('uploads').hidden = true;
}
document.getElementById('clear-uploads').addEventListener('click', clearFinished);

class Upload {
  constructor(client, bucket, key, file, onDone) {
    Object.assign(this, { client, bucket, key, file, onDone });
    this.requests = new Set();
    this.partLoaded = new Map();
    this.etags = new Map();
    this.uploadId = '';
    this.cancelled = false;
    this.progress = h('progress', { max: String(Math.max(file.size, 1)), value: '0',
      'aria-label': `Upload of ${key}` });
    this.state = h('span', { class: 'state' }, 'waiting');
    this.cancelButton = h('button', { type: 'button', onclick: () => this.cancel() }, 'Cancel');
    this.resumeButton = h('button', { type: 'button', hidden: true, onclick: () => this.run() },
      'Resume');
    this.item = h('li', { 'data-key': key }, h('span', { class: 'name' }, key), this.progress,
      this.state, this.cancelButton, this.resumeButton);
    document.getElementById('upload-list').append(this.item);
    document.getElementById('uploads').hidden = false;
  }

  show(text) {
    this.state.textContent = text;
  }

  track(loaded) {
    this.progress.value = String(loaded);
  }

  send(options) {
    return this.client.upload({ ...options, register: (xhr) => {
      this.requests.add(xhr);
      xhr.addEventListener('loadend', () => this.requests.delete(xhr));
    } });
  }

  contentType() {
    return this.file.type || 'application/octet-stream';
  }

  async run() {
    this.resumeButton.hidden = true;
    this.show('uploading');
    try {
      if (this.file.size <= SINGLE_PUT_MAX) {
        await this.send({ method: 'PUT', path: objectPath(this.bucket, this.key),
          headers: { 'content-type': this.contentType() }, body: this.file,
          onProgress: (n) => this.track(n) });
      } else {
        await this.multipart();
      }
      this.track(this.file.size);
      this.show('done');
      this.item.dataset.finished = '1';
      this.cancelButton.hidden = true;
      uploads.delete(this);
      this.onDone(this);
    } catch (error) {
      if (this.cancelled) return;
      this.show(`failed: ${error.message}`);
      this.resumeButton.hidden = false;
      say(`Upload of ${this.key} failed: ${error.message} Resume sends what is missing.`);
    }
  }

  async multipart() {
    const path = objectPath(this.bucket, this.key);
    if (!this.uploadId) {
      const created = await this.client.xml({ method: 'POST', path, query: { uploads: '' },
        headers: { 'content-type': this.contentType() } });
      this.uploadId = created.getElementsByTagName('UploadId')[0].textContent;
    }
    const partSize = Math.max(PART_SIZE, Math.ceil(this.file.size / 10000));
    const count = Math.ceil(this.file.size / partSize);
    const missing = [];
    for (let n = 1; n <= count; n++) if (!this.etags.has(n)) missing.push(n);
    const sum = () => [...this.partLoaded.values()].reduce((a, b) => a + b, 0);
    const worker = async () => {
      while (missing.length && !this.cancelled) {
        const n = missing.shift();
        const body = this.file.slice((n - 1) * partSize, Math.min(n * partSize, this.file.size));
        for (let attempt = 0; ; attempt++) {
          try {
            const { etag } = await this.send({ method: 'PUT', path, body,
              query: { partNumber: String(n), uploadId: this.uploadId },
              onProgress: (loaded) => { this.partLoaded.set(n, loaded); this.track(sum()); } });
            this.etags.set(n, etag);
            this.partLoaded.set(n, body.size);
            break;
          } catch (error) {
            this.partLoaded.set(n, 0);
            if (this.cancelled || attempt >= RETRIES) {
              missing.push(n);
              throw error;
            }
            await new Promise((ok) => setTimeout(ok, 500 * (attempt + 1)));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
    const parts = [...this.etags.entries()].sort((a, b) => a[0] - b[0])
      .map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`);
    this.show('completing');
    await this.client.request({ method: 'POST', path, query: { uploadId: this.uploadId },
      headers: { 'content-type': 'application/xml' },
      body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>` });
  }

  async cancel() {
    this.cancelled = true;
    for (const xhr of this.requests) xhr.abort();
    this.show('cancelled');
    this.item.dataset.finished = '1';
    this.cancelButton.hidden = true;
    this.resumeButton.hidden = true;
    uploads.delete(this);
    if (this.uploadId) {
      try {
        await this.client.request({ method: 'DELETE', path: objectPath(this.bucket, this.key),
          query: { uploadId: this.uploadId } });
      } catch { /* the server aborts stale uploads itself */ }
    }
  }
}

// items: [{file, path}] with paths relative to `prefix`.
export async function startUploads(client, bucket, prefix, items, onAllDone) {
  if (!items.length) return;
  say(`Uploading ${items.length} file(s)…`);
  let left = items.length;
  const done = () => {
    left -= 1;
    if (left === 0) {
      say(`Uploaded ${items.length} file(s).`);
      onAllDone();
    }
  };
  const batch = items.map(({ file, path }) => new Upload(client, bucket, prefix + path, file, done));
  for (const upload of batch) uploads.add(upload);
  // Two files at a time: enough to fill the link, few enough to show progress.
  const queue = [...batch];
  const worker = async () => {
    while (queue.length) await queue.shift().run();
  };
  await Promise.all([worker(), worker()]);
}
