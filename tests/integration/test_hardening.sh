#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What a security review found, each as an attack or a careless setup:
# every thread's capabilities after the start (not only the main thread's),
# a symlink planted where root writes --output, a fetched list that names
# half the Internet while block mode is on, unload and prepare pointed at
# directories that are not torwatch's, and a symlink planted among the pins.
. "$(dirname "$0")/lib.sh"
require_root
one_exit_node
SERVER="$(cd "$(dirname "$0")/../tools" && pwd)/feed_server.py"
mkdir -p "$T/www"
printf '0.0.0.0/1\n128.0.0.0/1\n%s\n' $EXIT4 >"$T/www/wide.txt"
nsenter --net="/run/netns/$H" python3 "$SERVER" --root "$T/www" --log "$T/requests.json" \
	--portfile "$T/port" 2>>"$T/server.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; cleanup' EXIT
wait_for 10 test -s "$T/port"
PORT=$(cat "$T/port")
MPORT=$((20000 + ID % 20000))

# Secrets only in the config, as the README says: a token in a sink's path and query.
printf '[sink tok]\nurl = webhook+http://127.0.0.1:9/services/T0/B0/s3cr3tPATH?token=s3cr3tQUERY\n' >"$T/sinks.conf"
# An Onionoo "bomb": 16 MB of empty relays (a json-c tree of it took 4.2 GB).
python3 -c 'import sys; n = 16 << 20; sys.stdout.write("{\"relays\":[" + "{}," * (n // 3) + "{}]}")' >"$T/www/bomb.json"
printf '[run]\nmax-body = 32M\n[source bomb]\nurl = http://127.0.0.1:%s/f/bomb.json\nformat = onionoo\n' "$PORT" >>"$T/sinks.conf"

# --- capabilities, thread by thread -------------------------------------------
check "the daemon starts with a fetched feed, metrics and an HTTP sink, in block mode" \
	start_daemon "$H" -i vX --feed "http://127.0.0.1:$PORT/f/wide.txt" --deny-file "$T/exits.txt" \
	--metrics-listen 127.0.0.1:$MPORT -c "$T/sinks.conf" --block
