#!/bin/sh
# protocol-scan: wayland-scanner --strict generates every kind of code from the XML without a
# complaint, and the XML is valid against wayland.dtd (when xmllint is installed).
# usage: scan.sh WAYLAND_SCANNER XML [DTD]
set -eu
scanner=$1
xml=$2
dtd=${3:-}

out=$(mktemp -d "${TMPDIR:-/tmp}/iosurface-scan-XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
status=0

for mode in client-header server-header private-code public-code; do
	if ! "$scanner" --strict "$mode" "$xml" "$out/$mode.out" 2>"$out/$mode.err"; then
		echo "FAIL wayland-scanner --strict $mode exited nonzero:"
		cat "$out/$mode.err"
		status=1
	elif [ -s "$out/$mode.err" ]; then
		echo "FAIL wayland-scanner --strict $mode printed warnings:"
		cat "$out/$mode.err"
		status=1
	elif [ ! -s "$out/$mode.out" ]; then
		echo "FAIL wayland-scanner --strict $mode wrote nothing"
		status=1
	else
		echo "PASS wayland-scanner --strict $mode"
	fi
done

if command -v xmllint >/dev/null 2>&1; then
	if [ -n "$dtd" ] && [ -f "$dtd" ]; then
		if xmllint --noout --dtdvalid "$dtd" "$xml"; then
			echo "PASS xmllint --dtdvalid $dtd"
		else
			echo "FAIL xmllint --dtdvalid $dtd"
			status=1
		fi
	elif xmllint --noout "$xml"; then
		echo "PASS xmllint (well-formed; no wayland.dtd found)"
	else
		echo "FAIL xmllint"
		status=1
	fi
else
	echo "SKIP xmllint is not installed (Debian: libxml2-utils)"
fi
exit $status
