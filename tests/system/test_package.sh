#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The Debian package under a real systemd: a fresh Debian 12 root booted
# with systemd as PID 1, 'apt install ./torwatch_*.deb' as a server owner
# runs it, then the service driven with systemctl and judged from systemd's
# view (ActiveState, StatusText, NRestarts) and from torwatch's (alerts,
# counters, pins): start, detection under the whole sandbox, reload,
# restart, stop, a crash, a hang, seccomp, readers, an upgrade, remove and
# purge.
. "$(dirname "$0")/lib.sh"
sys_require
cached=$("$(dirname "$0")/debian12_root.sh") || { echo "SKIP: no Debian 12 root: $cached"; exit 77; }
TEST_START=$(date +%s)

make -s -C "$REPO" deb >"$T/deb.log" 2>&1 || { cat "$T/deb.log"; not_ok "make deb"; finish; exit 1; }
DEB=$(ls "$REPO"/.output/deb/torwatch_*_amd64.deb)
ok "make deb built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"
out=$(lintian --pedantic -I "$DEB" 2>&1 | grep -v 'running with root privileges')
check_eq "lintian --pedantic: no error, warning or info left" "" "$out"

sys_root_copy "$cached"
cp "$DEB" "$SYS_ROOT/root/"
debname=$(basename "$DEB")
# The runtime libraries are not in the fresh root: the Depends must bring them.
# (libbpf1 and libjson-c5 come with iproute2 and systemd; the rest must not be there.)
libs="libinih1 libcurl4 libmicrohttpd12 libmaxminddb0"
absent=$(for p in $libs; do chroot "$SYS_ROOT" dpkg-query -W -f='${Status}\n' $p 2>/dev/null | grep -q 'ok installed' || echo $p; done | xargs)
check_eq "the fresh root lacks torwatch's other libraries" "$libs" "$absent"
# The container has no way out: what apt will need is downloaded first.
sys_chroot sh -c "apt-get update -qq && apt-get install -qq -d -y /root/$debname" >"$T/apt-d.log" 2>&1 ||
	{ echo "SKIP: the Debian archive cannot be reached: $(tail -2 "$T/apt-d.log")"; exit 77; }

sys_net
export SYS_PID C X EXIT4 HOST4
export -f sys_in sys_prop sys_sh
check "the root boots with systemd as PID 1" sys_boot
export SYS_PID
check_eq "cgroup v2 (unified) in the container" cgroup2fs "$(sys_in stat -fc %T /sys/fs/cgroup)"
check "bpffs is not mounted before the install (prepare must mount it)" bash -c "! sys_in mountpoint -q /sys/fs/bpf 2>/dev/null"

# --- install: the user made, the service enabled and started ----------------
sys_in apt-get install -y /root/$debname >"$T/apt.log" 2>&1
check_eq "apt install ./$debname" 0 $?
present=$(for p in $libs; do sys_in dpkg-query -W -f='${Status}\n' $p 2>/dev/null | grep -q 'ok installed' && echo $p; done | xargs)
check_eq "its Depends pulled every runtime library" "$libs" "$present"
check "the user torwatch exists" sys_in id torwatch
check_eq "the config is the service's group's, not the world's" "root:torwatch 640" \
	"$(sys_in stat -c '%U:%G %a' /etc/torwatch/torwatch.conf)"
check_eq "the unit is enabled" enabled "$(sys_in systemctl is-enabled torwatch)"
wait_for 10 bash -c '[ "$(sys_prop SubState)" = running ]'
check_eq "active (running) within 10 s of the install" "active running" "$(sys_prop ActiveState) $(sys_prop SubState)"
check "the postinst start did not fail" bash -c "! grep -q 'Could not execute systemctl' '$T/apt.log'"
check "XDP is attached to eth0" bash -c "ip -n $C -j link show eth0 | jq -e '.[0].xdp.prog.id > 0'"
status=$(sys_prop StatusText)
echo "# STATUS: $status"
check "STATUS names the interface" grep -q "watching eth0" <<<"$status"
# No feed answered (the container has no way out), and the snapshot is old.
check "STATUS does not call the 995-day-old snapshot current" grep -Eq "feeds (STALE|OLD \(newest data [0-9]+d)" <<<"$status"

# --- the owner's settings: a deny file, sinks, metrics ----------------------
cat >"$SYS_ROOT/root/receiver.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open('/root/webhook.jsonl', 'ab') as f:
            f.write(body.rstrip(b'\n') + b'\n')
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', 8099), H).serve_forever()
EOF
# A transient unit: systemd forgets it once stopped, so bringing it back is
# a new systemd-run under a new name, never `systemctl start`.
start_receiver() { sys_in systemd-run -q --collect --unit="$1" python3 /root/receiver.py; }
start_receiver tw-receiver
# A fresh root's first python3 compiles its modules: seconds, at times.
check "the webhook receiver listens" wait_for 60 sys_in bash -c "ss -Htln 'sport = :8099' | grep -q ."
echo $EXIT4 >"$SYS_ROOT/etc/torwatch/exits.txt"
# Each setting is given once (a second line is refused): the owner's
# values replace the shipped ones.
sed -i -E '/^(sources|deny-file|allowed-ports|metrics-listen|egress-exclude) =/d' \
	"$SYS_ROOT/etc/torwatch/torwatch.conf"
