#!/usr/bin/env bash
# Installs every Debian package that sos's build, tests and benchmarks need.
# Idempotent; run as root on Debian 12. Safe to run again: apt skips what is there.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (try: sudo $0)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

build_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libfuse3-dev fuse3 libcurl4-openssl-dev liblmdb-dev libtbb-dev
  googletest libgtest-dev libgmock-dev
  libboost-dev libpugixml-dev libssl-dev libxxhash-dev libisal-dev
  libcli11-dev libspdlog-dev libtomlplusplus-dev nlohmann-json3-dev media-types libsystemd-dev
  clang libclang-rt-14-dev
)
# Real third-party clients and servers the tests drive.
test_packages=(
  curl ca-certificates python3 python3-boto3 awscli s3cmd rclone s3fs restic
  ceph-mon ceph-osd radosgw ceph-common
  attr rsync tar procps psmisc util-linux zsh bash-completion systemd
)
# Peers and load tools the benchmarks compare against.
bench_packages=(nginx-light fio wrk hyperfine)

wanted=("${build_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js and npm run the AWS JavaScript SDK tests; keep a preinstalled Node.
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# The SDK itself, exactly as pinned by its package-lock.json (skipped when already in place).
js_client="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/clients/js"
if ! cmp -s "$js_client/package-lock.json" "$js_client/node_modules/.sos-installed-lock" 2>/dev/null; then
  (cd "$js_client" && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.sos-installed-lock)
fi

# nginx must not keep a system instance on port 80: benchmarks start their own.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "install-deps: all packages present"
