#!/usr/bin/env bash
# Installs what lusifer needs to build, test and benchmark on Debian 12.
# Idempotent: installs only the packages that are missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ make git pkg-config
  libcaf-dev libboost-dev libssl-dev ca-certificates
  libsimdjson-dev libspdlog-dev libfmt-dev catch2
  libsqlite3-dev libsqlitecpp-dev sqlite3
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libtbb-dev libbenchmark-dev libmimalloc-dev
  python3 python3-aiohttp python3-matplotlib
  clang-14 libclang-rt-14-dev llvm-14  # fuzz/: libFuzzer, sanitizers, symbolizer
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
