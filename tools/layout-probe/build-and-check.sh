#!/bin/sh
# Build the probe module against a kernel's headers and check the models against its DWARF.
#   tools/layout-probe/build-and-check.sh [HEADERS_DIR] [SNAPSHOT.json]
# HEADERS_DIR: a kernel build tree, e.g. /usr/src/linux-headers-6.1.0-57-amd64 from Debian's
# linux-headers-6.1.0-57-amd64 (default: /lib/modules/$(uname -r)/build). With SNAPSHOT.json,
# the types read are also written there. Exit status: layout-check's (0 match, 1 mismatch, 3 error).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
headers=${1:-/lib/modules/$(uname -r)/build}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp "$here/probe.c" "$here/Kbuild" "$build/"
make -s -C "$headers" M="$build" modules >&2
release=$(basename "$headers" | sed 's/^linux-headers-//')
upstream=$(make -s -C "$headers" kernelversion 2>/dev/null || true)
release="$release${upstream:+ (upstream $upstream)}"
set -- layout-check "$repo/models/struct_page.md" "$repo/models/slab_ptdesc.md" --dwarf "$build/probe.ko" \
    ${2:+--write-snapshot "$2" --kernel "$release"}
cd "$repo" && exec python -m checker.cli "$@"
