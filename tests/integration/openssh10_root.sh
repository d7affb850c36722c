#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# openssh10_root.sh: prints the path of a Debian 13 (trixie) root with
# OpenSSH 10 (sshd, sshd-session, sshd-auth), made once with debootstrap
# from the Debian archive and kept under /var/cache/torwatch-test (outside
# the clone: a fresh clone reuses it). Exit 77 with the reason when it
# cannot be made (no debootstrap, no archive).
set -euo pipefail
root=${TW_OPENSSH10_ROOT:-/var/cache/torwatch-test/trixie-openssh}
mirror=${TW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -x "$root/usr/lib/openssh/sshd-session" ] && [ -e "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/install-deps.sh --test installs it)" >&2; exit 77; }
[ -e /usr/share/debootstrap/scripts/trixie ] || { echo "this debootstrap does not know trixie" >&2; exit 77; }
mkdir -p "$(dirname "$root")"
tmp="$root.tmp.$$"
rm -rf "$tmp"
if ! debootstrap --variant=minbase --include=openssh-server,openssh-client,python3 trixie "$tmp" "$mirror" >"$tmp.log" 2>&1; then
	echo "debootstrap of trixie failed (see $tmp.log)" >&2
	exit 77
fi
rm -f "$tmp.log"
touch "$tmp/.complete"
rm -rf "$root"
mv "$tmp" "$root"
echo "$root"
