#!/usr/bin/env bash
# Configures and builds sos into build/ (and, with --sanitize, the libraries and
# unit tests under ASan+UBSan into build-sanitize/). Incremental; uses ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$jobs"

if [ "${1:-}" = "--sanitize" ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSOS_SANITIZE=ON >/dev/null
  ninja -C build-sanitize -j"$jobs"
fi
