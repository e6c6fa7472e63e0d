#!/bin/sh
# Installs the Debian 12 packages vigil needs to build and test, only those
# missing. Idempotent and non-interactive; needs root (or sudo) when anything
# is missing.
set -eu

PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
libvectorscan-dev libpcre2-dev libssl-dev libarchive-dev zlib1g-dev libbz2-dev
liblzma-dev libzstd-dev libmspack-dev libmagic-dev libjansson-dev libcmocka-dev
yara clamav clamav-testfiles python3"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install:$missing" >&2; exit 2; }
    SUDO=sudo
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
