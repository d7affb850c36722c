# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Real containers for tests and benchmarks: Debian's Podman with runc, on a
# copy of the cached Debian 12 root given with --rootfs (no registry).

# podman_ready DIR: the root copied to DIR; false with the reason in
# PODMAN_WHY when Podman, runc or the root is not there.
podman_ready() {
	local base
	if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
		PODMAN_WHY="podman and runc are not installed (scripts/install-deps.sh --test installs them)"
		return 1
	fi
	base=$("$(dirname "${BASH_SOURCE[0]}")/../system/debian12_root.sh") ||
		{ PODMAN_WHY="no Debian 12 root: $base"; return 1; }
	mkdir -p "$1" && cp -a "$base/." "$1/"
}

# ctr_run NAME NETWORK ROOTFS CMD...: a detached container; prints its id.
# runc and these ulimits: this VM's hybrid cgroup tree refuses crun and the
# default rlimits (measured). CTR_OPTS: more podman run options (-v A:B).
ctr_run() {
	local name=$1 net=$2 rootfs=$3
	shift 3
	podman --runtime runc run -d --name "$name" --network "$net" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 ${CTR_OPTS:-} --rootfs "$rootfs" "$@"
}
