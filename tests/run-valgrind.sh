#!/usr/bin/env bash
# Runs the test suites under valgrind (memcheck): the tests and, through the harness, every
# compositor they start. Any error or definite/indirect leak fails the test; leaks inside
# wlroots are suppressed by tests/valgrind.supp (never our code).
#
#   tests/run-valgrind.sh                   every suite, in ./build
#   tests/run-valgrind.sh --suite e2e       extra arguments go to `meson test`
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${IOSURFACE_BUILDDIR:-build}

if [ -f "$builddir/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$builddir" >/dev/null || meson setup --wipe "$builddir"
else
	meson setup "$builddir"
fi
meson compile -C "$builddir"

vg="valgrind --quiet --error-exitcode=42 --leak-check=full --show-leak-kinds=definite,indirect"
vg="$vg --errors-for-leak-kinds=definite,indirect --suppressions=$PWD/tests/valgrind.supp"
export HARNESS_TIMEOUT_FACTOR=10
export HARNESS_COMPOSITOR_WRAPPER="$vg"

# Prefer the project's test setup (meson test --setup=valgrind) when the build defines it.
if meson test -C "$builddir" --setup=valgrind --list >/dev/null 2>&1; then
	exec meson test -C "$builddir" --setup=valgrind --print-errorlogs "$@"
fi
exec meson test -C "$builddir" --wrapper="$vg" --timeout-multiplier=10 --print-errorlogs "$@"