cat >>"$SYS_ROOT/etc/torwatch/torwatch.conf" <<EOF
sources = none
deny-file = /etc/torwatch/exits.txt
allowed-ports = 22
metrics-listen = 127.0.0.1:9101
# The fake exit node is in a documentation range, which the default leaves out.
egress-exclude = 127.0.0.0/8,::1

[sink journal]
url = syslog:

[sink fields]
url = journal:

[sink hook]
url = webhook+http://127.0.0.1:8099/
# Small, so that high alerts raised while the receiver is down go to the
# spool on disk: its writes run under the sandbox too.
queue-size = 2
EOF
# Any call the seccomp filter refuses gets an errno torwatch never sees
# otherwise, so a refusal anywhere shows in the journal by its text.
mkdir -p "$SYS_ROOT/etc/systemd/system/torwatch.service.d"
printf '[Service]\nSystemCallErrorNumber=ENOTRECOVERABLE\n' >"$SYS_ROOT/etc/systemd/system/torwatch.service.d/seccomp-probe.conf"
sys_in systemctl daemon-reload
t0=$(date +%s%N)
sys_in systemctl stop torwatch
t1=$(date +%s%N)
sys_in systemctl start torwatch
t2=$(date +%s%N)
echo "# systemctl stop: $(((t1 - t0) / 1000000)) ms; systemctl start to READY: $(((t2 - t1) / 1000000)) ms"
check "a stop does not wait for a name look-up that hangs (under 5 s)" test $(((t1 - t0) / 1000000)) -lt 5000
check_eq "restarted with the owner's settings" "active running" "$(sys_prop ActiveState) $(sys_prop SubState)"
check "READY only once XDP is attached" bash -c "ip -n $C -j link show eth0 | jq -e '.[0].xdp.prog.id > 0'"
# An adopted link keeps its pin (the program in it is swapped in one step).
xdp_link() { sys_in stat -c %i /sys/fs/bpf/torwatch/link_xdp_eth0; }
export -f xdp_link
xdp_id=$(xdp_link)
check "the exit node is listed" sys_in torwatch check $EXIT4

# --- detection under the unit's sandbox ---------------------------------------
# The webhook receiver is down while the alerts below are raised.
sys_in systemctl stop tw-receiver
alerts() { sys_in cat /var/log/torwatch/alerts.json; }
has() { alerts | jq -c "select($1)" 2>/dev/null | grep -q .; }
export -f alerts has
sys_exit ping -c 2 -i 0.2 -W 1 $HOST4 >/dev/null
check "a Tor-exit packet raises tor_traffic" wait_for 10 has ".rule.id==\"tor_traffic\" and .source.ip==\"$EXIT4\""
sys_exit timeout 5 bash -c "exec 3<>/dev/tcp/$HOST4/22; head -c 4 <&3" >/dev/null 2>&1
check "an SSH connection from the exit node raises ssh_from_tor (critical)" \
	wait_for 10 has ".rule.id==\"ssh_from_tor\" and .source.ip==\"$EXIT4\" and .event.severity==99"
# A program under /home (ProtectHome=yes hides /home from the daemon).
sys_sh 'mkdir -p /home/alice/bin && cp /usr/bin/python3.11 /home/alice/bin/listener'
sys_in systemd-run -q --unit=tw-home-listener /home/alice/bin/listener -c \
	'import socket,time; s=socket.socket(); s.bind(("0.0.0.0",4444)); s.listen(); time.sleep(600)'
check "a new listener under /home raises unexpected_listen_port" \
	wait_for 10 has '.rule.id=="unexpected_listen_port" and .destination.port==4444'
check_eq "its process.name is the program's" listener \
	"$(alerts | jq -r 'select(.rule.id=="unexpected_listen_port" and .destination.port==4444) | .process.name' | head -1)"
# The kernel reports the host's pids and the container has a pid namespace
# of its own, so the daemon in it cannot open /proc/PID of what it reports
# (on a host it runs in the first pid namespace). What process.executable
# rests on is checked from the daemon's own mount namespace instead, where
# ProtectHome=yes hides /home: /proc/PID/exe still names the file.
lpid=$(sys_prop MainPID)
hpid=$(sys_in systemctl show -P MainPID tw-home-listener)
check_eq "with ProtectHome=yes, /proc/PID/exe of a program under /home reads right in the daemon's namespace" \
	/home/alice/bin/listener "$(sys_in nsenter -t "$lpid" -m -r readlink /proc/$hpid/exe)"
