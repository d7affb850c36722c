#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The privilege model, for real (setpriv; no systemd as PID 1 here): the
# daemon as its own user with exactly the unit's capabilities, what it keeps
# once attached, what it says without them; the read-only commands for a
# member of the readers' group, one sentence for everybody else. The
# detections themselves run as the service in test_as_service_*.sh.
. "$(dirname "$0")/lib.sh"
require_root
service_setup

H=twh-$ID X=twx-$ID
EXIT4=198.51.100.7 HOST4=198.51.100.1
host_and_exit
echo $EXIT4 >"$T/exits.txt"
id -u twtest-reader >/dev/null 2>&1 || useradd --system --no-create-home -G $SVC_GROUP twtest-reader
id -u twtest-outsider >/dev/null 2>&1 || useradd --system --no-create-home twtest-outsider
as() { local u=$1; shift; setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"; }
# as, inside namespace NS (nsenter execs setpriv: no shell function between).
in_ns_as() {
	local ns=$1 u=$2
	shift 2
	nsenter --net=/run/netns/$ns setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"
}
as_reader() { nsenter --net=/run/netns/$H setpriv --reuid twtest-reader --regid twtest-reader --init-groups "$TW" "$@" --pin-root "$PIN"; }

# --- without the capabilities: one sentence, naming them ---
"$TW" prepare --user $SVC_USER --pin-root "$PIN"
out=$(in_ns_as "$H" $SVC_USER "$TW" run -i vX --pin-root "$PIN" --state-dir "$T/state" 2>&1); rc=$?
check_eq "the service user without capabilities cannot start" 1 $rc
check "and is told which capabilities, in one line" grep -qx "torwatch: error: torwatch run needs the capabilities CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN.* and lacks CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN.*: run it as root (sudo) or with those capabilities, as the systemd unit does" <<<"$out"
out=$(in_ns_as "$H" $SVC_USER --inh-caps +bpf,+net_admin --ambient-caps +bpf,+net_admin "$TW" run -i vX --pin-root "$PIN" --state-dir "$T/state" 2>&1)
check "with one of them missing, that one is named" grep -q "and lacks CAP_PERFMON" <<<"$out"
check "a refused start leaves XDP off the interface" sh -c "! ip -n $H -j link show vX | jq -e '.[0].xdp != null' >/dev/null"

# --- as the service: the unit's capabilities, then only what it keeps ---
check "the daemon starts as $SVC_USER with the unit's capabilities" start_daemon "$H" -i vX --feed "$T/exits.txt"
check "it logs what it kept" grep -q "capabilities after the start: cap_net_admin,cap_sys_ptrace,cap_bpf" "$T/daemon.log"
check_eq "its bounding set is the unit's" 000000c000081004 "$(awk '/^CapBnd/ {print $2}' /proc/$DAEMON_PID/status)"
check_eq "no ambient capabilities are left for its children" 0000000000000000 "$(awk '/^CapAmb/ {print $2}' /proc/$DAEMON_PID/status)"
check_eq "no new privileges" 1 "$(awk '/^NoNewPrivs/ {print $2}' /proc/$DAEMON_PID/status)"
check_eq "the pin root is the service's, searchable (not listable) by the readers' group" "$SVC_USER $SVC_GROUP 710" "$(stat -c '%U %G %a' "$PIN")"
check_eq "a map pin: group-readable" "640" "$(stat -c %a "$PIN/counters")"
check_eq "the XDP link pin: the owner's alone" "600" "$(stat -c %a "$PIN/link_xdp_vX")"
check_eq "the reset program: the owner's alone" "600" "$(stat -c %a "$PIN/prog_reset_counters")"
# The event loop (the main thread) in the class the unit gives, no helper in it.
classes() { ps -L -o tid=,cls= -p "$DAEMON_PID" | thread_classes "$DAEMON_PID"; }
check_eq "the event loop is in SCHED_RR, every helper thread in the normal class" "helper TS loop RR " "$(classes)"
check "it says so" grep -q "the event loop runs in the real-time class (SCHED_RR 1)" "$T/daemon.log"
in_ns "$X" ping -q -c 3 -i 0.05 $HOST4 >/dev/null
check "it alerts on exit traffic" wait_for 3 grep -q '"rule":{"id":"tor_traffic"' "$T/alerts.json"
check "SIGHUP works with the capabilities dropped" sh -c "kill -HUP $DAEMON_PID && sleep 0.5 && kill -0 $DAEMON_PID"
printf '%s\n198.51.100.8\n' $EXIT4 >"$T/exits.txt"
check "a new exit set is applied with the capabilities dropped" wait_for 5 grep -q "exit set: 2 IPv4" "$T/daemon.log"

# --- the readers' group: the read-only commands work ---
check_eq "a group member: status" running "$(as_reader status --json | jq -r 'if .daemon.running then "running" else "no" end')"
check_eq "... stats" 3 "$(as_reader stats --json | jq .totals.exit_packets)"
# Its fd is read-only and the kernel maps no map through one: the exact
# table is read by fd, with the same rows as the owner's mapping.
check_eq "... the exit node's row, read from the exact table without a mapping" "$EXIT4 3" \
	"$(as_reader stats --json | jq -r ".sources[] | select(.source==\"$EXIT4\") | \"\(.source) \(.packets)\"")"
check_eq "... the same row as root's" "$(tw_in "$H" stats --json | jq -c ".sources[] | select(.source==\"$EXIT4\") | .packets")" \
	"$(as_reader stats --json | jq -c ".sources[] | select(.source==\"$EXIT4\") | .packets")"
check "... check" as_reader check $EXIT4
check "... feed show" as_reader feed show
check_eq "... block show" off "$(as_reader block show --json | jq -r .mode)"
check "... top (as plain lines)" grep -q "exit_pps=" <<<"$(timeout 2.5 nsenter --net=/run/netns/$H setpriv --reuid twtest-reader --regid twtest-reader --init-groups "$TW" top --interval 1 --pin-root "$PIN" | cat)"
check_eq "... stats --prometheus: the daemon is up" "torwatch_daemon_up 1" "$(as_reader stats --prometheus | grep '^torwatch_daemon_up ')"
out=$(as_reader block enable 2>&1); rc=$?
check_eq "... but not block enable" 2 $rc
check_eq "which says so in one sentence" "torwatch: changing the state pinned under $PIN needs root (or the torwatch service user): run it with sudo" "$out"
out=$(as_reader stats reset 2>&1)
check "... nor stats reset" grep -q "changing the state pinned under $PIN needs root" <<<"$out"
check_eq "and the counters are untouched" 3 "$(as_reader stats --json | jq .totals.exit_packets)"

# --- the single-instance lock: a reader cannot take it, and no lock holder
# but a torwatch daemon is ever signalled ---
out=$(setpriv --reuid twtest-reader --regid twtest-reader --init-groups flock -n "$PIN" true 2>&1); rc=$?
check "a group member cannot open the pin root to take the daemon's lock" test $rc != 0
stop_daemon
# A process that is not torwatch holds the lock, as a reader could once.
bash -c "exec 9<'$PIN'; flock -n 9 && exec sleep 60" &
locker=$!
wait_for 5 grep -q "FLOCK.* $locker " /proc/locks
out=$("$TW" feed update --pin-root "$PIN" 2>&1); rc=$?
check_eq "feed update with a lock held by another program exits 2" 2 $rc
check "and says nothing was signalled" grep -q "not a torwatch daemon holding it; nothing was signalled" <<<"$out"
check "the program holding the lock was not signalled" kill -0 $locker
kill $locker; wait $locker 2>/dev/null

# --- anybody else: one sentence naming the group ---
out=$(as twtest-outsider "$TW" status --pin-root "$PIN" 2>&1); rc=$?
check_eq "an outsider's status exits 2" 2 $rc
check_eq "with one sentence naming the group" "torwatch: reading the state pinned under $PIN needs root or membership in group '$SVC_GROUP': run it with sudo, or ask for 'usermod -aG $SVC_GROUP twtest-outsider'" "$out"
out=$(as twtest-outsider "$TW" stats --pin-root "$PIN" 2>&1)
check_eq "never a libbpf dump" "" "$(grep libbpf <<<"$out")"

stop_daemon

# --- the scheduling class outside the unit ---
unit_as=("${AS_SERVICE[@]}")
# Without the class at exec and without CAP_SYS_NICE: a warning, not a failed start.
AS_SERVICE=("${unit_as[@]:4}")
: >"$T/daemon.log"
check "as the service user, with no class given, it still starts" start_daemon "$H" -i vX
check_eq "in the normal class" "helper TS loop TS " "$(classes)"
check "saying why, in one warning" grep -q "the event loop stays in the normal scheduling class: Operation not permitted; alerts may wait behind busy processes" "$T/daemon.log"
stop_daemon
# The quick start: root takes the class itself.
AS_SERVICE=()
: >"$T/daemon.log"
check "as root" start_daemon "$H" -i vX
check_eq "it takes the class itself, and the helpers do not" "helper TS loop RR " "$(classes)"
check_eq "a run without sleeping is bounded (RLIMIT_RTTIME, us)" "500000 1500000" "$(awk '/Max realtime timeout/ {print $4, $5}' /proc/$DAEMON_PID/limits)"
stop_daemon
# realtime-loop = no leaves the class the unit gave.
AS_SERVICE=("${unit_as[@]}")
: >"$T/daemon.log"
check "as the service, realtime-loop = no" start_daemon "$H" -i vX --realtime-loop no
check_eq "leaves the class the unit gave" "helper TS loop TS " "$(classes)"
check "with no warning" sh -c "! grep -q 'real-time\|normal scheduling class' '$T/daemon.log'"
stop_daemon
check "unload as root" tw_in "$H" unload

# --- prepare takes the pin root from the config the unit names ---
printf '[run]\npin-root = %s\n' "$PIN-cfg" >"$T/prep.conf"
check "prepare --config" "$TW" prepare --user $SVC_USER --config "$T/prep.conf"
check_eq "readies the config's pin root for the service user" "$SVC_USER" "$(stat -c %U "$PIN-cfg" 2>&1)"
check "--pin-root wins over the config" "$TW" prepare --user $SVC_USER --config "$T/prep.conf" --pin-root "$PIN-cli"
check_eq "... readying that one" "$SVC_USER" "$(stat -c %U "$PIN-cli" 2>&1)"
rmdir "$PIN-cfg" "$PIN-cli"
printf '[run]\nxdp-mode = fast\n' >"$T/bad-prep.conf"
out=$("$TW" prepare --user $SVC_USER --config "$T/bad-prep.conf" 2>&1); rc=$?
check_eq "a config that does not parse stops prepare" 2 $rc
check "naming file, line and reason" grep -q "$T/bad-prep.conf:2: xdp-mode must be auto, native or skb" <<<"$out"
finish
