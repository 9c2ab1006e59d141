#!/usr/bin/env bash
# sosfs against its peers: s3fs and rclone mount (VFS cache "writes", the mode
# that supports what cp/tar/rsync do), each mounting its own bucket of the
# same sosd, plus the awscli for the whole-file rows and a local directory.
# Every row is timed from the start of the command until the data is on the
# server (seen by an S3 LIST/HEAD), so a write-back cache cannot hide an
# upload. Reads start cold: each mount is remounted with an empty cache first
# (and the page cache is dropped for the local directory).
# Each row runs at loopback and at a realistic distance: bench/delay_proxy
# adds DELAY_MS to each direction (10 ms each way = a 20 ms round trip).
#
#   sudo ./bench/sosfs.sh [BIG_MIB] [SMALL_FILES]     (defaults 512 and 2000)
#   MANY=10000: the entries of the one-directory listing rows
#   RUNS=3 DELAY_MS=10 WHERE="loopback distant" change the runs (median
#   reported), the distance and which of the two are measured.
#
# Prints a Markdown table: seconds per row and tool, and the speed-up of
# sosfs over each peer (peer time / sosfs time; above 1 = sosfs faster).
set -euo pipefail
cd "$(dirname "$0")/.."

big_mib=${1:-512}
small_files=${2:-2000}
runs=${RUNS:-1}
delay_ms=${DELAY_MS:-10}
where_list=${WHERE:-loopback distant}
sosd=build/daemon/sosd
sosfs=build/fuse/sosfs
for tool in build/bench/delay_proxy "$sosd" "$sosfs" build/ctl/sosctl /usr/bin/s3fs /usr/bin/rclone /usr/bin/aws /usr/bin/python3; do
  [ -x "$tool" ] || { echo "missing $tool (run scripts/install-deps.sh and scripts/build.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/sosfs-bench-XXXXXX)
chmod 755 "$work"
pids=()
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do fusermount3 -uz "$m" 2>/dev/null || fusermount -uz "$m" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

source bench/common.sh  # (unsets AWS_CA_BUNDLE too: rclone 1.60 fails on a custom CA bundle)
port=$(free_port)
start_sosd "$sosd" "$port" --max-connections-per-client 0
start_delay_proxy "$port" "$delay_ms"
direct=http://127.0.0.1:$port  # for the checks: never through the delay

aws_() { /usr/bin/aws --endpoint-url "$endpoint" "$@"; }
tools=(sosfs s3fs rclone)
printf '%s:%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$work/passwd"
chmod 600 "$work/passwd"
export RCLONE_CONFIG_SOS_TYPE=s3 RCLONE_CONFIG_SOS_PROVIDER=Other
export RCLONE_CONFIG_SOS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_SOS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY

wait_mounted() {
  for _ in $(seq 200); do mountpoint -q "$1" && return 0; sleep 0.05; done
  echo "mount of $1 did not appear" >&2
  return 1
}
mount_tool() {  # tool bucket: mounts BUCKET on $work/mnt-TOOL with an empty cache
  local t=$1 b=$2 m=$work/mnt-$1
  mkdir -p "$m"
  rm -rf "$work/cache-$t"
  case $t in
    sosfs) "$sosfs" "$b" "$m" -o "endpoint=$endpoint,passwd_file=$work/passwd,cache_dir=$work/cache-$t" ;;
    s3fs) s3fs "$b" "$m" -o "url=$endpoint,use_path_request_style,passwd_file=$work/passwd,use_cache=$work/cache-$t" ;;
    rclone) RCLONE_CONFIG_SOS_ENDPOINT=$endpoint rclone mount "sos:$b" "$m" --daemon \
      --vfs-cache-mode writes --vfs-write-back 100ms --cache-dir "$work/cache-$t" --dir-cache-time 30s ;;
  esac
  mounts+=("$m")
  wait_mounted "$m"
}
unmount_tool() {  # waits until the daemon has let go of the mount point
  local m=$work/mnt-$1
  fusermount3 -u "$m" 2>/dev/null || fusermount -u "$m"
  for _ in $(seq 600); do mountpoint -q "$m" || break; sleep 0.1; done
  sleep 0.5
}

# One resident poller answers "is it on the server yet?" for every row. It is
# started once, before any timing: a Python interpreter importing boto3 takes
# about 0.9 s on this kind of machine, which a poller started per row would
# add to every write row (and take as CPU from a write-back upload still in
# flight). Requests come one at a time through a FIFO:
#   objects BUCKET PREFIX COUNT [MIN_SIZE]   until COUNT objects are under PREFIX
#   gone BUCKET PREFIX                       until nothing is under PREFIX
# and the answer ("ok", or what timed out) comes back through another.
mkfifo "$work/poll.in" "$work/poll.out"
cat >"$work/poller.py" <<'EOF'
import sys, time, boto3
endpoint, fifo_in, fifo_out = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint)