# CAP_BPF (39), CAP_SYS_PTRACE (19), CAP_NET_ADMIN (12): what the main thread keeps.
RUNNING=0000008000081000
n=0 wider=0 nnp=0 bound=0 none=0
for st in /proc/$DAEMON_PID/task/*/status; do
	eff=$(awk '/^CapEff/ {print $2}' "$st"); bnd=$(awk '/^CapBnd/ {print $2}' "$st")
	n=$((n + 1))
	[ $((0x$eff & ~0x$RUNNING)) = 0 ] || wider=$((wider + 1))
	[ $((0x$bnd & ~0x$RUNNING)) = 0 ] || bound=$((bound + 1))
	[ "$(awk '/^NoNewPrivs/ {print $2}' "$st")" = 1 ] || nnp=$((nnp + 1))
	[ "$eff" = 0000000000000000 ] && none=$((none + 1))
done
echo "# $n threads; $none with no capability at all"
check "there are helper threads to look at (fetch, delivery, apply, metrics)" test $n -ge 5
check_eq "no thread holds a capability beyond CAP_BPF, CAP_NET_ADMIN, CAP_SYS_PTRACE" 0 $wider
check_eq "no thread's bounding set holds more" 0 $bound
check_eq "every thread has no_new_privs" 0 $nnp
check "the threads that talk to the network (fetch, delivery) hold none" test $none -ge 2

# --- the Onionoo bomb: parsed as a stream, on the fetch thread ------------------
bomb_done() { tw_in "$H" feed show --json | jq -e '.sources[] | select(.name=="bomb") | .state == "rejected"'; }
check "the 16 MB Onionoo bomb is read and refused (no relay has an address)" wait_for 30 bomb_done
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$DAEMON_PID/status)
echo "# the daemon's peak RSS after the bomb: $((hwm / 1024)) MiB"
check "its peak RSS stayed under 160 MiB (the body itself is 16)" test "$hwm" -lt $((160 * 1024))

# --- a token in a sink URL stays in the config ----------------------------------
seen=$(cat "$T/daemon.log"; tw_in "$H" status; tw_in "$H" status --json; tw_in "$H" stats --prometheus;
       in_ns "$H" curl -s http://127.0.0.1:$MPORT/metrics; cat "$T/alerts.json")
check_eq "the sink URL's path and query token are in no log, status, metric or alert" "" \
	"$(grep -o 's3cr3t[A-Z]*' <<<"$seen" | sort -u)"
check "the sink is still named by its section and host" grep -q "\[sink tok\] webhook+http://127.0.0.1:9/\.\.\." <<<"$seen"

# --- a fetched list with 0.0.0.0/1 and 128.0.0.0/1 ------------------------------
check "the list is refused with feed_rejected, naming the prefix" wait_for 10 \
	has_alert '.rule.id=="feed_rejected" and (.message | test("0.0.0.0/1, wider than the /24"))'
out=$(tw_in "$H" check 8.8.8.8 2>&1); rc=$?
check_eq "8.8.8.8 is not an exit node" 1 $rc
check "the exit node of the deny file still is" tw_in "$H" check $EXIT4
# Block mode is on: SSH from an address that is not listed still gets through.
add_netns "twc-$ID"; link_ns "$H" vC "twc-$ID" eC
add_addrs "$H" vC 203.0.113.1/24; add_addrs "twc-$ID" eC 203.0.113.5/24
in_ns "$H" python3 -c 'import socket,time; s=socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(("::",22)); s.listen(); time.sleep(60)' &
wait_for 5 nsenter --net="/run/netns/$H" sh -c "ss -Htln 'sport = :22' | grep -q ."
check "block mode: SSH from an unlisted address still connects" \
	in_ns "twc-$ID" python3 -c 'import socket; socket.create_connection(("203.0.113.1",22), timeout=3)'

# --- block mode against a SYN an evader shapes (raw frames from the exit) ---------
EXIT6=2001:db8::7 HOST6=2001:db8::1
add_addrs "$H" vX $HOST6/64; add_addrs "$X" eX $EXIT6/64
ip -n "$H" neigh add $EXIT6 lladdr "$(mac_of "$X" eX)" dev vX nud permanent
ip -n "$X" neigh add $HOST6 lladdr "$(mac_of "$H" vX)" dev eX nud permanent
echo $EXIT6 >>"$T/exits.txt" && kill -HUP $DAEMON_PID
wait_for 10 tw_in "$H" check $EXIT6
EVADE="$(cd "$(dirname "$0")/../tools" && pwd)/evasive_syn.py"
evade() { in_ns "$X" python3 "$EVADE" eX "$(mac_of "$H" vX)" "$@" 22 "$EVASION"; }
uninspectable() { tw_in "$H" stats --json | jq .totals.dropped_uninspectable; }
tw_in "$H" block disable >/dev/null
check_eq "block off: a SYN in two fragments (8 bytes of TCP first) reaches port 22" synack "$(EVASION=frag4 evade $EXIT4 $HOST4)"
check_eq "block off: a SYN behind 7 destination options reaches port 22" synack "$(EVASION=dstopts6 evade $EXIT6 $HOST6)"
tw_in "$H" block enable --force >/dev/null
u0=$(uninspectable)
check_eq "block on: the fragmented SYN from an exit node gets no answer" none "$(EVASION=frag4 evade $EXIT4 $HOST4)"
check_eq "block on: the SYN behind 7 destination options gets none" none "$(EVASION=dstopts6 evade $EXIT6 $HOST6)"
check_eq "and the three frames are counted as uninspectable drops" $((u0 + 3)) "$(uninspectable)"

printf '%s\n' $EXIT4 >"$T/www/wide.txt"
check "a local deny file may still list a wide prefix" bash -c "echo 100.64.0.0/10 >>'$T/exits.txt' && kill -HUP $DAEMON_PID"
check "... and it is taken" wait_for 10 tw_in "$H" check 100.64.1.1
stop_daemon

# --- --output into a directory another user owns --------------------------------
D=$T/collector
mkdir -p "$D" && chown nobody "$D" && chmod 0755 "$D" && chmod 0711 "$T"
echo "root's secret" >"$T/victim" && chmod 0600 "$T/victim"
# The pid of 'exec torwatch' is the shell's: planted where the old code wrote.
runuser -u nobody -- ln -s "$T/victim" "$D/torwatch.prom"
bash -c "runuser -u nobody -- ln -s '$T/victim' '$D/torwatch.prom.tmp.'\$\$; exec '$TW' stats --prometheus --output '$D/torwatch.prom' --pin-root '$PIN'" >/dev/null 2>&1
check_eq "root's file behind the planted symlinks is untouched" "root's secret" "$(cat "$T/victim")"
check "the output replaced the symlink with a file of its own" bash -c "[ -f '$D/torwatch.prom' ] && [ ! -L '$D/torwatch.prom' ] && grep -q torwatch_ '$D/torwatch.prom'"
check_eq "and is not the other user's" root "$(stat -c %U "$D/torwatch.prom")"

# --- unload and prepare on directories that are not torwatch's ------------------
mkdir -p "$T/notpins" && touch "$T/notpins/keep"
out=$("$TW" unload --pin-root "$T/notpins" 2>&1); rc=$?
check_eq "unload refuses a directory outside bpffs" 2 $rc
check "and deletes nothing there" test -e "$T/notpins/keep"
OTHER=/sys/fs/bpf/other-tool-$ID
mkdir -p $OTHER && bpftool map create $OTHER/their_map type array key 4 value 4 entries 1 name their_map
out=$("$TW" unload --pin-root $OTHER 2>&1); rc=$?
check_eq "unload refuses another tool's bpffs folder" 2 $rc
check "saying it is not torwatch's" grep -q "not torwatch's" <<<"$out"
check "and its map stays" test -e $OTHER/their_map
out=$("$TW" prepare --user nobody --pin-root $OTHER 2>&1); rc=$?
check_eq "prepare refuses another tool's folder" 2 $rc
check_eq "and gives none of it away" root "$(stat -c %U $OTHER/their_map)"
out=$("$TW" prepare --user nobody --pin-root /sys/fs/bpf 2>&1); rc=$?
check_eq "prepare refuses bpffs' top as a pin root" 2 $rc
rm -rf $OTHER

# --- a symlink planted among the pins --------------------------------------------
echo "data" >"$T/target" && chmod 0600 "$T/target"
ln -s "$T/target" "$PIN/planted"
check "the daemon starts again over the pins" start_daemon "$H" -i vX --deny-file "$T/exits.txt"
check_eq "sharing the pins with the group did not chmod through the symlink" 600 "$(stat -c %a "$T/target")"
rm -f "$PIN/planted"
finish
