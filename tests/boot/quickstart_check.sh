#!/usr/bin/env bash
# The README's promise for scripts/quickstart: it installs only what building
# and running sos takes (no test servers, clients or benchmark peers), and it
# starts and stops no service of the machine. Run by ctest from the source dir.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "quickstart_check: $*" >&2; exit 1; }

grep -q '^bash scripts/install-deps.sh --run$' scripts/quickstart ||
  fail "the quickstart does not install with --run"
run=$(bash scripts/install-deps.sh --list --run)
all=$(bash scripts/install-deps.sh --list)
for needed in fuse3 libfuse3-dev liblmdb-dev libcurl4-openssl-dev cmake; do
  grep -qx "$needed" <<<"$run" || fail "--run lacks $needed"
done
for test_only in ceph-mon radosgw nginx-light fio wrk hyperfine restic borgbackup duplicity \
  awscli s3cmd rclone s3fs python3-boto3 chromium debootstrap systemd-container; do
  grep -qx "$test_only" <<<"$all" || fail "the full list lacks $test_only (is this list stale?)"
  if grep -qx "$test_only" <<<"$run"; then fail "--run installs $test_only"; fi
done
# No command of the quickstart (comments aside) stops, restarts or disables a service.
if sed 's/#.*//' scripts/quickstart |
  grep -nE 'systemctl|service [^ ]+ (stop|restart)|invoke-rc\.d|pkill|killall|\bkill\b'; then
  fail "the quickstart touches services of the machine"
fi
echo "quickstart_check: ok ($(wc -l <<<"$run") packages for running, $(wc -l <<<"$all") for the tests)"