def objects(bucket, prefix, count, size=0):
    n, ok = 0, True
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            n += 1
            ok = ok and o["Size"] >= int(size)
    return n >= int(count) and ok

def gone(bucket, prefix):
    return s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0) == 0

while True:
    with open(fifo_in) as f:
        words = f.readline().split()
    check = {"objects": objects, "gone": gone}[words[0]]
    deadline, answer = time.time() + 600, "timed out: " + " ".join(words)
    while time.time() < deadline:
        if check(*words[1:]):
            answer = "ok"
            break
        time.sleep(0.02)
    with open(fifo_out, "w") as f:
        f.write(answer + "\n")
EOF
/usr/bin/python3 "$work/poller.py" "$direct" "$work/poll.in" "$work/poll.out" &
pids+=($!)
cat >"$work/poll.sh" <<EOF
#!/bin/sh
echo "\$*" >"$work/poll.in"
read -r answer <"$work/poll.out"
[ "\$answer" = ok ] || { echo "\$answer" >&2; exit 1; }
EOF
chmod +x "$work/poll.sh"
wait_objects="timeout 700 $work/poll.sh objects"  # bucket prefix count [min_size]
wait_gone="timeout 700 $work/poll.sh gone" # bucket prefix
declare -A rss  # where,tool -> peak VmHWM (KiB) over the tool's mounts
note_rss() {  # where tool: the peak RSS of the daemon serving $work/mnt-TOOL
  local pid kib
  pid=$(pgrep -f -- "$work/mnt-$2( |$)" | head -1) || return 0
  kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 0
  [ -n "$kib" ] && [ "$kib" -gt "${rss[$1,$2]:-0}" ] && rss[$1,$2]=$kib
  return 0
}
now() { date +%s.%N; }
declare -A secs
timed() {  # row tool command...; the command must return only once the data is stored
  local row=$1 tool=$2
  shift 2
  local t0
  t0=$(now)
  "$@"
  secs[$row,$tool]+="$(python3 -c "print('%.2f' % ($(now) - $t0))") "
}
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

# Test data: one big file and a tree of small files (1-16 KiB, 40 directories).
head -c $((big_mib << 20)) /dev/urandom >"$work/big.bin"
python3 - "$work/tree" "$small_files" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
for i in range(n):
    d = os.path.join(root, "dir%02d" % (i % 40))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file%05d.txt" % i), "wb") as f:
        f.write(os.urandom(random.randint(1024, 16384)))
EOF
tar cf "$work/tree.tar" -C "$work" tree
big_bytes=$((big_mib << 20))
# One directory of many entries, in a bucket of its own that every tool mounts
# (written once, directly: only listing it is measured).
many=${MANY:-10000}
mkdir -p "$work/many"
(cd "$work/many" && seq -f "f%05g" 1 "$many" | xargs touch)
build/ctl/sosctl --endpoint "$direct" mb s3://b-many >/dev/null
build/ctl/sosctl --endpoint "$direct" cp -r "$work/many" s3://b-many/many >/dev/null
row_names=("write ${big_mib} MiB file (cp)" "read ${big_mib} MiB file, cold" "untar $small_files small files"
  "rsync -a again (no changes)" "ls -l of 40 dirs, cold" "mv of the tree (a directory)" "rm -r of the tree"
  "ls -l of one dir of $many, cold" "ls -l of one dir of $many, warm" "cat of every small file, cold")

