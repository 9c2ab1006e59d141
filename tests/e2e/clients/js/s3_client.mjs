// The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, pinned in package.json)
// against sosd, with the SDK's defaults: flexible checksums (CRC32), sent as
// a header for a Buffer and as an aws-chunked trailer for a stream.
//
// Usage: node s3_client.mjs ENDPOINT BUCKET WORKDIR
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Uploads
// WORKDIR/small.bin (Buffer), WORKDIR/stream.bin (file stream) and
// WORKDIR/big.bin (multipart through @aws-sdk/lib-storage), reads each back
// and compares bytes; leaves them in the bucket for the caller to compare
// too. Prints one line per step; exits non-zero on the first mismatch.
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const [endpoint, bucket, work] = process.argv.slice(2);
const s3 = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1 });

// The headers of each request as sent, to prove which checksum form was used.
const sent = [];
s3.middlewareStack.add(
  (next) => async (args) => {
    sent.push({ ...args.request.headers });
    return next(args);
  },
  { step: "finalizeRequest", priority: "low", name: "recordHeaders" },
);
const lastSent = () => sent[sent.length - 1];

function check(cond, what) {
  if (!cond) {
    console.log("FAIL:", what);
    process.exit(1);
  }
  console.log("ok:", what);
}

async function getBytes(key, range) {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(await out.Body.transformToByteArray());
}

const md5 = (b) => createHash("md5").update(b).digest("hex");

await s3.send(new CreateBucketCommand({ Bucket: bucket }));

// A Buffer: the checksum travels as an x-amz-checksum-crc32 header.
const small = readFileSync(`${work}/small.bin`);
const put = await s3.send(
  new PutObjectCommand({ Bucket: bucket, Key: "small.bin", Body: small, Metadata: { colour: "red" } }),
);
check(put.ETag === `"${md5(small)}"`, "PutObject(Buffer) ETag is the MD5");
check(typeof put.ChecksumCRC32 === "string", "PutObject(Buffer) answers the CRC32 checksum");
check(Object.keys(lastSent()).some((h) => /^x-amz-checksum-/i.test(h)), "PutObject(Buffer) sent a checksum");
check((await getBytes("small.bin")).equals(small), "GetObject returns the Buffer's bytes");
check((await getBytes("small.bin", "bytes=5-9")).equals(small.subarray(5, 10)), "ranged GetObject");
const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "small.bin" }));
check(head.Metadata.colour === "red" && head.ContentLength === small.length, "HeadObject");

// A stream of known length: aws-chunked with the checksum in a trailer.
const streamPath = `${work}/stream.bin`;
const streamed = await s3.send(
  new PutObjectCommand({
    Bucket: bucket,
    Key: "stream.bin",
    Body: createReadStream(streamPath),
    ContentLength: statSync(streamPath).size,
  }),
);
const streamHeaders = Object.fromEntries(Object.entries(lastSent()).map(([k, v]) => [k.toLowerCase(), v]));
check(
  streamHeaders["content-encoding"] === "aws-chunked" && /^x-amz-checksum-/.test(streamHeaders["x-amz-trailer"] ?? ""),
  `PutObject(stream) sent aws-chunked with a trailer (${streamHeaders["x-amz-content-sha256"]}, trailer ${streamHeaders["x-amz-trailer"]})`,
);
const streamBytes = readFileSync(streamPath);
check(streamed.ETag === `"${md5(streamBytes)}"`, "PutObject(stream) ETag is the MD5");
check((await getBytes("stream.bin")).equals(streamBytes), "GetObject returns the stream's bytes");

// Multipart through lib-storage: 5 MiB parts, each with its checksum.
const bigPath = `${work}/big.bin`;
const upload = new Upload({
  client: s3,
  params: { Bucket: bucket, Key: "big.bin", Body: createReadStream(bigPath) },
  partSize: 5 * 1024 * 1024,
  queueSize: 3,
});
await upload.done();
const big = readFileSync(bigPath);
const bigHead = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
check(bigHead.ContentLength === big.length, "multipart object size");
check(/-\d+"$/.test(bigHead.ETag), `multipart ETag ${bigHead.ETag}`);
check((await getBytes("big.bin")).equals(big), "GetObject returns the multipart bytes");

const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
check(
  JSON.stringify(list.Contents.map((o) => o.Key)) === JSON.stringify(["big.bin", "small.bin", "stream.bin"]),
  "ListObjectsV2",
);

for (const k of ["tmp1", "tmp2"]) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: "temporary" }));
}
// DeleteObjects requires a checksum of its body; the SDK sends CRC32 by default.
const del = await s3.send(
  new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "tmp1" }, { Key: "tmp2" }] } }),
);
check((del.Deleted ?? []).length === 2 && !(del.Errors ?? []).length, "DeleteObjects");
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "tmp3", Body: "x" }));
await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "tmp3" }));
try {
  await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "tmp3" }));
  check(false, "deleted object is gone");
} catch (e) {
  check(e.$metadata?.httpStatusCode === 404, "deleted object is gone");
}
console.log("DONE");
