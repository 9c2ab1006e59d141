#!/usr/bin/env bash
# Installs the Debian packages sos needs: with --run, only what building and
# running it takes (the quickstart); without, also every tool the tests and
# benchmarks drive. Idempotent; run as root on Debian 12. Starts and stops no
# service of the machine.
# --list prints the packages it would want (no root needed) and installs nothing.
set -euo pipefail

run_only=false
list_only=false
for arg in "$@"; do
  case "$arg" in
    --run) run_only=true ;;
    --list) list_only=true ;;
    *) echo "usage: $0 [--run] [--list]" >&2; exit 2 ;;
  esac
done

build_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libfuse3-dev fuse3 libcurl4-openssl-dev liblmdb-dev libtbb-dev
  googletest libgtest-dev libgmock-dev
  libboost-dev libpugixml-dev libssl-dev libxxhash-dev libisal-dev
  libcli11-dev libspdlog-dev libtomlplusplus-dev nlohmann-json3-dev media-types libsystemd-dev
  help2man dpkg-dev curl ca-certificates prometheus-cpp-dev
)
# Real third-party clients and servers the tests drive.
test_packages=(
  clang libclang-rt-14-dev
  python3 python3-boto3 awscli s3cmd rclone s3fs restic borgbackup duplicity
  ceph-mon ceph-osd radosgw ceph-common
  attr rsync tar procps psmisc util-linux zsh bash-completion systemd
  debootstrap systemd-container
  chromium fonts-dejavu-core
)
# Peers and load tools the benchmarks compare against.
bench_packages=(nginx-light fio wrk hyperfine)

wanted=("${build_packages[@]}")
$run_only || wanted+=("${test_packages[@]}" "${bench_packages[@]}")
if $list_only; then
  printf '%s\n' "${wanted[@]}"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (try: sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if $run_only; then
  echo "install-deps: build and run packages present"
  exit 0
fi

# Node.js and npm run the AWS JavaScript SDK and web console tests; keep a preinstalled Node.
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# The npm packages the tests run, exactly as pinned by their package-lock.json
# (skipped when already in place): the AWS SDK, and playwright-core, which
# drives Debian's Chromium through the web console.
clients="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/clients"
for package in "$clients/js" "$clients/browser"; do
  if ! cmp -s "$package/package-lock.json" "$package/node_modules/.sos-installed-lock" 2>/dev/null; then
    (cd "$package" && npm ci --no-audit --no-fund --loglevel=error &&
      cp package-lock.json node_modules/.sos-installed-lock)
  fi
done

echo "install-deps: all packages present"
