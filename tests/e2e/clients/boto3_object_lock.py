"""S3 Object Lock with boto3 against sosd: a bucket created with object lock
(versioning comes with it and stays on), retention by headers and by the
bucket's default, the integrity check S3 asks of locked uploads, every way
of deleting a locked version refused (DeleteObject, DeleteObjects, with and
without the governance bypass), retention that only grows, legal holds, and
the bucket emptied once the locks are over.

Usage: boto3_object_lock.py ENDPOINT BUCKET
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints one
line per step; exits non-zero on the first mismatch.
"""

import base64
import datetime
import hashlib
import sys
import time

from boto3_checks import check, client, error_code

BODY = b"backup chunk"
MD5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()


def later(seconds):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def main():
    endpoint, bucket = sys.argv[1:3]
    s3 = client(endpoint)
    plain = bucket + "-plain"
    s3.create_bucket(Bucket=plain)
    check(error_code(lambda: s3.get_object_lock_configuration(Bucket=plain))
          == ("ObjectLockConfigurationNotFoundError", 404), "no lock on a plain bucket")
    check(error_code(lambda: s3.put_object(Bucket=plain, Key="x", Body=BODY, ContentMD5=MD5,
                                           ObjectLockMode="GOVERNANCE",
                                           ObjectLockRetainUntilDate=later(60)))
          == ("InvalidRequest", 400), "lock headers on a plain bucket are refused")
    s3.delete_bucket(Bucket=plain)

    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    check(s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled",
          "object lock comes with versioning")
    check(s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
          ["ObjectLockEnabled"] == "Enabled", "the lock configuration")
    check(error_code(lambda: s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}))
        == ("InvalidBucketState", 409), "versioning cannot be suspended")

    def put(key, **lock):
        return s3.put_object(Bucket=bucket, Key=key, Body=BODY, ContentMD5=MD5, **lock)["VersionId"]

    governed = put("g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=later(86400))
    head = s3.head_object(Bucket=bucket, Key="g", VersionId=governed)
    check(head["ObjectLockMode"] == "GOVERNANCE" and "ObjectLockLegalHoldStatus" not in head,
          "HEAD shows the lock (and no legal hold)")
    check(s3.get_object_retention(Bucket=bucket, Key="g", VersionId=governed)
          ["Retention"]["Mode"] == "GOVERNANCE", "get_object_retention")
    check(error_code(lambda: s3.delete_object(Bucket=bucket, Key="g", VersionId=governed))
          == ("AccessDenied", 403), "GOVERNANCE: delete_object of the version refused")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "g", "VersionId": governed}]})
    check([e["Code"] for e in result.get("Errors", [])] == ["AccessDenied"],
          "GOVERNANCE: delete_objects of the version refused")
    check(error_code(lambda: s3.put_object_retention(
        Bucket=bucket, Key="g", VersionId=governed,
        Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later(60)}))
        == ("AccessDenied", 403), "GOVERNANCE: shortening refused without the bypass")
    put("g")  # an overwrite is a new version; the locked one stays
    s3.delete_object(Bucket=bucket, Key="g")  # a delete marker; the locked one stays
    check(s3.get_object(Bucket=bucket, Key="g", VersionId=governed)["Body"].read() == BODY,
          "the locked version is still there")
    s3.delete_object(Bucket=bucket, Key="g", VersionId=governed, BypassGovernanceRetention=True)
    check(error_code(lambda: s3.head_object(Bucket=bucket, Key="g", VersionId=governed))
          == ("404", 404), "GOVERNANCE yields to the bypass")

    compliant = put("c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=later(6))
    check(error_code(lambda: s3.delete_object(Bucket=bucket, Key="c", VersionId=compliant,
                                              BypassGovernanceRetention=True))
          == ("AccessDenied", 403), "COMPLIANCE: not even with the bypass")
    check(error_code(lambda: s3.put_object_retention(
        Bucket=bucket, Key="c", VersionId=compliant, BypassGovernanceRetention=True,
        Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later(60)}))
        == ("AccessDenied", 403), "COMPLIANCE: never weakened")
    s3.put_object_retention(Bucket=bucket, Key="c", VersionId=compliant,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later(8)})
    check(True, "COMPLIANCE: extended")

    held = put("h", ObjectLockLegalHoldStatus="ON")
    check(s3.get_object_legal_hold(Bucket=bucket, Key="h", VersionId=held)
          ["LegalHold"]["Status"] == "ON", "legal hold on")
    check(s3.head_object(Bucket=bucket, Key="h", VersionId=held)["ObjectLockLegalHoldStatus"]
          == "ON", "HEAD shows the legal hold")
    check(error_code(lambda: s3.delete_object(Bucket=bucket, Key="h", VersionId=held,
                                              BypassGovernanceRetention=True))
          == ("AccessDenied", 403), "a legal hold holds")
    s3.put_object_legal_hold(Bucket=bucket, Key="h", VersionId=held, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=bucket, Key="h", VersionId=held)
    check(True, "lifted, it goes")

    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    default = put("d")
    check(s3.head_object(Bucket=bucket, Key="d", VersionId=default)["ObjectLockMode"]
          == "GOVERNANCE", "default retention applies")
    check(error_code(lambda: s3.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409),
          "the bucket keeps its locked versions")

    # The end: once COMPLIANCE's date passed, everything can go.
    time.sleep(9)
    versions = s3.list_object_versions(Bucket=bucket)
    doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
              for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])]
    result = s3.delete_objects(Bucket=bucket, BypassGovernanceRetention=True,
                               Delete={"Objects": doomed})
    check(not result.get("Errors"), "after the dates, with the bypass, every version goes: %s"
          % result.get("Errors"))
    s3.delete_bucket(Bucket=bucket)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
