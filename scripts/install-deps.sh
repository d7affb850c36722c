#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs what building and running torwatch need on Debian 12 (and, with
# --package, 'make deb'; with --test, every test tier: scripts/test.sh).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

# What building and running torwatch needs: all that scripts/run.sh installs
# on the host it protects.
BUILD=(
	make gcc clang pkg-config	# build (clang: the BPF target)
	libbpf-dev bpftool libelf-dev zlib1g-dev	# libbpf, skeletons
	libjson-c-dev libinih-dev libcurl4-openssl-dev	# JSON, config file, feeds
	libsystemd-dev libcap-dev	# sd_notify (Type=notify, watchdog); dropping capabilities
	libmicrohttpd-dev libmaxminddb-dev	# /metrics; countries from .mmdb files
	ca-certificates iso-codes	# TLS roots for the feeds; country names
)
# 'make deb': the Debian package.
PACKAGE=(build-essential dpkg-dev debhelper)
# What the tests need besides: servers, clients and tools that run beside
# torwatch in the tests, never needed on a protected host.
TEST=(
	libclang-rt-14-dev libcmocka-dev	# libFuzzer; unit tests
	prometheus	# promtool checks what /metrics serves
	libmaxmind-db-writer-perl	# the ASN test database, written by MaxMind's own writer
	python3 openssl	# the feed tests: a real HTTP(S) server with a throwaway CA
	iproute2 iputils-ping netcat-openbsd jq util-linux procps curl	# integration tests
	openssh-server openssh-client systemd	# a real sshd (systemd-socket-activate: dual-stack :22)
	sudo	# block enable through sudo from an SSH session
	rsyslog	# a real syslog collector for the syslog sink tests
	debootstrap	# a Debian 13 root with OpenSSH 10 (sshd-session, sshd-auth) for the session tests
	systemd-container	# the system tier: a Debian 12 root booted with systemd as PID 1 (systemd-nspawn)
	lintian	# make deb's package, checked
	man-db logrotate	# the install test: the man page renders, the logrotate snippet parses
	xdp-tools	# a foreign XDP program (xdp-filter) that torwatch must leave in place; the macro benchmark
	nftables ethtool bc	# make bench: the nftables cases, veth counters, ratios
	tmux	# torwatch top under a real pseudo-terminal
	iodine ptunnel-ng dnsutils	# real DNS and ICMP tunnels (and dig) for the tunnel tests
	tor torsocks	# the Tor client sensor's tests: a real tor and torsocks
	podman runc	# containers named in alerts: a real runtime (runc: crun refuses hybrid cgroup trees)
	e2fsprogs	# a real ext4 that turns read-only on an error, under an alert file
)

case "${1:-}" in
"") PACKAGES=("${BUILD[@]}") ;;
--package) PACKAGES=("${BUILD[@]}" "${PACKAGE[@]}") ;;
--test) PACKAGES=("${BUILD[@]}" "${PACKAGE[@]}" "${TEST[@]}") ;;
*)
	echo "usage: install-deps.sh [--package | --test]: what building and running need; with --package, 'make deb' too; with --test, every test tier too" >&2
	exit 2
	;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (sudo) to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
