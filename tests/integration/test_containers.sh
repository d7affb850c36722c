#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Containers named in alerts, with a real runtime: Debian's Podman (runc, on
# a Debian 12 root given with --rootfs, so no registry is needed) runs a
# container in the test's network namespace. A listener and a connect to
# the Tor proxy port inside it raise alerts that name it (container.id as
# Podman knows it, container.name, container.runtime, the cgroup); the same
# on the host names none; an SSH login from the fake exit node into an sshd
# in a second container, and its session's connection out, name that one; pids are given as the host and the container see
# them; --container-allowed-ports expects a port from that container only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/podman_lib.sh"
require_root
podman_ready "$T/rootfs" || { echo "SKIP: $PODMAN_WHY"; exit 77; }

one_exit_node
NAME=twtest-ctr-$ID
install -m 0755 "$TOOLS/listen_port" "$T/rootfs/usr/local/bin/listen_port"
trap 'podman rm -f "$NAME" "$NAME-ssh" >/dev/null 2>&1; cleanup' EXIT
# The fake exit is in a documentation range, which egress-exclude leaves out by default.
check "the daemon starts" start_daemon "$H" -i vX --feed "$T/exits.txt" --tor-proxy-ports 9050 \
	--egress-exclude 127.0.0.0/8 \
	--container-allowed-ports "$NAME:9803"
# Inside: a listener, and a connection to a Tor proxy port (a listener of
# its own there) held open, so its process is there when the alert is made.
cid=$(ctr_run "$NAME" "ns:/run/netns/$H" "$T/rootfs" bash -c 'listen_port tcp4 0.0.0.0 9801 60000 >/tmp/ready9801 & listen_port tcp4 127.0.0.1 9803 60000 >/dev/null &
	listen_port tcp4 127.0.0.1 9050 60000 >/dev/null & sleep 0.5; exec 3<>/dev/tcp/127.0.0.1/9050; exec sleep 60' 2>"$T/podman.err")
check "podman runs the container (runc, --rootfs)" test -n "$cid"
[ -n "$cid" ] || sed 's/^/# /' "$T/podman.err"
listen() { jq -c 'select(.rule.id=="unexpected_listen_port" and .destination.port==9801)' "$T/alerts.json"; }
check "the listener inside raises unexpected_listen_port" wait_for 10 sh -c "[ -n \"\$(jq -c 'select(.rule.id==\"unexpected_listen_port\" and .destination.port==9801)' $T/alerts.json)\" ]"
a=$(listen | head -1)
check_eq "it names the container as Podman does" "$cid $NAME podman" \
	"$(jq -r '"\(.container.id) \(.container.name) \(.container.runtime)"' <<<"$a")"
check "and its cgroup" jq -e --arg id "$cid" '.torwatch.cgroup | contains("libpod-" + $id)' <<<"$a"
inner=$(sed -n 's/^ready \([0-9]*\).*/\1/p' "$T/rootfs/tmp/ready9801")
check_eq "the pid as the container sees it (listen_port said 'ready $inner' inside)" "$inner" "$(jq -r .torwatch.container_pid <<<"$a")"
check "and process.pid as the host sees it" test "$(jq -r .process.pid <<<"$a")" != "$inner"
proxy() { jq -c 'select(.rule.id=="tor_proxy_use")' "$T/alerts.json"; }
check "the connect to the Tor proxy port inside raises tor_proxy_use" wait_for 10 sh -c "grep -q tor_proxy_use $T/alerts.json"
check_eq "... naming the container too" "$cid $NAME" "$(proxy | head -1 | jq -r '"\(.container.id) \(.container.name)"')"
# The same port on the host (another address of the same namespace): no
# container, and not expected there. Its
# alert is the barrier for the container's 9803, which must raise none.
in_ns "$H" "$TOOLS/listen_port" tcp4 $HOST4 9803 100 >/dev/null
check "the host's listener on 9803 raises its alert" wait_for 5 has_alert 'select(.destination.port==9803)'
check_eq "... the one alert for 9803 names no container: the container's 9803 was expected" \
	"1 null" "$(jq -c 'select(.destination.port==9803)' "$T/alerts.json" | wc -l) $(jq -c 'select(.destination.port==9803) | .container' "$T/alerts.json" | head -1)"

# --- an sshd in a container: a login from the exit node and its egress ---
mkdir -p "$T/rootfs/etc/twssh" "$T/rootfs/run/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$T/rootfs/etc/twssh/host_key" </dev/null
mkdir -p "$T/ssh" && ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" </dev/null
cp "$T/ssh/id.pub" "$T/rootfs/etc/twssh/authorized_keys"
sshd_config "ListenAddress 0.0.0.0:2222" /etc/twssh >"$T/rootfs/etc/twssh/sshd_config"
NAME_SSH=$NAME-ssh
scid=$(ctr_run "$NAME_SSH" "ns:/run/netns/$H" "$T/rootfs" \
	/usr/sbin/sshd -D -e -f /etc/twssh/sshd_config 2>>"$T/podman.err")
check "sshd runs in a container" wait_for 10 in_ns "$H" bash -c "echo >/dev/tcp/127.0.0.1/2222"
# The connecting process exits at once, most often before the alert is
# made: its container comes from the event's cgroup id, not from /proc.
out=$(ssh_run "$X" $EXIT4 $HOST4 2222 "bash -c ': 3<>/dev/tcp/$EXIT4/80 2>/dev/null'; echo logged-in")
check_eq "the exit node logs in to the container's sshd" logged-in "$out"
check "ssh_login_from_tor names the container" wait_for 10 has_alert \
	'select(.rule.id=="ssh_login_from_tor" and .container.name==$n and .container.id==$i)' --arg n "$NAME_SSH" --arg i "$scid"
check "sshd_child_egress of its session names it too" wait_for 10 has_alert \
	'select(.rule.id=="sshd_child_egress" and .destination.ip==$e and .container.name==$n)' --arg e $EXIT4 --arg n "$NAME_SSH"
podman rm -f "$NAME" "$NAME_SSH" >/dev/null 2>&1
stop_daemon
check "unload" tw_in "$H" unload
finish
