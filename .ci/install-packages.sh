#!/usr/bin/env bash
# Installs the Debian 12 packages listed in .ci/packages.txt (as root). Shared by setup.sh and
# .ci/run. Without network, succeeds if everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(sed 's/#.*//; s/[[:space:]]//g; /^$/d' .ci/packages.txt)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "$(id -u)" != 0 ]; then
	if [ ${#missing[@]} -eq 0 ]; then
		echo "packages: all ${#packages[@]} installed"
		exit 0
	fi
	echo "packages: not root, cannot install: ${missing[*]}" >&2
	echo "  run as root, or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get update; then
	echo "packages: apt-get update failed" >&2
	if [ ${#missing[@]} -eq 0 ]; then
		echo "packages: all ${#packages[@]} installed already, going on" >&2
		exit 0
	fi
	exit 1
fi
apt-get install -y --no-install-recommends "${packages[@]}"
