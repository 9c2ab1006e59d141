#!/usr/bin/env bash
# sosd against its physical references and its peer server, measured in one run.
#
#   sudo ./bench/sosd.sh          # after scripts/build.sh; prints one Markdown table
#
# Rows: GET of 4 KiB and 16 MiB objects with 32 connections (wrk) against nginx serving the
# same files; PUT of 4 KiB objects with 32 connections (wrk) and of 256 MiB objects one at a
# time (curl) against fio writing the same bytes 3 times with fsync; peak RSS of sosd during
# 64 concurrent 256 MiB uploads; 10,000 kept-alive idle connections (threads, RSS, and GETs of
# 32 active connections beside them) against nginx holding as many. Every row of the first
# table also runs against Ceph RGW on this machine: one monitor, three file-backed bluestore
# OSDs, pools of size 3 (the same 3-copy durability). A second table gives p50/p99 latency of
# 4 KiB GETs (sosd, nginx) and PUTs (sosd, fio) at 1, 32 and 256 connections.
#
# The physical references are measured alternately with sosd (nginx and sosd GET rounds take
# turns; a fio round precedes each 256 MiB PUT), so that drift of the machine hits both alike.
#
# Everything lives in one temporary directory, removed at exit; every server binds
# 127.0.0.1 on a free port; every wait and every load phase is bounded in time.
# Environment: SOSD (binary, default build/daemon/sosd), BENCH_SECONDS (per timed phase,
# default 10), BENCH_RSS_UPLOADS (default 64), BENCH_IDLE_CONNS (default 10000),
# BENCH_LATENCY_SECONDS (per latency phase, default 5), BENCH_RGW=0 (skip Ceph RGW), TMPDIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SOSD=${SOSD:-$root/build/daemon/sosd}
SECONDS_PER_PHASE=${BENCH_SECONDS:-10}
RSS_UPLOADS=${BENCH_RSS_UPLOADS:-64}
WITH_RGW=${BENCH_RGW:-1}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
LATENCY_SECONDS=${BENCH_LATENCY_SECONDS:-5}
CONNS=32
LARGE_PUTS=5
GET_ROUNDS=3
REGION=us-east-1
AK=SOSBENCHACCESSKEY001
SK=sosbenchsecretkey0000000000000000000000001

die() {
  echo "bench: $*" >&2
  exit 1
}
log() { echo "bench: $*" >&2; }

for tool in wrk fio nginx curl python3 jq; do
  command -v "$tool" >/dev/null || die "$tool not found; run scripts/install-deps.sh"
done
[ -x "$SOSD" ] || die "$SOSD not found; run scripts/build.sh"
if [ "$WITH_RGW" = 1 ]; then
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$tool" >/dev/null || die "$tool not found; run scripts/install-deps.sh"
  done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sos-bench-XXXXXX")
declare -a pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $2 seconds until $1 answers HTTP.
wait_http() {
  local url=$1 limit=$2
  for _ in $(seq $((limit * 10))); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  die "$url did not answer within $limit s"
}