check "while /home itself is hidden from the daemon" bash -c "! sys_in nsenter -t $lpid -m -r ls /home/alice >/dev/null 2>&1"
# An SSH session from the exit node, and a process in it connecting out.
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
sys_sh "mkdir -p -m 0700 /root/.ssh && cat >/root/.ssh/authorized_keys" <"$T/key.pub"
sys_exit ssh -i "$T/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	-o ConnectTimeout=5 root@$HOST4 "bash -c 'exec 3<>/dev/tcp/$EXIT4/80' 2>/dev/null; true" >/dev/null 2>&1
check "a login from the exit node raises ssh_login_from_tor" wait_for 10 has '.rule.id=="ssh_login_from_tor"'
check "a process of that session connecting out raises sshd_child_egress" \
	wait_for 10 has ".rule.id==\"sshd_child_egress\" and .destination.ip==\"$EXIT4\""
check "the syslog sink delivers to the journal from inside the sandbox" \
	wait_for 10 bash -c "sys_in journalctl -q --no-pager _TRANSPORT=syslog | grep -q 'torwatch.*ssh_from_tor'"
check "the journal: sink's entries are selected by field: journalctl -u torwatch TORWATCH_RULE=ssh_from_tor" \
	wait_for 10 bash -c "sys_in journalctl -q --no-pager -u torwatch TORWATCH_RULE=ssh_from_tor -o json | jq -e 'select(.SOURCE_IP == \"$EXIT4\" and .PRIORITY == \"2\")' >/dev/null"
hook='.alerts.sinks[] | select(.name | startswith("[sink hook]"))'
check "high alerts went to the spool on disk while the receiver was down" \
	test "$(sys_in torwatch status --json | jq "$hook | .spooled")" -gt 0
check "the receiver is back" start_receiver tw-receiver-back
check "and listens" wait_for 60 sys_in bash -c "ss -Htln 'sport = :8099' | grep -q ."
# Retries back off (1 s doubling): the next one comes within some 30 s.
check "the webhook sink delivers from inside the sandbox, the spool included" \
	wait_for 45 bash -c "sys_in cat /root/webhook.jsonl | jq -r .rule.id | grep -qx ssh_from_tor"
check "the spool is empty once delivered" wait_for 10 bash -c \
	"[ \"\$(sys_in torwatch status --json | jq '$hook | .spool_pending')\" = 0 ]"
