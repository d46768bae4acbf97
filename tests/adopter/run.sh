#!/usr/bin/env bash
# The adopter test: tests/adopter/adopter.c, a compositor outside the project, adds the module
# in at most 20 lines and passes the end-to-end handoff and display tests of the project's own
# suites (run against it through IOSURFACE_COMPOSITOR), built twice:
#   installed  the project installed (meson install) into a temporary prefix, found through
#              its pkg-config files;
#   subproject the project as a meson subproject of the adopter.
#
#   tests/adopter/run.sh BUILDDIR   BUILDDIR: a configured and built tree of the project
#
# Prints "PASS/FAIL/SKIP name" per check and a closing "adopter: N passed, N failed, N skipped";
# writes the results as meson test-log lines to BUILDDIR/meson-logs/adopter.json for CI.
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
builddir=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
log=$builddir/meson-logs/adopter.json
mkdir -p "$builddir/meson-logs"
: >"$log"
passed=0 failed=0 skipped=0

result() { # NAME OK|FAIL|SKIP [reason]
	local word=PASS
	case $2 in
	OK) passed=$((passed + 1)) ;;
	FAIL) failed=$((failed + 1)) word=FAIL ;;
	SKIP) skipped=$((skipped + 1)) word=SKIP ;;
	esac
	echo "$word adopter-$1${3:+: $3}"
	printf '{"name": "adopter-%s", "result": "%s"}\n' "$1" "$2" >>"$log"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The module in at most 20 lines of the adopter.
lines=$(awk '/\/\/ iosurface-module }$/ { inside = 0 } inside || /\/\/ iosurface-module$/ { n++ }
	/\/\/ iosurface-module {$/ { inside = 1 } END { print n + 0 }' tests/adopter/adopter.c)
if [ "$lines" -ge 1 ] && [ "$lines" -le 20 ]; then
	result module-lines OK
else
	result module-lines FAIL "$lines lines bring the module in (at most 20)"
fi

# Runs the handoff and display tests against the adopter compositor $1; $2 names the build.
run_suites() {
	local compositor=$1 how=$2
	local t
	for t in "display/test-display shown_by_another_process" "handoff/test-handoff-ports handoff_a_b_c"; do
		local program=${t%% *} name=${t#* }
		if IOSURFACE_COMPOSITOR=$compositor "$builddir/tests/$program" "$name" \
				>"$tmp/$how-$name.log" 2>&1; then
			result "$how-$name" OK
		else
			local status=$?
			if [ $status = 77 ]; then
				result "$how-$name" SKIP "$(grep -m1 SKIP "$tmp/$how-$name.log")"
			else
				sed 's/^/    /' "$tmp/$how-$name.log"
				result "$how-$name" FAIL "exit status $status"
			fi
		fi
	done
}

# 1. Installed: the project's own build, installed into a temporary directory.
if meson install -C "$builddir" --destdir "$tmp/root" --no-rebuild >"$tmp/install.log" 2>&1; then
	# Its pkg-config files, with the prefix moved to where it was installed.
	prefix=$(meson introspect "$builddir" --buildoptions |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	mkdir -p "$tmp/pc"
	find "$tmp/root" -name 'iosurface*.pc' -exec cp {} "$tmp/pc/" \;
	sed -i "s|^prefix=$prefix\$|prefix=$tmp/root$prefix|" "$tmp/pc/"*.pc
	if [ -f "$tmp/pc/iosurface-server.pc" ] && PKG_CONFIG_PATH=$tmp/pc \
			meson setup "$tmp/installed" tests/adopter >"$tmp/installed.log" 2>&1 &&
			meson compile -C "$tmp/installed" >>"$tmp/installed.log" 2>&1; then
		result installed-build OK
		run_suites "$tmp/installed/adopter-compositor" installed
	else
		sed 's/^/    /' "$tmp/installed.log"
		result installed-build FAIL "see the log above"
	fi
else
	sed 's/^/    /' "$tmp/install.log"
	result installed-build FAIL "meson install failed"
fi

# 2. As a subproject: the adopter's subprojects/ holds the project (a link to this tree).
mkdir -p "$tmp/adopter-src/subprojects"
cp tests/adopter/meson.build tests/adopter/adopter.c "$tmp/adopter-src/"
ln -s "$src" "$tmp/adopter-src/subprojects/iosurface-wayland"
wlroots_option=()
wlroots=$(meson introspect "$builddir" --buildoptions 2>/dev/null |
	python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "wlroots"), "auto"))')
wlroots_option=(-Diosurface-wayland:wlroots="$wlroots")
if meson setup "$tmp/subproject" "$tmp/adopter-src" --wrap-mode=forcefallback \
		"${wlroots_option[@]}" >"$tmp/subproject.log" 2>&1 &&
		meson compile -C "$tmp/subproject" adopter-compositor >>"$tmp/subproject.log" 2>&1; then
	result subproject-build OK
	run_suites "$tmp/subproject/adopter-compositor" subproject
else
	sed 's/^/    /' "$tmp/subproject.log" | tail -40
	result subproject-build FAIL "see the log above"
fi

echo "adopter: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
