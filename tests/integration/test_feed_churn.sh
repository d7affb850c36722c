#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# One fetched source that churns (a new 1,500 addresses at every fetch, each
# kept until expire-after) beside an honest one: the churning source's share
# is bounded, and when the sources together no longer fit the maps, the
# largest fetched one is left out with feed_rejected, and what the healthy
# sources give is still applied. (Before, every apply failed, an address
# added to the honest source never reached the maps, and feed show said ok.)
. "$(dirname "$0")/lib.sh"
require_root
one_exit_node
SERVER="$(cd "$(dirname "$0")/../tools" && pwd)/feed_server.py"
mkdir -p "$T/www"
churn() { python3 -c "import sys; b = int(sys.argv[1]); print('\n'.join('100.%d.%d.%d' % (64 + (i >> 16), (i >> 8) & 255, i & 255) for i in range(b, b + 1500)))" "$1" >"$T/www/churn.txt"; }
churn 0
echo $EXIT4 >"$T/www/honest.txt"
nsenter --net="/run/netns/$H" python3 "$SERVER" --root "$T/www" --log "$T/requests.json" \
	--portfile "$T/port" 2>>"$T/server.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; cleanup' EXIT
wait_for 10 test -s "$T/port"
P=http://127.0.0.1:$(cat "$T/port")
state() { tw_in "$H" feed show --json | jq -r --arg u "$1" '.sources[] | select(.url | startswith($u)) | .state'; }
check "the daemon starts with a churning and an honest feed, room for 2,048" \
	start_daemon "$H" -i vX --feed $P/f/churn.txt --feed $P/f/honest.txt --max-exits 2048 \
	--expire-after 48h --max-shrink 100
check "both are applied while they fit (1,501 entries)" wait_for 10 tw_in "$H" check 100.64.0.5
churn 1500
printf '%s\n198.51.100.8\n' $EXIT4 >"$T/www/honest.txt"
tw_in "$H" feed update >/dev/null 2>&1
check "the honest source's new address reaches the maps" wait_for 10 tw_in "$H" check 198.51.100.8
check "the churning source is left out with feed_rejected" wait_for 5 \
	has_alert '.rule.id=="feed_rejected" and (.message | test("do not fit in the maps beside"))'
check_eq "and feed show says so for it" rejected "$(tw_in "$H" feed show --json | jq -r '.sources[] | select((.error // "") | test("do not fit")) | .state')"
out=$(tw_in "$H" check 100.64.5.200 2>&1); rc=$?
check_eq "its entries are out of the set meanwhile" 1 $rc
n=$(tw_in "$H" feed show --json | jq '[.sources[] | select((.error // "") | test("do not fit")) | .listed] | first')
check_eq "the churning source lists its last 1,500" 1500 "$n"
stop_daemon
finish
