#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# No critical alert lost to SIGKILL: 1,000 real TCP connections from a fake
# exit node to the SSH port raise 1,000 ssh_from_tor alerts; a webhook
# receiver takes one a POST and answers slowly, so most still wait when
# the daemon is killed with SIGKILL. They were written ahead to the spool:
# after a restart the receiver gets every one of the 1,000 event ids, and
# at most the one POST in flight at the kill twice.
. "$(dirname "$0")/lib.sh"
require_root
N=${N:-1000}
one_exit_node
receiver_in "$H" slow:20
# The SSH port: a server that accepts and closes (the connection is what
# the alert is about; no SSH is spoken).
accept_and_close "$H" 22
trap 'kill $RPID $ACCEPT_PID 2>/dev/null; cleanup' EXIT
check "the receiver listens" wait_for 5 test -s "$T/recv/port"
P=$(cat "$T/recv/port")
cat >"$T/run.conf" <<EOT
[run]
interface = vX
feed = $T/exits.txt
allowed-ports = 22
[sink hook]
url = webhook+http://127.0.0.1:$P/hook
rules = ssh_from_tor
EOT
check "the daemon starts with a slow webhook receiver" start_daemon "$H" -c "$T/run.conf"
tcp_connects "$X" $N $EXIT4 $HOST4 22 >/dev/null
raised() { jq -r 'select(.rule.id == "ssh_from_tor") | .event.id' "$T/alerts.json" | sort -u; }
received() { jq -r '.body | fromjson | .event.id' "$T/recv/requests.jsonl" 2>/dev/null; }
check "the daemon raised $N ssh_from_tor alerts (its alert file)" wait_for 30 sh -c "[ \$(jq -r 'select(.rule.id == \"ssh_from_tor\") | .event.id' $T/alerts.json | sort -u | wc -l) -ge $N ]"
check "the receiver has some of them" wait_for 10 sh -c "[ \$(wc -l <$T/recv/requests.jsonl) -ge 20 ]"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
before=$(received | sort -u | wc -l)
echo "# at the SIGKILL the receiver had $before of $N"
check "most were still waiting at the kill" test "$before" -lt $((N / 2))
spool=$(ls "$T/state/spool/"hook-*.spool)
check "the spool holds them on disk" test "$(stat -c %s "$spool")" -gt $((N * 500))

echo ok >"$T/recv/mode"
check "the daemon starts again after the kill" start_daemon "$H" -c "$T/run.conf"
check "it finds the alerts not delivered in its spool" \
	grep -q "alerts from an earlier run wait in its spool" "$T/daemon.log"
all_in() { [ -z "$(comm -23 <(raised) <(received | sort -u))" ]; }
check "the receiver gets every one of the $N event ids" wait_for 60 all_in
total=$(received | wc -l) unique=$(received | sort -u | wc -l)
echo "# received $total alerts, $unique distinct: $((total - unique)) twice"
check "at most the one POST in flight at the kill came twice" test $((total - unique)) -le 1
check_eq "nothing the daemon did not raise" "" "$(comm -13 <(raised) <(received | sort -u))"
# In order: each alert's first arrival comes after the one raised before it.
firsts() { jq -r '.body | fromjson | "\(.event.id) \(.["@timestamp"])"' "$T/recv/requests.jsonl" | awk '!seen[$1]++ { print $2 }'; }
firsts | sort -c 2>/dev/null
check_eq "in order: each alert arrived after the one raised before it" 0 $?

# The killed daemon's figures outlive it: status of the next one shows them.
check "the new daemon says the one before ended without a clean stop" \
	grep -q "the daemon before (pid [0-9]*) ended without a clean stop" "$T/daemon.log"
earlier() { tw_in "$H" status --json | jq -r ".alerts.earlier_daemons | $1"; }
check_eq "status: 1 earlier daemon, ended without a clean stop" "1 1" "$(earlier '"\(.runs) \(.unclean)"')"
check "status: it had raised the $N alerts and written them ahead" \
	test "$(earlier .raised)" -ge $N -a "$(earlier .spooled)" = $N
stop_daemon
check "a clean stop, and a start again" start_daemon "$H" -c "$T/run.conf"
# A daemon publishes its figures once a second: the killed one's last
# second (50 deliveries at most to this receiver) may be missing.
check_eq "status: 2 earlier daemons, still 1 unclean, about $N delivered between them" "2 1 true" \
	"$(earlier '"\(.runs) \(.unclean) \(.delivered >= '$((N - 50))' and .delivered <= '$((N + 1))')"')"
check "the text says so" grep -q 'before:    2 earlier daemons since .*(1 ended without a clean stop' <<<"$(tw_in "$H" status)"
stop_daemon
check "unload" tw_in "$H" unload
finish