stop_pid() {
  local p=$1
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# s3 ENDPOINT METHOD PATH [curl args...]; fails the run on an error answer.
s3req() {
  local endpoint=$1 method=$2 path=$3
  shift 3
  local out
  out=$(curl -sS --max-time 600 --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$method" -w '\n%{http_code}' "$@" \
    "$endpoint$path") || die "$method $endpoint$path failed"
  local code=${out##*$'\n'}
  case $code in 2??) ;; *) die "$method $endpoint$path answered $code: ${out%$'\n'*}" ;; esac
}

# Anonymous GET of $1 must return the bytes of file $2.
verify_get() {
  curl -sS --fail --max-time 120 "$1" | cmp -s - "$2" || die "GET $1 did not return the bytes of $2"
}

# Signed GET of $1 must return the bytes of file $2.
verify_signed_get() {
  curl -sS --fail --max-time 300 --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$1" | cmp -s - "$2" ||
    die "signed GET $1 did not return the bytes of $2"
}

# wrk_run SCRIPT URL [script args]: prints "requests duration_us p50_us p99_us"; fails on any
# error. wrk_conns connections (default CONNS), wrk_seconds long.
wrk_seconds=$SECONDS_PER_PHASE
wrk_conns=$CONNS
wrk_run() {
  local script=$1 url=$2
  shift 2
  local out
  out=$(timeout $((wrk_seconds + 60)) wrk -t$((wrk_conns < 2 ? 1 : 2)) -c$wrk_conns -d"${wrk_seconds}s" \
    --timeout 30s -s "$here/$script" "$url" -- "$@") || die "wrk on $url failed: $out"
  local line
  line=$(grep '^WRK_RESULT' <<<"$out") || die "wrk on $url printed no result: $out"
  read -r _ req _bytes dur ec er ew es et p50 p99 <<<"$line"
  if [ $((ec + er + ew + es + et)) -ne 0 ]; then
    die "wrk on $url: errors connect=$ec read=$er write=$ew status=$es timeout=$et"
  fi
  echo "$req $dur $p50 $p99"
}

# ms US: microseconds as milliseconds, 2 decimals.
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# latency_rows NAME URL SCRIPT [script args]: p50/p99 (ms) at 1, 32 and 256 connections into
# lat_NAME_C ("p50 / p99").
latency_rows() {
  local name=$1 url=$2 script=$3 c res r d p50 p99
  shift 3
  wrk_seconds=$LATENCY_SECONDS
  for c in 1 32 256; do
    wrk_conns=$c
    log "$name: latency, $c connections, $LATENCY_SECONDS s"
    res=$(wrk_run "$script" "$url" "$@") || exit 1
    read -r r d p50 p99 <<<"$res"
    printf -v "lat_${name}_$c" '%s / %s' "$(ms "$p50")" "$(ms "$p99")"
  done
  wrk_conns=$CONNS
  wrk_seconds=$SECONDS_PER_PHASE
}

# idle_rows NAME URL PIDS: IDLE_CONNS kept-alive connections held open (bench/keepalive.py);
# while they idle, a GET 4 KiB phase with CONNS active connections; then one more request
# on each. Sets idle_ops_NAME, idle_threads_NAME, idle_rss_NAME (MiB), idle_again_NAME (s).
idle_rows() {
  local name=$1 url=$2 pidlist=$3 ready=$work/idle-ready-$1 out=$work/idle-$1.out kp res r d
  rm -f "$ready"
  log "$name: $IDLE_CONNS kept-alive connections, then GET 4 KiB x $CONNS beside them"
  python3 "$here/keepalive.py" "$url/bench/obj4k" "$IDLE_CONNS" "$pidlist" "$ready" >"$out" 2>&1 &
  kp=$!
  for _ in $(seq 3000); do
    [ -e "$ready" ] && break
    kill -0 "$kp" 2>/dev/null || die "$name: keepalive.py failed: $(cat "$out")"
    sleep 0.1
  done
  [ -e "$ready" ] || die "$name: $IDLE_CONNS connections not ready within 300 s"
  res=$(wrk_run wrk-get.lua "$url/bench/obj4k") || exit 1
  read -r r d _ <<<"$res"
  printf -v "idle_ops_$name" '%s' "$(ops_per_s "$r" "$d")"
  rm -f "$ready"
  wait "$kp" || die "$name: keepalive.py failed: $(cat "$out")"
  local line
  line=$(grep '^KEEPALIVE' "$out") || die "$name: keepalive.py printed no result: $(cat "$out")"
  printf -v "idle_threads_$name" '%s' "$(sed 's/.*threads=\([0-9]*\).*/\1/' <<<"$line")"
  printf -v "idle_rss_$name" '%s' "$(sed 's/.*rss_kib=\([0-9]*\).*/\1/' <<<"$line" | awk '{ printf "%.0f", $1 / 1024 }')"
  printf -v "idle_again_$name" '%s' "$(sed 's/.*again_s=\([0-9.]*\).*/\1/' <<<"$line")"
}

ops_per_s() { awk -v r="$1" -v d="$2" 'BEGIN { printf "%.0f", r / (d / 1e6) }'; }
mib_per_s() { awk -v r="$1" -v d="$2" -v s="$3" 'BEGIN { printf "%.1f", r * s / 1048576 / (d / 1e6) }'; }

# get_row NAME BASE_URL: GET 4 KiB and 16 MiB; sets get_small_NAME, get_large_NAME.
get_rows() {
  local name=$1 base=$2 r d res
  verify_get "$base/bench/obj4k" "$data/obj4k"
  verify_get "$base/bench/obj16m" "$data/obj16m"
  log "$name: GET 4 KiB x $CONNS connections, $SECONDS_PER_PHASE s"
  res=$(wrk_run wrk-get.lua "$base/bench/obj4k") || exit 1
  read -r r d _ <<<"$res"
  printf -v "get_small_$name" '%s' "$(ops_per_s "$r" "$d")"
  log "$name: GET 16 MiB x $CONNS connections, $SECONDS_PER_PHASE s"
  res=$(wrk_run wrk-get.lua "$base/bench/obj16m") || exit 1
  read -r r d _ <<<"$res"
  printf -v "get_large_$name" '%s' "$(mib_per_s "$r" "$d" 16777216)"
}

# get_rows_alternating NAME_A URL_A NAME_B URL_B: get_rows for two servers at once, in
# GET_ROUNDS rounds of half a phase each, taking turns: the machine's speed drifts within a
# minute, and alternating lets that drift hit both alike.
get_rows_alternating() {
  local names=("$1" "$3") urls=("$2" "$4") i round r d res row obj
  for i in 0 1; do
    verify_get "${urls[$i]}/bench/obj4k" "$data/obj4k"
    verify_get "${urls[$i]}/bench/obj16m" "$data/obj16m"
  done
  wrk_seconds=$(((SECONDS_PER_PHASE + 1) / 2))
  for row in small large; do
    obj=obj4k
    [ $row = large ] && obj=obj16m
    local sum_r=(0 0) sum_d=(0 0)
    log "${names[0]} and ${names[1]}: GET $obj x $CONNS connections, $GET_ROUNDS rounds of $wrk_seconds s each"
    for round in $(seq "$GET_ROUNDS"); do
      for i in 0 1; do
        res=$(wrk_run wrk-get.lua "${urls[$i]}/bench/$obj") || exit 1
        read -r r d _ <<<"$res"
        sum_r[$i]=$((sum_r[$i] + r))
        sum_d[$i]=$((sum_d[$i] + d))
      done
    done
    for i in 0 1; do
      if [ $row = small ]; then
        printf -v "get_small_${names[$i]}" '%s' "$(ops_per_s "${sum_r[$i]}" "${sum_d[$i]}")"
      else
        printf -v "get_large_${names[$i]}" '%s' "$(mib_per_s "${sum_r[$i]}" "${sum_d[$i]}" 16777216)"
      fi
    done
  done
  wrk_seconds=$SECONDS_PER_PHASE
}

# put_rows NAME BASE_URL: PUT 4 KiB (wrk) and 256 MiB (curl, one at a time), anonymous into
# the public-read-write bucket; reads one of each back (signed) to check the bytes.
put_rows() {
  local name=$1 base=$2 r d res
  log "$name: PUT 4 KiB x $CONNS connections, $SECONDS_PER_PHASE s"
  res=$(wrk_run wrk-put.lua "$base/bench/" /bench/put4k/ "$data/obj4k") || exit 1
  read -r r d _ <<<"$res"
  printf -v "put_small_$name" '%s' "$(ops_per_s "$r" "$d")"
  local first
  first=$(curl -sS --fail --max-time 60 --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$base/bench?max-keys=1&prefix=put4k%2F" |
    sed -n 's|.*<Key>\([^<]*\)</Key>.*|\1|p') || die "$name: cannot list put4k/"
  # (curl's SigV4 signs the query as written: parameters must be in sorted order.)
  [ -n "$first" ] || die "$name: no object under put4k/ after the PUT run"
  verify_signed_get "$base/bench/$first" "$data/obj4k"
  log "$name: PUT 256 MiB x $LARGE_PUTS, one at a time"
  [ "$name" = sosd ] && log "fio: 256 MiB written 3 times in parallel, fsync at the end, before each"
  local total=0 i t
  for i in $(seq $LARGE_PUTS); do
    [ "$name" = sosd ] && fio_large_round
    t=$(curl -sS --fail --max-time 600 -T "$data/obj256m" -o /dev/null -w '%{time_total}' \
      "$base/bench/put256m-$i") || die "$name: PUT of 256 MiB failed"
    total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
  done
  verify_signed_get "$base/bench/put256m-$LARGE_PUTS" "$data/obj256m"
  printf -v "put_large_$name" '%s' \
    "$(awk -v n=$LARGE_PUTS -v t="$total" 'BEGIN { printf "%.1f", n * 256 / t }')"
  for i in $(seq $LARGE_PUTS); do s3req "$base" DELETE "/bench/put256m-$i"; done
}

# Peak RSS (VmHWM, KiB) summed over pids, read from /proc.
hwm_kib() {
  local total=0 p v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
reset_hwm() {
  local p
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs"; done
}

# ---------------------------------------------------------------------------- data
data=$work/data
mkdir -p "$data" "$work/www/bench"
head -c 4096 /dev/urandom >"$data/obj4k"
head -c $((16 << 20)) /dev/urandom >"$data/obj16m"
head -c $((256 << 20)) /dev/urandom >"$data/obj256m"
cp "$data/obj4k" "$data/obj16m" "$work/www/bench/"
# nginx's workers run as an unprivileged user: let them through to www/.
chmod 755 "$work" "$work/www" "$work/www/bench"
chmod 644 "$work/www/bench/"*

# Loads the GET objects (public-read) into a public-read-write bucket "bench".
load_s3() {
  local base=$1
  s3req "$base" PUT /bench -H "x-amz-acl: public-read-write"
  s3req "$base" PUT /bench/obj4k -H "x-amz-acl: public-read" -T "$data/obj4k"
  s3req "$base" PUT /bench/obj16m -H "x-amz-acl: public-read" -T "$data/obj16m"
}

# ---------------------------------------------------------------------------- nginx
log "starting nginx"
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nginx_port/bench/obj4k" 10

# ---------------------------------------------------------------------------- fio
# The same bytes written 3 times with fsync, as sosd writes 3 replicas (in 3 directories of
# one file system, like sosd's drives here).
log "fio: 4 KiB writes, each fsync'd, 3 files per job, $CONNS jobs, $SECONDS_PER_PHASE s"
mkdir -p "$work/fio"
fio_json=$(fio --name=put4k --directory="$work/fio" --numjobs=$CONNS --nrfiles=3 --size=12m \
  --file_append=1 --bs=4k --rw=write --fsync=1 --ioengine=psync --time_based \
  --runtime="$SECONDS_PER_PHASE" --group_reporting --output-format=json) || die "fio failed"
# One object = 3 writes (one per copy), each followed by fsync.
put_small_fio=$(jq -r '.jobs[0].write.iops / 3 | floor' <<<"$fio_json")
rm -rf "$work/fio"
# Latency of one fsync'd 4 KiB write at 1, 32 and 256 jobs (an object is 3 of them in a row).
for c in 1 32 256; do
  log "fio: latency, $c jobs, $LATENCY_SECONDS s"
  mkdir -p "$work/fio"
  fio_json=$(fio --name=lat4k --directory="$work/fio" --numjobs=$c --nrfiles=3 --size=12m \
    --file_append=1 --bs=4k --rw=write --fsync=1 --ioengine=psync --time_based \
    --runtime="$LATENCY_SECONDS" --group_reporting --output-format=json) || die "fio failed"
  printf -v "lat_fio_$c" '%s / %s' \
    "$(ms "$(jq -r '.jobs[0].sync.lat_ns.percentile["50.000000"] / 1000' <<<"$fio_json")")" \
    "$(ms "$(jq -r '.jobs[0].sync.lat_ns.percentile["99.000000"] / 1000' <<<"$fio_json")")"
  rm -rf "$work/fio"
done
# The 256 MiB reference runs round by round between sosd's own 256 MiB PUTs (put_rows): a
# virtual disk's speed drifts by tens of percent within a minute, and alternating lets that
# drift hit both sides alike.
fio_total_ms=0
fio_large_round() {
  mkdir -p "$work/fio"
  local fio_json
  fio_json=$(fio --name=put256m --directory="$work/fio" --numjobs=3 --size=256m --bs=1m \
    --rw=write --end_fsync=1 --ioengine=psync --group_reporting --output-format=json) ||
    die "fio failed"
  # runtime (ms) includes the end fsync; the group's runtime is its slowest job's.
  fio_total_ms=$((fio_total_ms + $(jq -r '.jobs[0].write.runtime' <<<"$fio_json")))
  rm -rf "$work/fio"
}

# ---------------------------------------------------------------------------- sosd
log "starting sosd ($SOSD)"
sosd_port=$(free_port)
# Every load comes from this one address: no per-client connection cap.
SOS_ROOT_ACCESS_KEY=$AK SOS_ROOT_SECRET_KEY=$SK "$SOSD" --listen "127.0.0.1:$sosd_port" \
  --data "$work/sosd" --region "$REGION" --max-connections-per-client 0 \
  --max-connections $((IDLE_CONNS + 2 * CONNS + 256)) >"$work/sosd.log" 2>&1 &
sosd_pid=$!
pids+=("$sosd_pid")
sosd_url="http://127.0.0.1:$sosd_port"
wait_http "$sosd_url/-/health" 30
load_s3 "$sosd_url"
get_rows_alternating nginx "http://127.0.0.1:$nginx_port" sosd "$sosd_url"
latency_rows get_nginx "http://127.0.0.1:$nginx_port/bench/obj4k" wrk-get.lua
latency_rows get_sosd "$sosd_url/bench/obj4k" wrk-get.lua
latency_rows put_sosd "$sosd_url/bench/" wrk-put.lua /bench/lat4k/ "$data/obj4k"
idle_rows nginx "http://127.0.0.1:$nginx_port" "$(pgrep -d, -P "$nginx_pid"),$nginx_pid"
idle_rows sosd "$sosd_url" "$sosd_pid"
stop_pid "$nginx_pid"
put_rows sosd "$sosd_url"
put_large_fio=$(awk -v n=$LARGE_PUTS -v ms=$fio_total_ms 'BEGIN { printf "%.1f", n * 256 / (ms / 1000) }')

log "sosd: $RSS_UPLOADS concurrent PUTs of 256 MiB, peak RSS"
reset_hwm "$sosd_pid"
declare -a up=()
for i in $(seq "$RSS_UPLOADS"); do
  curl -sS --fail --max-time 1200 -T "$data/obj256m" -o /dev/null "$sosd_url/bench/rss-$i" &
  up+=($!)
done
failed=0
for p in "${up[@]}"; do wait "$p" || failed=$((failed + 1)); done
[ $failed = 0 ] || die "sosd: $failed of $RSS_UPLOADS concurrent uploads failed"
rss_sosd=$(($(hwm_kib "$sosd_pid") / 1024))
verify_signed_get "$sosd_url/bench/rss-$RSS_UPLOADS" "$data/obj256m"
for i in $(seq "$RSS_UPLOADS"); do s3req "$sosd_url" DELETE "/bench/rss-$i"; done
stop_pid "$sosd_pid"

# ---------------------------------------------------------------------------- Ceph RGW
# One monitor, three bluestore OSDs on sparse files, pools of size 3 (one copy per OSD).
start_rgw() {
  local c=$work/ceph
  mkdir -p "$c"/{mon,osd,run,log,rgw,crash,blk}
  mon_port=$(free_port)
  rgw_port=$(free_port)
  local fsid
  fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  cat >"$c/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = $c/run
admin socket = $c/run/\$name.asok
pid file = $c/run/\$name.pid
log file = $c/log/\$name.log
mon cluster log file = $c/log/\$cluster.log
crash dir = $c/crash
keyring = $c/keyring
mon data = $c/mon/\$cluster-\$id
osd data = $c/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block path = $c/blk/\$name
bluestore block create = true
bluestore block size = 32212254720
bluestore fsck on mount = false
osd pool default size = 3
osd pool default min size = 2
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon max pg per osd = 1000
[client.rgw.bench]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $c/rgw
rgw dns name = localhost
EOF
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$c/monmap" \
    >"$c/log/monmaptool.out" 2>&1 || die "monmaptool failed"
  timeout 60 ceph-mon -c "$c/ceph.conf" --mkfs -i a --monmap "$c/monmap" \
    >"$c/log/mkfs-mon.out" 2>&1 || die "ceph-mon --mkfs failed: $(tail -5 "$c/log/mkfs-mon.out")"
  ceph-mon -f -c "$c/ceph.conf" -i a >"$c/log/mon.out" 2>&1 &
  pids+=($!)
  ceph_pids=($!)
  local ids=() mkfs=() i uuid id
  for i in 0 1 2; do
    uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
    id=$(timeout 60 ceph -c "$c/ceph.conf" --connect-timeout 30 osd new "$uuid" 2>"$c/log/osd-new.err") ||
      die "ceph osd new failed: $(tail -5 "$c/log/osd-new.err")"
    ids+=("$id")
    mkdir -p "$c/osd/ceph-$id"
    timeout 180 ceph-osd -c "$c/ceph.conf" -i "$id" --mkfs --osd-uuid "$uuid" \
      >"$c/log/mkfs-osd.$id.out" 2>&1 &
    mkfs+=($!)
  done
  for i in 0 1 2; do
    wait "${mkfs[$i]}" || die "ceph-osd --mkfs failed: $(tail -5 "$c/log/mkfs-osd.${ids[$i]}.out")"
  done
  for id in "${ids[@]}"; do
    ceph-osd -f -c "$c/ceph.conf" -i "$id" >"$c/log/osd.$id.out" 2>&1 &
    pids+=($!)
    ceph_pids+=($!)
  done
  local up=""
  for _ in $(seq 90); do
    up=$(timeout 20 ceph -c "$c/ceph.conf" --connect-timeout 10 osd stat -f json 2>/dev/null | jq -r .num_up_osds || true)
    [ "$up" = 3 ] && break
    sleep 1
  done
  [ "$up" = 3 ] || die "Ceph: only ${up:-0} of 3 OSDs up after 90 s"
  radosgw -f -c "$c/ceph.conf" -n client.rgw.bench >"$c/log/rgw.out" 2>&1 &
  pids+=($!)
  ceph_pids+=($!)
  wait_http "http://127.0.0.1:$rgw_port/" 180
  timeout 120 radosgw-admin -c "$c/ceph.conf" user create --uid=bench --display-name=bench \
    --access-key="$AK" --secret="$SK" >"$c/log/user.out" 2>&1 || die "radosgw-admin user create failed"
}

if [ "$WITH_RGW" = 1 ]; then
  log "starting Ceph RGW (1 mon, 3 bluestore OSDs on files, pools of size 3)"
  start_rgw
  rgw_url="http://127.0.0.1:$rgw_port"
  load_s3 "$rgw_url"
  get_rows rgw "$rgw_url"
  reset_hwm "${ceph_pids[@]}"
  put_rows rgw "$rgw_url"
  rss_rgw=$(($(hwm_kib "${ceph_pids[@]}") / 1024))
  for p in "${ceph_pids[@]}"; do stop_pid "$p"; done
fi

# ---------------------------------------------------------------------------- table
# ratio A B: A/B with 2 decimals ("—" without B).
ratio() { awk -v a="$1" -v b="${2:-}" 'BEGIN { if (b == "" || b + 0 == 0) print "—"; else printf "%.2f", a / b }'; }
# at_least X Y: X >= Y.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# row LABEL UNIT SOSD REF REFNAME RGW TARGET_RATIO (empty: none) HIGHER_IS_BETTER(1/0)
row() {
  local label=$1 unit=$2 sosd=$3 ref=$4 refname=$5 rgw=$6 target=$7 higher=$8
  local r_ref r_rgw met="yes" tgt=""
  r_ref=$(ratio "$sosd" "$ref")
  r_rgw=$(ratio "$sosd" "$rgw")
  if [ -n "$target" ]; then
    if [ "$higher" = 1 ]; then
      tgt="≥ ${target}× $refname"
      at_least "$r_ref" "$target" || met="no"
    else
      tgt="≤ $target $unit"
      at_least "$target" "$sosd" || met="no"
    fi
  fi
  if [ -n "$rgw" ]; then
    tgt="${tgt:+$tgt, }$([ "$higher" = 1 ] && echo "> RGW" || echo "< RGW")"
    if [ "$higher" = 1 ]; then at_least "$r_rgw" 1.0000001 || met="no"
    else at_least 0.9999999 "$r_rgw" || met="no"; fi
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label ($unit)" "$sosd" \
    "${ref:+$ref ($refname)}" "${rgw:-—}" "$r_ref" "$r_rgw" "${tgt:-—}" "$met"
}

echo
echo "sosd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; every column measured in this run"
echo
echo "| measured | sosd | reference | Ceph RGW | sosd/reference | sosd/RGW | target | met? |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
row "GET 4 KiB, $CONNS connections" "ops/s" "$get_small_sosd" "$get_small_nginx" nginx "${get_small_rgw:-}" 0.8 1
row "GET 16 MiB, $CONNS connections" "MiB/s" "$get_large_sosd" "$get_large_nginx" nginx "${get_large_rgw:-}" 0.9 1
row "PUT 4 KiB, $CONNS connections" "ops/s" "$put_small_sosd" "$put_small_fio" "fio 3×fsync" "${put_small_rgw:-}" 0.5 1
row "PUT 256 MiB, one at a time" "MiB/s" "$put_large_sosd" "$put_large_fio" "fio 3×fsync" "${put_large_rgw:-}" 0.9 1
row "peak RSS, $RSS_UPLOADS concurrent 256 MiB PUTs" "MiB" "$rss_sosd" "" "" "${rss_rgw:-}" 256 0
row "GET 4 KiB, $CONNS connections beside $IDLE_CONNS idle ones" "ops/s" "$idle_ops_sosd" "$idle_ops_nginx" nginx "" 0.8 1
row "threads holding $IDLE_CONNS idle connections" "threads" "$idle_threads_sosd" "$idle_threads_nginx" "nginx" "" "" 0
row "RSS holding $IDLE_CONNS idle connections" "MiB" "$idle_rss_sosd" "$idle_rss_nginx" "nginx" "" 256 0
row "one more GET on each of $IDLE_CONNS idle connections" "s" "$idle_again_sosd" "$idle_again_nginx" "nginx" "" "" 0
echo
echo "Reference for PUTs: fio writing the same bytes to 3 files with fsync (4 KiB: $CONNS jobs,"
echo "fsync after every write; 256 MiB: 3 parallel writers, fsync at the end, one round before each"
echo "of sosd's 256 MiB PUTs, so that the disk's drift hits both alike). sosd and RGW get"
echo "anonymous GETs of public-read objects and anonymous PUTs into a public-read-write bucket."
echo "RGW peak RSS: radosgw + 3 ceph-osd + ceph-mon (VmHWM) during its 256 MiB PUT row, a"
echo "lighter load than sosd's $RSS_UPLOADS concurrent uploads. Idle connections: opened by"
echo "bench/keepalive.py, one GET each, then held idle; nginx's threads and RSS are its master"
echo "and workers' (each worker holds its connections in one epoll loop)."
echo
echo "Latency of 4 KiB requests, p50 / p99 in ms (wrk; fio: one fsync'd 4 KiB write, of which an"
echo "object is 3 in a row), each phase $LATENCY_SECONDS s:"
echo
echo "| connections | GET sosd | GET nginx | PUT sosd | fio fsync'd write |"
echo "| --- | --- | --- | --- | --- |"
for c in 1 32 256; do
  lg_s=lat_get_sosd_$c lg_n=lat_get_nginx_$c lp_s=lat_put_sosd_$c lf=lat_fio_$c
  echo "| $c | ${!lg_s} | ${!lg_n} | ${!lp_s} | ${!lf} |"
done
