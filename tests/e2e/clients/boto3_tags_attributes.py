"""Object tagging and attributes with boto3 against sosd: the x-amz-tagging
header on put_object, create_multipart_upload and copy_object,
Get/Put/DeleteObjectTagging, the tag count on GET, S3's limits, and
get_object_attributes.

Usage: boto3_tags_attributes.py ENDPOINT BUCKET
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints one
line per step; exits non-zero on the first mismatch.
"""

import sys

import boto3
import botocore
from botocore.config import Config

from boto3_checks import check, client, error_code


def tags(s3, bucket, key):
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def part_etag_of_mp(s3, bucket):
    return s3.head_object(Bucket=bucket, Key="mp")["ETag"].strip('"')


def main():
    endpoint, bucket = sys.argv[1:3]
    s3 = client(endpoint)
    s3.create_bucket(Bucket=bucket)

    s3.put_object(Bucket=bucket, Key="a", Body=b"alpha", Tagging="project=sos&note=a+b%26c")
    check(tags(s3, bucket, "a") == {"project": "sos", "note": "a b&c"}, "tags from x-amz-tagging")
    check(s3.get_object(Bucket=bucket, Key="a")["TagCount"] == 2, "GET carries the tag count")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    check(tags(s3, bucket, "plain") == {}, "an untagged object has an empty TagSet")
    check("TagCount" not in s3.get_object(Bucket=bucket, Key="plain"), "no count without tags")

    new = {"k%d" % i: "v%d" % i for i in range(10)}
    s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [
        {"Key": k, "Value": v} for k, v in new.items()]})
    check(tags(s3, bucket, "a") == new, "put_object_tagging replaces the set (10 tags)")
    check(s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"alpha", "bytes unchanged")

    eleven = [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]
    check(error_code(lambda: s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": eleven}))
          == ("BadRequest", 400), "11 tags are refused")
    for bad in ([{"Key": "aws:x", "Value": "v"}], [{"Key": "k" * 129, "Value": "v"}],
                [{"Key": "k", "Value": "v" * 257}]):
        check(error_code(lambda: s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": bad}))
              == ("InvalidTag", 400), "InvalidTag for %s" % bad[0]["Key"][:8])
    check(error_code(lambda: s3.put_object(Bucket=bucket, Key="b", Body=b"", Tagging="aws:x=1"))
          == ("InvalidTag", 400), "InvalidTag on put_object")
    check(tags(s3, bucket, "a") == new, "refused changes leave the tags")
    check(error_code(lambda: s3.get_object_tagging(Bucket=bucket, Key="nope"))
          == ("NoSuchKey", 404), "tags of a missing key: NoSuchKey")

    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "a"})
    check(tags(s3, bucket, "copy") == new, "copy_object copies the tags")
    s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "a"},
                   TaggingDirective="REPLACE", Tagging="fresh=1")
    check(tags(s3, bucket, "copy2") == {"fresh": "1"}, "TaggingDirective REPLACE")

    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="mp=yes")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    check(tags(s3, bucket, "mp") == {"mp": "yes"}, "multipart upload tags")

    attrs = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=[
        "ETag", "ObjectSize", "StorageClass", "ObjectParts"])
    check(attrs["ETag"] == part_etag_of_mp(s3, bucket) and attrs["ObjectSize"] == 1
          and attrs["StorageClass"] == "STANDARD" and attrs["ObjectParts"]["TotalPartsCount"] == 1,
          "get_object_attributes of a multipart object")
    attrs = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=["ObjectSize"])
    check(attrs["ObjectSize"] == 1 and "ETag" not in attrs and "LastModified" in attrs,
          "only the attributes asked for")
    check(error_code(lambda: s3.get_object_attributes(Bucket=bucket, Key="nope",
                                                      ObjectAttributes=["ETag"]))
          == ("NoSuchKey", 404), "attributes of a missing key: NoSuchKey")

    # A public-read object's bytes are anyone's; its tags are not (READ_ACP).
    s3.put_object_acl(Bucket=bucket, Key="a", ACL="public-read")
    anonymous = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(
        signature_version=botocore.UNSIGNED, s3={"addressing_style": "path"},
        retries={"max_attempts": 1}))
    got = anonymous.get_object(Bucket=bucket, Key="a")
    check(got["Body"].read() == b"alpha" and "TagCount" not in got,
          "anonymous GET of a public-read object, without the tag count")
    check(error_code(lambda: anonymous.get_object_tagging(Bucket=bucket, Key="a"))
          == ("AccessDenied", 403), "anonymous get_object_tagging is denied")
    check(error_code(lambda: anonymous.delete_object_tagging(Bucket=bucket, Key="a"))
          == ("AccessDenied", 403), "anonymous delete_object_tagging is denied")

    s3.delete_object_tagging(Bucket=bucket, Key="a")
    check(tags(s3, bucket, "a") == {}, "delete_object_tagging")
    s3.put_object(Bucket=bucket, Key="copy", Body=b"new")
    check(tags(s3, bucket, "copy") == {}, "an overwrite without tags has none")

    for key in ("a", "plain", "copy", "copy2", "mp"):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
