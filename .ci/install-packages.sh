#!/usr/bin/env bash
# Installs the packages listed in .ci/packages.txt (as root), with the names of the Debian
# release given (default: the running system's codename, bookworm on Debian 12). Shared by
# setup.sh, .ci/run and the chroot legs (.ci/chroot.sh). Without network, succeeds if
# everything is already installed.
#
#   .ci/install-packages.sh [RELEASE]       install
#   .ci/install-packages.sh --list RELEASE  print the release's package names, one a line
set -euo pipefail
cd "$(dirname "$0")/.."

list_only=false
if [ "${1:-}" = "--list" ]; then
	list_only=true
	shift
fi
release=${1:-}
if [ -z "$release" ]; then
	release=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
fi

# Each line: NAME [RELEASE=NAME[,NAME]]...; the pair for this release replaces NAME.
mapfile -t packages < <(awk -v release="$release" '
	{ sub(/#.*/, "") }
	NF == 0 { next }
	{
		name = $1
		for (i = 2; i <= NF; i++) {
			split($i, pair, "=")
			if (pair[1] == release) {
				name = pair[2]
			}
		}
		n = split(name, names, ",")
		for (i = 1; i <= n; i++) {
			print names[i]
		}
	}' .ci/packages.txt)

if $list_only; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "packages: all ${#packages[@]} of $release installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "packages: not root, cannot install: ${missing[*]}" >&2
	echo "  run as root, or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get update; then
	echo "packages: apt-get update failed" >&2
	exit 1
fi
apt-get install -y --no-install-recommends "${missing[@]}"
