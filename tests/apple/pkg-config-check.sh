#!/bin/sh
# apple-pkg-config: code written against Apple's headers (ported.c, which includes only
# <IOSurface/IOSurface.h>, <CoreFoundation/CoreFoundation.h>, <CoreVideo/CoreVideo.h> and
# <mach/mach.h>) compiles and links with `pkg-config --cflags --libs iosurface-apple` and no
# other flag, strict warnings on. Uses the build tree's uninstalled .pc files.
# Usage: pkg-config-check.sh BUILD_ROOT SOURCE_ROOT
set -eu
build=$1
source=$2
cc=${CC:-cc}
if ! command -v pkg-config >/dev/null 2>&1 || ! command -v "$cc" >/dev/null 2>&1; then
	echo "SKIP: pkg-config or $cc is not installed"
	exit 77
fi
PKG_CONFIG_PATH=$build/meson-uninstalled
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs iosurface-apple)
echo "pkg-config --cflags --libs iosurface-apple: $flags"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2086 # the flags are words
"$cc" -std=c11 -Wall -Wextra -Werror -fPIC -shared -Wl,--no-undefined \
	-o "$out/libported.so" "$source/tests/apple/ported.c" $flags
echo "ported.c built into a shared object with every symbol resolved"