metrics=$(sys_in python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9101/metrics", timeout=5).read().decode())' 2>&1)
check "--metrics-listen answers" grep -q '^torwatch_exit_packets_total' <<<"$metrics"

# --- reload, restart, stop ----------------------------------------------------
exit_packets() { sys_in torwatch stats --json | jq .totals.exit_packets; }
export -f exit_packets
echo 203.0.113.9 >>"$SYS_ROOT/etc/torwatch/exits.txt"
pid=$(sys_prop MainPID)
sys_in systemctl reload torwatch
check "systemctl reload re-reads the deny file" wait_for 10 sys_in torwatch check 203.0.113.9
check_eq "and the daemon is the same process" "$pid" "$(sys_prop MainPID)"
before=$(exit_packets)
sys_exit ping -c 300 -i 0.01 -W 1 $HOST4 >/dev/null 2>&1 &
pinger=$!
sleep 0.5
sys_in systemctl restart torwatch
wait $pinger
check_eq "restart: every one of 300 packets sent across it is counted" $((before + 300)) "$(exit_packets)"
check_eq "restart: the pinned XDP link was adopted, not replaced" "$xdp_id" "$(xdp_link)"
sys_in systemctl stop torwatch
check_eq "stop: the service is inactive" inactive "$(sys_prop ActiveState)"
before=$(exit_packets)
sys_exit ping -c 3 -i 0.2 -W 1 $HOST4 >/dev/null
check_eq "stop: XDP stays attached and counts on, as the docs promise" $((before + 3)) "$(exit_packets)"
sys_in systemctl start torwatch

# --- a crash and a hang -------------------------------------------------------
restarts=$(sys_prop NRestarts)
pid=$(sys_prop MainPID)
before=$(exit_packets)
sys_in kill -SEGV "$pid"
check "a crash (SIGSEGV) is restarted by Restart=on-failure" \
	wait_for 20 bash -c "[ \"\$(sys_prop NRestarts)\" = $((restarts + 1)) ] && [ \"\$(sys_prop SubState)\" = running ]"
check "with its state kept (counters and the XDP program)" \
	bash -c "[ \"\$(exit_packets)\" -ge $before ] && [ \"\$(xdp_link)\" = $xdp_id ]"
pid=$(sys_prop MainPID)
wd=$(( $(sys_prop WatchdogUSec | sed 's/s$//') ))
sys_in kill -STOP "$pid"
t0=$SECONDS
check "a hang (SIGSTOP) is restarted by the watchdog within WatchdogSec ($wd s) + 15 s" \
	wait_for $((wd + 15)) bash -c "[ \"\$(sys_prop NRestarts)\" = $((restarts + 2)) ] && [ \"\$(sys_prop SubState)\" = running ]"
echo "# the watchdog restarted the stopped daemon after $((SECONDS - t0)) s"
check "the journal says it was the watchdog" bash -c "sys_in journalctl -q --no-pager -u torwatch | grep -q 'Watchdog timeout'"

# --- exposure, readers --------------------------------------------------------
score=$(sys_in systemd-analyze security torwatch 2>&1 | sed -n 's/.*Overall exposure level for torwatch.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security torwatch (the running unit): $score"
check "the running unit's exposure is 3.0 or better (got $score)" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }'
sys_in useradd -m -G torwatch-read alice 2>/dev/null || sys_in usermod -aG torwatch-read alice
sys_in useradd -m bob
check "a member of group torwatch-read reads status" sys_in runuser -u alice -- torwatch status
check "and stats" sys_in runuser -u alice -- torwatch stats
out=$(sys_in runuser -u alice -- timeout 2.5 torwatch top --interval 1 2>&1 | cat)
check "and top (its line-mode output, not a refusal)" grep -q "exit" <<<"$out"
[ -n "$out" ] && echo "# top: $(head -1 <<<"$out")"
out=$(sys_in runuser -u bob -- torwatch status 2>&1); rc=$?
check "a non-member is refused" test $rc != 0
check "in one sentence that says what to do" grep -q "needs root or membership in group 'torwatch-read'" <<<"$out"
check "a reader cannot read the config, where tokens live" bash -c "! sys_in runuser -u alice -- cat /etc/torwatch/torwatch.conf >/dev/null 2>&1"

# --- no seccomp refusal over the whole run ------------------------------------
denied=$(sys_in journalctl -q --no-pager -u torwatch | grep -c 'State not recoverable')
check_eq "no call refused by the seccomp filter (ENOTRECOVERABLE) in the journal" 0 "$denied"
kern=$(dmesg 2>/dev/null | awk -v t="$TEST_START" '/type=1326/ && /comm="torwatch"/' | wc -l)
check_eq "no SECCOMP audit record from torwatch in the kernel log" 0 "$kern"

# --- an upgrade from the previous build ---------------------------------------
ver=$(dpkg-deb -f "$DEB" Version)
mkdir -p "$T/next" && dpkg-deb -R "$DEB" "$T/next/pkg"
sed -i "s/^Version: .*/Version: $ver+next1/" "$T/next/pkg/DEBIAN/control"
dpkg-deb -b --root-owner-group "$T/next/pkg" "$SYS_ROOT/root/torwatch_next.deb" >/dev/null
before=$(exit_packets)
pid=$(sys_prop MainPID)
sys_in apt-get install -y /root/torwatch_next.deb >"$T/upgrade.log" 2>&1
check_eq "apt install of the next build upgrades" "$ver+next1" "$(sys_in dpkg-query -W -f='${Version}' torwatch)"
check "the service was restarted by the upgrade" bash -c "[ \"\$(sys_prop MainPID)\" != $pid ] && [ \"\$(sys_prop SubState)\" = running ]"
check_eq "the upgrade kept the pinned link" "$xdp_id" "$(xdp_link)"
check "and the counters" test "$(exit_packets)" -ge "$before"
check "and the owner's edited config (a conffile)" grep -q "^deny-file = /etc/torwatch/exits.txt" "$SYS_ROOT/etc/torwatch/torwatch.conf"

# --- remove, purge -------------------------------------------------------------
sys_in apt-get remove -y torwatch >"$T/remove.log" 2>&1
check_eq "apt remove" 0 $?
check_eq "remove stops the service" inactive "$(sys_in systemctl is-active torwatch)"
check "remove detaches XDP" bash -c "ip -n $C -j link show eth0 | jq -e '.[0].xdp == null'"
check "and removes the pins" bash -c "! sys_in test -e /sys/fs/bpf/torwatch"
check "the config, state and logs stay until purge" sys_in test -e /etc/torwatch/torwatch.conf -a -d /var/lib/torwatch -a -d /var/log/torwatch
sys_in apt-get purge -y torwatch >"$T/purge.log" 2>&1
check_eq "apt purge" 0 $?
check "purge removes the config, state and logs" bash -c "! sys_in ls -d /etc/torwatch /var/lib/torwatch /var/log/torwatch 2>/dev/null | grep -q ."
echo "# system tier: package test took $(( $(date +%s) - TEST_START )) s"
finish
