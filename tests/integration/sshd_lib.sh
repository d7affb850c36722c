# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A real OpenSSH server for tests: throwaway host key, key authentication
# only, started in a network namespace; and a client that logs in with it.

# sshd_config LISTEN DIR: a test server's config: LISTEN (a ListenAddress
# or Port line), the host key, pid file and authorized_keys in DIR (as the
# server sees it), key authentication only.
sshd_config() {
	cat <<EOT
$1
HostKey $2/host_key
PidFile $2/sshd.pid
AuthorizedKeysFile $2/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
LogLevel ERROR
EOT
}

# start_sshd NS: port 22 on a dual-stack socket that hands each connection
# to 'sshd -i', as Debian's ssh.socket does (IPv4 clients appear as
# ::ffff:a.b.c.d; sshd itself always sets IPV6_V6ONLY on its own listeners),
# and 'sshd -D' on 0.0.0.0:2222 (an AF_INET socket).
start_sshd() {
	local ns=$1
	mkdir -p /run/sshd "$T/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key" </dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" </dev/null
	cp "$T/ssh/id.pub" "$T/ssh/authorized_keys"
	sshd_config "ListenAddress 0.0.0.0:2222" "$T/ssh" >"$T/ssh/sshd_config"
	in_ns "$ns" sysctl -qw net.ipv6.bindv6only=0
	# Not through in_ns: $! must be the server itself, so that it can be stopped.
	nsenter --net="/run/netns/$ns" /usr/sbin/sshd -D -e -f "$T/ssh/sshd_config" \
		</dev/null >/dev/null 2>>"$T/ssh/sshd.log" &
	SSHD_PID=$!
	nsenter --net="/run/netns/$ns" systemd-socket-activate -l 22 --inetd -a /usr/sbin/sshd -i -e \
		-f "$T/ssh/sshd_config" </dev/null >/dev/null 2>>"$T/ssh/sshd.log" &
	SSHD_SOCKET_PID=$!
	wait_for 5 in_ns "$ns" bash -c "echo >/dev/tcp/127.0.0.1/2222" &&
		wait_for 5 in_ns "$ns" sh -c "ss -Hltn 'sport = :22' | grep -q '\\*:22'"
}

stop_sshd() {
	for pid in ${SSHD_PID:-} ${SSHD_SOCKET_PID:-}; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	SSHD_PID= SSHD_SOCKET_PID=
}

# ssh_run NS SRC DST PORT CMD...: runs CMD over a real SSH session; its
# output and exit status are the command's.
ssh_run() {
	local ns=$1 src=$2 dst=$3 port=$4
	shift 4
	in_ns "$ns" ssh -q -i "$T/ssh/id" -b "$src" -p "$port" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 \
		root@"$dst" "$@"
}

# ssh_login NS SRC DST [PORT]: a real login that runs a command; prints its output.
ssh_login() {
	local ns=$1 src=$2 dst=$3 port=${4:-22}
	in_ns "$ns" ssh -q -i "$T/ssh/id" -b "$src" -p "$port" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 \
		root@"$dst" echo logged-in
}
