"""boto3 (Debian's python3-boto3, default checksum behaviour) against sosd.

Usage: boto3_client.py ENDPOINT BUCKET WORKDIR
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.

Uploads WORKDIR/small.bin with put_object and WORKDIR/big.bin with
upload_file (multipart above 5 MiB), downloads both back to *.back, checks
metadata, listings with pagination, copy, delete_objects and errors.
Leaves small.bin, big.bin and copy.bin in the bucket for the caller to read
through its own client. Prints one line per step; exits non-zero on the first
mismatch.
"""

import hashlib
import sys

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MiB = 1024 * 1024


def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)
    print("ok:", what, flush=True)


def main():
    endpoint, bucket, work = sys.argv[1:4]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    print("boto3", boto3.__version__, "botocore", botocore.__version__, flush=True)

    s3.create_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(bucket in names, "list_buckets shows the new bucket")

    with open(work + "/small.bin", "rb") as f:
        small = f.read()
    put = s3.put_object(
        Bucket=bucket,
        Key="small.bin",
        Body=small,
        ContentType="application/x-sos",
        Metadata={"colour": "green"},
    )
    check(put["ETag"] == '"%s"' % hashlib.md5(small).hexdigest(), "put_object ETag is the MD5")
    got = s3.get_object(Bucket=bucket, Key="small.bin")
    check(got["Body"].read() == small, "get_object returns the bytes")
    check(got["ContentType"] == "application/x-sos", "content type kept")
    check(got["Metadata"] == {"colour": "green"}, "user metadata kept")
    part = s3.get_object(Bucket=bucket, Key="small.bin", Range="bytes=10-19")
    check(part["Body"].read() == small[10:20], "ranged get_object")
    check(part["ContentRange"] == "bytes 10-19/%d" % len(small), "Content-Range")

    # upload_file: multipart (5 MiB parts) with the SDK's default checksums.
    cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(work + "/big.bin", bucket, "big.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    with open(work + "/big.bin", "rb") as f:
        big_size = len(f.read())
    check(head["ContentLength"] == big_size, "multipart object size")
    check(head["ETag"].endswith('-%d"' % ((big_size + 5 * MiB - 1) // (5 * MiB))), "multipart ETag")
    s3.download_file(bucket, "big.bin", work + "/big.back", Config=cfg)
    with open(work + "/big.back", "rb") as f, open(work + "/big.bin", "rb") as g:
        check(f.read() == g.read(), "download_file returns the bytes (ranged parallel GETs)")
    s3.download_file(bucket, "small.bin", work + "/small.back")

    s3.copy_object(Bucket=bucket, Key="copy.bin", CopySource={"Bucket": bucket, "Key": "small.bin"})
    check(s3.get_object(Bucket=bucket, Key="copy.bin")["Body"].read() == small, "copy_object")

    for i in range(7):
        s3.put_object(Bucket=bucket, Key="list/k%02d" % i, Body=b"x" * i)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="list/", PaginationConfig={"PageSize": 3}):
        keys += [o["Key"] for o in page.get("Contents", [])]
    check(keys == ["list/k%02d" % i for i in range(7)], "paginated list_objects_v2")
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    check([p["Prefix"] for p in top.get("CommonPrefixes", [])] == ["list/"], "common prefixes")
    check(sorted(o["Key"] for o in top["Contents"]) == ["big.bin", "copy.bin", "small.bin"], "top level keys")

    deleted = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "list/k%02d" % i} for i in range(7)]}
    )
    check(len(deleted.get("Deleted", [])) == 7 and not deleted.get("Errors"), "delete_objects")
    check(s3.list_objects_v2(Bucket=bucket, Prefix="list/")["KeyCount"] == 0, "deleted keys gone")

    try:
        s3.get_object(Bucket=bucket, Key="no-such-key")
        check(False, "NoSuchKey raised")
    except s3.exceptions.NoSuchKey:
        check(True, "NoSuchKey raised")

    s3.put_object(Bucket=bucket, Key="doomed", Body=b"doomed")
    s3.delete_object(Bucket=bucket, Key="doomed")
    try:
        s3.head_object(Bucket=bucket, Key="doomed")
        check(False, "deleted object answers 404")
    except botocore.exceptions.ClientError as e:
        check(e.response["Error"]["Code"] == "404", "deleted object answers 404")
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
