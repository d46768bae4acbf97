#!/usr/bin/env bash
# Quick start on Debian 12, as root: installs the packages, builds, and runs the end-to-end
# demo headless, leaving screenshot.png. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"

.ci/install-packages.sh

if [ -f build/meson-private/coredata.dat ]; then
	meson setup --reconfigure build >/dev/null || meson setup --wipe build
else
	meson setup build
fi
ninja -C build

export IOSURFACE_COMPOSITOR="$PWD/build/compositor/iosurface-compositor"
producer_consumer=build/demos/producer-consumer/producer-consumer
echo "== demo: producer-consumer (two processes, zero copy, headless, 120 frames)"
rm -f screenshot.png
if ! "$producer_consumer" --headless --frames 120 --screenshot screenshot.png; then
	echo "setup.sh: FAILED: the producer-consumer demo failed" >&2
	exit 1
fi
if [ ! -s screenshot.png ]; then
	echo "setup.sh: FAILED: the demo left no screenshot.png" >&2
	exit 1
fi
echo "== screenshot: $PWD/screenshot.png"
echo "== next: tests/run-all.sh runs every test"
