#!/usr/bin/env bash
# sosctl cp -r against the tools people use for the same job: aws s3 cp
# --recursive, s3cmd put -r and rclone copy, all into the same sosd, with the
# same data, at loopback and at a realistic distance (bench/delay_proxy
# adds DELAY_MS to each direction: 10 ms each way = a 20 ms round trip).
# Each cell is the median of RUNS runs, each into a fresh prefix; a run ends
# when the tool exits (every tool waits for its uploads to complete).
#
#   sudo ./bench/sosctl.sh [SMALL_FILES] [BIG_MIB]     (defaults 5000 and 1024)
#   RUNS=3 DELAY_MS=10 environment variables change the runs and the distance.
#
# Prints a Markdown table: seconds per row and tool, and sosctl's speed-up over
# each peer (peer time / sosctl time; above 1 = sosctl faster).
set -euo pipefail
cd "$(dirname "$0")/.."

small_files=${1:-5000}
big_mib=${2:-1024}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-10}
sosd=build/daemon/sosd
sosctl=build/ctl/sosctl
for tool in build/bench/delay_proxy "$sosd" "$sosctl" /usr/bin/aws /usr/bin/s3cmd /usr/bin/rclone /usr/bin/python3; do
  [ -x "$tool" ] || { echo "missing $tool (run scripts/install-deps.sh and scripts/build.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/sosctl-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT

source bench/common.sh
export HOME=$work  # no developer ~/.aws, ~/.s3cfg or rclone.conf
port=$(free_port)
start_sosd "$sosd" "$port" --max-connections-per-client 0
start_delay_proxy "$port" "$delay_ms"

# The data: many small files in nested directories, and one big file.
mkdir -p "$work/small" "$work/big"
python3 - "$work/small" "$small_files" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 50), "e%d" % (i % 7))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.dat" % i), "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 16384)))
EOF
head -c "$((big_mib << 20))" /dev/urandom >"$work/big/big.bin"
/usr/bin/aws --endpoint-url "http://127.0.0.1:$port" s3 mb s3://bench >/dev/null

run_tool() {  # tool endpoint src prefix
  local tool=$1 ep=$2 src=$3 dst=$4
  case $tool in
    sosctl) "$sosctl" --endpoint-url "$ep" --no-progress cp -r "$src" "s3://bench/$dst" >/dev/null ;;
    aws) /usr/bin/aws --endpoint-url "$ep" s3 cp --recursive --only-show-errors "$src" "s3://bench/$dst" ;;
    s3cmd) /usr/bin/s3cmd --access_key="$AWS_ACCESS_KEY_ID" --secret_key="$AWS_SECRET_ACCESS_KEY" \
             --host="${ep#http://}" --host-bucket="${ep#http://}" --no-ssl --no-check-md5 \
             --quiet put -r "$src/" "s3://bench/$dst/" >/dev/null ;;
    rclone) RCLONE_CONFIG_B_TYPE=s3 RCLONE_CONFIG_B_PROVIDER=Other RCLONE_CONFIG_B_ENDPOINT=$ep \
              RCLONE_CONFIG_B_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
              RCLONE_CONFIG_B_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
              /usr/bin/rclone copy -q "$src" "b:bench/$dst" ;;
  esac
}

tools=(sosctl aws s3cmd rclone)
declare -A cell
n=0
for where in loopback distant; do
  ep=http://127.0.0.1:$port
  [ "$where" = distant ] && ep=http://127.0.0.1:$proxy_port
  for data in small big; do
    for tool in "${tools[@]}"; do
      times=()
      for r in $(seq "$runs"); do
        n=$((n + 1))
        start=$(date +%s.%N)
        run_tool "$tool" "$ep" "$work/$data" "$tool-$where-$data-$r"
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
        "$sosctl" --endpoint-url "http://127.0.0.1:$port" rm -r "bench/$tool-$where-$data-$r" >/dev/null
      done
      cell[$where-$data-$tool]=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo "$where $data $tool: ${times[*]}" >&2
    done
  done
done

echo
echo "sosctl cp -r vs peers into one sosd: $small_files small files (1-16 KiB), one $big_mib MiB file;"
echo "median seconds of $runs runs; distant = ${delay_ms} ms added each way ($((2 * delay_ms)) ms round trip)."
echo
printf '| row |'; for t in "${tools[@]}"; do printf ' %s (s) |' "$t"; done
for t in "${tools[@]:1}"; do printf ' sosctl vs %s |' "$t"; done; echo
printf '| --- |'; for _ in "${tools[@]}" "${tools[@]:1}"; do printf ' --- |'; done; echo
for where in loopback distant; do
  for data in small big; do
    label="$data files, $where"
    [ "$data" = big ] && label="one $big_mib MiB file, $where"
    printf '| %s |' "$label"
    for t in "${tools[@]}"; do printf ' %.2f |' "${cell[$where-$data-$t]}"; done
    for t in "${tools[@]:1}"; do
      printf ' %.2fx |' "$(echo "${cell[$where-$data-$t]} / ${cell[$where-$data-sosctl]}" | bc -l)"
    done
    echo
  done
done
