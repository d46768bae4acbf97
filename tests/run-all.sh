#!/usr/bin/env bash
# Builds the project and runs every test suite. Idempotent: configures ./build once, then
# reuses it.
#
#   tests/run-all.sh            every suite, in ./build
#   tests/run-all.sh --asan     every suite under AddressSanitizer+UndefinedBehaviorSanitizer,
#                               in ./build-asan
#   extra arguments go to `meson test` (e.g. --suite e2e, or a test name)
# Environment: IOSURFACE_BUILDDIR (default build; --asan appends -asan), IOSURFACE_MESON_ARGS
# (more `meson setup` arguments, e.g. -Dwlroots=0.19).
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${IOSURFACE_BUILDDIR:-build}
label=tests
setup_args=()
test_args=()
if [ "${1:-}" = "--asan" ]; then
	shift
	builddir=${IOSURFACE_BUILDDIR:-build}-asan
	label=asan
	setup_args=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=detect_leaks=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	# Only leaks inside wlroots and libwayland are suppressed; see the file.
	export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
	# Sanitized code, and the sanitized compositor every test starts, are slower.
	export HARNESS_TIMEOUT_FACTOR=3
	test_args=(--timeout-multiplier 3)
fi

# shellcheck disable=SC2206 # word splitting wanted
setup_args+=(${IOSURFACE_MESON_ARGS:-})

if [ -f "$builddir/meson-private/coredata.dat" ]; then
	# Reuse; pick up the options in case the directory was configured differently.
	meson setup --reconfigure "$builddir" "${setup_args[@]}" >/dev/null ||
		meson setup --wipe "$builddir" "${setup_args[@]}"
else
	meson setup "$builddir" "${setup_args[@]}"
fi
meson compile -C "$builddir"

status=0
meson test -C "$builddir" --print-errorlogs "${test_args[@]}" "$@" || status=$?

# One closing line for people and CI logs: "N passed, N failed, N skipped".
log="$builddir/meson-logs/testlog.json"
if [ -f "$log" ]; then
	python3 - "$log" "$label" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0,
          "UNEXPECTEDPASS": 0}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            r = json.loads(line).get("result", "ERROR")
            counts[r] = counts.get(r, 0) + 1
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = sum(counts.values()) - passed - counts["SKIP"]
print(f"{sys.argv[2]}: {passed} passed, {failed} failed, {counts['SKIP']} skipped")
PY
fi
exit $status