for where in $where_list; do
  endpoint=http://127.0.0.1:$port
  [ "$where" = distant ] && endpoint=http://127.0.0.1:$proxy_port
  for run in $(seq "$runs"); do
    for t in "${tools[@]}"; do
      b=b-$t-$where-$run
      aws_ s3 mb "s3://$b" >/dev/null
      mount_tool "$t" "$b"
      m=$work/mnt-$t
      timed "$where|${row_names[0]}" "$t" \
        bash -c "cp '$work/big.bin' '$m/big.bin' && $wait_objects $b big.bin 1 $big_bytes"
      timed "$where|${row_names[2]}" "$t" \
        bash -c "tar xf '$work/tree.tar' -C '$m' && $wait_objects $b tree/ $small_files"
      timed "$where|${row_names[3]}" "$t" rsync -a "$work/tree/" "$m/tree/"
      note_rss "$where" "$t"
      unmount_tool "$t"
      mount_tool "$t" "$b"
      timed "$where|${row_names[4]}" "$t" bash -c "ls -lR '$m/tree' >/dev/null"
      timed "$where|${row_names[9]}" "$t" bash -c "find '$m/tree' -type f | sort | xargs cat >/dev/null"
      timed "$where|${row_names[1]}" "$t" bash -c "cat '$m/big.bin' >/dev/null"
      cmp "$work/big.bin" "$m/big.bin" || { echo "$t returned different bytes" >&2; exit 1; }
      timed "$where|${row_names[5]}" "$t" bash -c "mv '$m/tree' '$m/moved' && $wait_objects $b moved/ $small_files && $wait_gone $b tree/"
      timed "$where|${row_names[6]}" "$t" bash -c "rm -r '$m/moved' && $wait_gone $b moved/"
      note_rss "$where" "$t"
      unmount_tool "$t"
      mount_tool "$t" b-many
      timed "$where|${row_names[7]}" "$t" bash -c "ls -l '$m/many' >/dev/null"
      [ "$(ls "$m/many" | wc -l)" = "$many" ] || { echo "$t lists a wrong count" >&2; exit 1; }
      timed "$where|${row_names[8]}" "$t" bash -c "ls -l '$m/many' >/dev/null"
      note_rss "$where" "$t"
      unmount_tool "$t"
      echo "$where run $run: $t done" >&2
    done
    b=b-awscli-$where-$run
    aws_ s3 mb "s3://$b" >/dev/null
    timed "$where|${row_names[0]}" awscli aws_ s3 cp --quiet "$work/big.bin" "s3://$b/big.bin"
    timed "$where|${row_names[1]}" awscli aws_ s3 cp --quiet "s3://$b/big.bin" "$work/back.bin"
    timed "$where|${row_names[2]}" awscli aws_ s3 cp --quiet --recursive "$work/tree" "s3://$b/tree"
    rm -f "$work/back.bin"
  done
done
# A local directory on the disk that holds the caches (no distance applies).
for run in $(seq "$runs"); do
  l=$work/local
  rm -rf "$l" && mkdir -p "$l"
  timed "local|${row_names[0]}" local bash -c "cp '$work/big.bin' '$l/big.bin' && sync"
  timed "local|${row_names[2]}" local bash -c "tar xf '$work/tree.tar' -C '$l' && sync"
  timed "local|${row_names[3]}" local rsync -a "$work/tree/" "$l/tree/"
  drop_caches
  timed "local|${row_names[4]}" local bash -c "ls -lR '$l/tree' >/dev/null"
  drop_caches
  timed "local|${row_names[9]}" local bash -c "find '$l/tree' -type f | sort | xargs cat >/dev/null"
  timed "local|${row_names[1]}" local bash -c "cat '$l/big.bin' >/dev/null"
  timed "local|${row_names[5]}" local bash -c "mv '$l/tree' '$l/moved' && sync"
  timed "local|${row_names[6]}" local bash -c "rm -r '$l/moved' && sync"
  drop_caches
  timed "local|${row_names[7]}" local bash -c "ls -l '$work/many' >/dev/null"
  timed "local|${row_names[8]}" local bash -c "ls -l '$work/many' >/dev/null"
done

echo
echo "sosfs vs peers on one sosd: one $big_mib MiB file, $small_files small files (1-16 KiB);"
echo "median seconds of $runs run(s); distant = ${delay_ms} ms added each way ($((2 * delay_ms)) ms round trip)."
echo
echo "| workload (seconds, until stored) | where | sosfs | s3fs | rclone mount | awscli | local dir | s3fs/sosfs | rclone/sosfs | awscli/sosfs |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for where in $where_list; do
  for r in "${row_names[@]}"; do
    s=$(median "${secs[$where|$r,sosfs]}")
    ratio() { [ -n "${1:-}" ] && python3 -c "print('%.1fx' % ($1 / max($s, 0.01)))" || echo "-"; }
    s3=$(median "${secs[$where|$r,s3fs]}")
    rc=$(median "${secs[$where|$r,rclone]}")
    aw=$(median "${secs[$where|$r,awscli]:-}")
    lo=$(median "${secs[local|$r,local]:-}")
    echo "| $r | $where | $s | $s3 | $rc | ${aw:--} | ${lo:--} |" \
      "$(ratio "$s3") | $(ratio "$rc") | $(ratio "$aw") |"
  done
  mib() { [ -n "${1:-}" ] && echo $(($1 / 1024)) || echo "-"; }
  echo "| peak RSS of the daemon (MiB, all rows) | $where | $(mib "${rss[$where,sosfs]:-}") |" \
    "$(mib "${rss[$where,s3fs]:-}") | $(mib "${rss[$where,rclone]:-}") | - | - | | | |"
done
echo
echo "Ratios are peer time / sosfs time: above 1x sosfs is faster. awscli untar = aws s3 cp --recursive of the same tree."
