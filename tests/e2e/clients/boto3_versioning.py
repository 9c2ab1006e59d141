"""S3 versioning with boto3 against sosd: put/get_bucket_versioning, version
ids on put, copy, multipart completion and delete, get/head/delete of a
version, delete markers (and undeleting by removing one), copy of an old
version, list_object_versions page by page, delete_objects with versions,
the null version of a suspended bucket, and a bucket emptied through its
versions.

Usage: boto3_versioning.py ENDPOINT BUCKET
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints one
line per step; exits non-zero on the first mismatch.
"""

import sys

from boto3_checks import check, client, error_code, error_headers


def body(s3, bucket, key, version=None):
    args = {"Bucket": bucket, "Key": key}
    if version:
        args["VersionId"] = version
    return s3.get_object(**args)["Body"].read()


def all_versions(s3, bucket, page_size):
    """(key, version id, is marker, is latest) of every version, paging."""
    out, args = [], {"Bucket": bucket, "MaxKeys": page_size}
    for _ in range(1000):
        page = s3.list_object_versions(**args)
        entries = [(v["Key"], v["VersionId"], False, v["IsLatest"], v["LastModified"])
                   for v in page.get("Versions", [])]
        entries += [(m["Key"], m["VersionId"], True, m["IsLatest"], m["LastModified"])
                    for m in page.get("DeleteMarkers", [])]
        # boto3 splits the two kinds; S3 orders by key, then newest first.
        entries.sort(key=lambda e: (e[0], -e[4].timestamp()))
        out += [e[:4] for e in entries]
        if not page["IsTruncated"]:
            return out
        args["KeyMarker"] = page["NextKeyMarker"]
        args["VersionIdMarker"] = page["NextVersionIdMarker"]
    raise RuntimeError("too many pages")


def main():
    endpoint, bucket = sys.argv[1:3]
    s3 = client(endpoint)
    s3.create_bucket(Bucket=bucket)
    check("Status" not in s3.get_bucket_versioning(Bucket=bucket), "a new bucket is unversioned")
    plain = s3.put_object(Bucket=bucket, Key="k", Body=b"plain")
    check("VersionId" not in plain, "no version id before versioning")

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    check(s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", "versioning enabled")
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    check(len({v1, v2, "null"}) == 3, "each put gets its own version id")
    check(body(s3, bucket, "k") == b"two", "GET reads the newest")
    check(body(s3, bucket, "k", v1) == b"one", "GET ?versionId reads an old one")
    check(body(s3, bucket, "k", "null") == b"plain", "the object from before is the null version")
    check(s3.head_object(Bucket=bucket, Key="k")["VersionId"] == v2, "HEAD names the version")
    check(s3.head_object(Bucket=bucket, Key="k", VersionId=v1)["ContentLength"] == 3,
          "HEAD ?versionId")

    deleted = s3.delete_object(Bucket=bucket, Key="k")
    check(deleted.get("DeleteMarker") is True and deleted["VersionId"] not in (v1, v2),
          "a delete makes a delete marker")
    marker = deleted["VersionId"]
    check(error_code(lambda: s3.get_object(Bucket=bucket, Key="k")) == ("NoSuchKey", 404),
          "the key reads as deleted")
    for call in (s3.get_object, s3.head_object):
        headers = error_headers(lambda: call(Bucket=bucket, Key="k"))
        check(headers.get("x-amz-delete-marker") == "true"
              and headers.get("x-amz-version-id") == marker,
              call.__name__ + " of the deleted key names its delete marker")
    check(error_code(lambda: s3.get_object(Bucket=bucket, Key="k", VersionId=marker))
          == ("MethodNotAllowed", 405), "GET of the marker itself: 405")
    check(body(s3, bucket, "k", v2) == b"two", "the versions are still there")
    check(s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0, "listings skip deleted keys")
    undeleted = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    check(undeleted.get("DeleteMarker") is True and undeleted["VersionId"] == marker,
          "deleting the marker")
    check(body(s3, bucket, "k") == b"two", "undeletes the key")

    copied = s3.copy_object(Bucket=bucket, Key="k",
                            CopySource={"Bucket": bucket, "Key": "k", "VersionId": v1})
    check(copied["CopySourceVersionId"] == v1 and body(s3, bucket, "k") == b"one",
          "copy of an old version becomes the newest")
    v3 = copied["VersionId"]

    mp = s3.create_multipart_upload(Bucket=bucket, Key="big")
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=mp["UploadId"], PartNumber=1,
                          Body=b"m" * 1000)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=mp["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    check(len(done.get("VersionId", "")) == 32, "multipart completion names its version")

    s3.delete_object(Bucket=bucket, Key="big")
    listed = all_versions(s3, bucket, 1000)
    check([(k, v) for k, v, _, _ in listed if k == "k"] ==
          [("k", v3), ("k", v2), ("k", v1), ("k", "null")], "versions of k, newest first")
    check([m for _, _, m, latest in listed if latest] == [True, False],
          "latest: big's marker and k's copy")
    for size in (1, 2, 3):
        check(all_versions(s3, bucket, size) == listed, "pages of %d give the same list" % size)

    check(error_code(lambda: s3.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409),
          "versions keep a bucket from being deleted")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    check(s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended", "suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"suspended")
    check(body(s3, bucket, "k", "null") == b"suspended", "a suspended put replaces the null version")
    check(body(s3, bucket, "k", v2) == b"two", "and keeps the others")

    everything = all_versions(s3, bucket, 1000)
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": k, "VersionId": v} for k, v, _, _ in everything]})
    check(len(result.get("Deleted", [])) == len(everything) and not result.get("Errors"),
          "delete_objects of every version")
    check(any(d.get("DeleteMarker") for d in result["Deleted"]), "markers reported as such")
    check(all_versions(s3, bucket, 1000) == [], "nothing left")
    s3.delete_bucket(Bucket=bucket)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
