#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# debian12_root.sh: prints the path of a Debian 12 (bookworm) root that boots
# with systemd as PID 1 under systemd-nspawn: debootstrap's minimal base plus
# systemd, sshd and python3 (the tests' webhook and syslog receivers), and
# nothing torwatch needs at run time, so that installing the package shows
# whether its Depends pull every library. Made once from the Debian archive
# and kept under /var/cache/torwatch-test (outside the clone: a fresh clone
# reuses it); each test boots a copy. Exit 77 with the reason when it cannot
# be made (no debootstrap, no archive).
# With the argument 'build': the same root plus what building torwatch
# needs (debian/control's Build-Depends, make, git), for the 'make install'
# path a developer follows.
set -euo pipefail
base=${TW_DEBIAN12_ROOT:-/var/cache/torwatch-test/bookworm-systemd}
root=$base
[ "${1:-}" = build ] && root=$base-build
mirror=${TW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -x "$root/lib/systemd/systemd" ] && [ -e "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
if [ "$root" != "$base" ]; then
	base=$("$0") || exit $?
	control=$(dirname "$0")/../../debian/control
	deps=$(awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, ""); print; next }
		    on && /^[ \t]/ { print; next } { on = 0 }' "$control" |
		sed 's/([^)]*)//g; s/,/ /g; s/debhelper-compat//' | xargs)
	tmp="$root.tmp.$$"
	rm -rf "$tmp"
	cp -a "$base" "$tmp"
	cp /etc/resolv.conf "$tmp/etc/resolv.conf"
	if ! chroot "$tmp" env DEBIAN_FRONTEND=noninteractive sh -c \
		"apt-get update -qq && apt-get install -y -qq --no-install-recommends make git $deps && apt-get clean" \
		>"$tmp.log" 2>&1; then
		echo "the build packages cannot be installed (see $tmp.log)" >&2
		exit 77
	fi
	rm -f "$tmp.log" "$tmp/etc/resolv.conf"
	rm -rf "$root"
	mv "$tmp" "$root"
	echo "$root"
	exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/install-deps.sh --test installs it)" >&2; exit 77; }
mkdir -p "$(dirname "$root")"
tmp="$root.tmp.$$"
rm -rf "$tmp"
pkgs=systemd,systemd-sysv,dbus,iproute2,procps,openssh-server,openssh-client,python3,ca-certificates
if ! debootstrap --variant=minbase --include=$pkgs bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1; then
	echo "debootstrap of bookworm failed (see $tmp.log)" >&2
	exit 77
fi
rm -f "$tmp.log"
# What a booted container must not wait for or fight over.
echo torwatch-system >"$tmp/etc/hostname"
rm -f "$tmp/etc/resolv.conf"
: >"$tmp/etc/machine-id"
chroot "$tmp" systemctl mask -q systemd-networkd-wait-online.service getty@tty1.service \
	console-getty.service systemd-timesyncd.service 2>/dev/null || true
chroot "$tmp" apt-get clean
touch "$tmp/.complete"
rm -rf "$root"
mv "$tmp" "$root"
echo "$root"
