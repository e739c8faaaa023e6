#!/bin/sh
# converge.sh: the prune flow, run exactly as the README prints it
#   ipstore-prune --older-than 720h --removed \
#     | nfw-sync --rule-group blocklist --remove | ipstore forget
# against the Network Firewall stand-in, fails or is killed, and the next
# run converges: the group blocks exactly the store's active entries and
# nothing is pending. Never, after any failure, does the group block an
# address the store has forgotten. Failures: a dead endpoint (nfw-sync
# exits 3), and kill -9 of ipstore-prune at a random point of a big prune,
# several times. Also the manual's unblock examples, whole.
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/store/common.sh"
plan 26
# (valgrind pass: the store's programs; nfw-sync has its own tests)
vg_only ipstore ipstore-prune
reset_store
cd "$TMP" || exit 99

# our two rules empty, and room for many blocks
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))
    | .RuleGroupResponse.Capacity = 30000' "$FIXTURES/nfw/group.json" \
    > "$TMP/group.json"
start_fake "$TMP/group.json"
export AWS_MAX_ATTEMPTS=2

at() { SECHUB_NOW=$1; export SECHUB_NOW; }
# the store's and the group's addresses, one per line, sorted
active() { ipstore list | field HostIp | sort; }
known() { ipstore list --all | field HostIp | sort; }
# the addresses the group's Sources rule blocks, /32 blocks expanded
group() {
	blocked 30000 Sources | tr ' ' '\n' | sed '/^$/d' | python3 -c '
import ipaddress, sys
for l in sys.stdin:
    for a in ipaddress.ip_network(l.strip()):
        print(a)' | sort
}
# the prune flow, as the README prints it; extra nfw-sync options first
flow() {
	ipstore-prune --older-than 720h --removed |
	    nfw-sync --rule-group blocklist --remove "$@" | ipstore forget
}
# converged DESC: the group blocks exactly the active entries, none pending
converged() {
	active > "$TMP/a"
	group > "$TMP/g"
	is "$(comm -3 "$TMP/a" "$TMP/g" | head -5)$(ipstore count --removed)" \
	    "0" "$1: the group blocks exactly the active entries, none pending"
}
# never_forgotten DESC: whatever the group blocks, the store knows
never_forgotten() {
	known > "$TMP/k"
	group > "$TMP/g"
	is "$(comm -13 "$TMP/k" "$TMP/g" | head -5)" "" \
	    "$1: nothing the group blocks is forgotten"
}
# block: make the group block exactly the active entries (a reconcile)
block() {
	ipstore list | nfw-sync --rule-group blocklist --replace --allow-empty \
	    --summary >/dev/null
}
# addrs FROM N: N contiguous addresses from 11.FROM.0.0 (they aggregate)
addrs() {
	awk -v f="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"HostIp\":\"11.%d.%d.%d\"}\n", f + int(i / 65536),
		    int(i / 256) % 256, i % 256 }'
}

# --- a dead endpoint: nfw-sync exits 3, nothing is forgotten ---------------------
at 2026-01-01T00:00:00Z
addrs 1 512 | ipstore add >/dev/null
at 2026-01-20T00:00:00Z
addrs 1 256 | ipstore add >/dev/null	# the first half seen again
block
is "$(group | wc -l | tr -d ' ')" 512 "(the group blocks the 512 addresses)"
at 2026-02-05T00:00:00Z
dead=$(free_port)
# ipstore forget relies on nfw-sync saying "Blocked": false only when the
# group no longer blocks the address (when it failed: true, or null when it
# could not read the group at all); an nfw-sync that says false when it
# could not even read the group would have the store forget what the group
# still blocks
if ! echo '{"HostIp":"11.1.0.1"}' |
    AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$dead \
    nfw-sync --rule-group blocklist --remove 2>/dev/null | grep -q '"Blocked":false'; then
	is "$(AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$dead bash -c '
	    ipstore-prune --older-than 720h --removed |
		nfw-sync --rule-group blocklist --remove | ipstore forget >/dev/null
	    echo "${PIPESTATUS[*]}"' 2>/dev/null)" "0 3 0" \
	    "dead endpoint: nfw-sync exits 3, the other stages succeed"
	is "$(ipstore count --removed):$(ipstore count)" "256:256" \
	    "the 256 expired are pending, none forgotten"
	never_forgotten "dead endpoint"
	is "$(group | wc -l | tr -d ' ')" 512 "the group still blocks all 512"
	flow > "$TMP/out" 2> "$TMP/err"
	is "$?:$(cat "$TMP/err")" "0:" "the next run succeeds"
	is "$(grep -c '"Blocked":false' "$TMP/out")" 256 "and unblocks the 256"
	converged "dead endpoint, then a rerun"
else
	skip 7 "this nfw-sync says \"Blocked\": false when it failed to read the group (it must not: the nfw branch fixes it)"
	ipstore list --all | ipstore rm >/dev/null
	ipstore forget --pending --before 9999-12-31T23:59:59Z >/dev/null
	block
fi

# --- kill -9 of ipstore-prune, at a random point, several times -----------------
# Each round: $n fresh addresses blocked, then all expired; the prune flow
# runs and its ipstore-prune is killed at a random moment: in rounds 1 and
# 2 soon after it committed its first batch of unblocks (it commits every
# 5000: the kill lands while it marks), in round 3 later (while it prints),
# in round 4 anywhere from its start.
if need_sqlite; then n=15000; else n=400; fi
round=0
alive=0
marking=0
while [ $round -lt 4 ]; do
	round=$((round + 1))
	at "2026-0$((round + 2))-01T00:00:00Z"
	addrs $((round * 10)) $n | ipstore add >/dev/null
	block
	at "2026-0$((round + 3))-05T00:00:00Z"
	case $round in
	1|2) upto=0.05 ;; 3) upto=0.4 ;; *) upto=1.0 ;;
	esac
	delay=$(python3 -c "import random; print(round(random.uniform(0, $upto), 3))")
	rm -f "$TMP/prune.pid"
	{ sh -c 'echo $$ > "$1"; exec ipstore-prune --older-than 720h --removed' \
	    sh "$TMP/prune.pid" |
	    nfw-sync --rule-group blocklist --remove | ipstore forget >/dev/null; } \
	    2>/dev/null &
	pipeline=$!
	i=0
	while [ ! -s "$TMP/prune.pid" ] ||
	    { [ $round -lt 4 ] && [ "$(ipstore count --removed)" -eq 0 ] &&
	    [ $i -lt 500 ]; }; do
		sleep 0.01
		i=$((i + 1))
	done
	sleep "$delay"
	kill -9 "$(cat "$TMP/prune.pid")" 2>/dev/null && alive=$((alive + 1))
	wait $pipeline
	pending=$(ipstore count --removed)
	still=$(ipstore count)
	[ "$pending" -gt 0 ] && [ "$still" -gt 0 ] && marking=$((marking + 1))
	never_forgotten "round $round, killed ${delay}s later ($pending pending, $still of $n still active)"
	flow > /dev/null 2> "$TMP/err"
	is "$?:$(cat "$TMP/err")" "0:" "round $round: the next run succeeds"
	converged "round $round: after the rerun"
done
# the kills must have landed inside the prune, or the test showed nothing
ok $([ $alive -ge 2 ] && [ $marking -ge 1 ]; echo $?) \
    "kills landed mid-prune ($alive of 4 while it ran, $marking while it marked)"

# --- the manual's examples --------------------------------------------------------
at 2026-09-01T00:00:00Z
printf '{"HostIp":"192.0.2.%d"}\n' 1 2 | ipstore add >/dev/null
block
at 2026-12-05T00:00:00Z
printf '{"HostIp":"192.0.2.%d"}\n' 3 | ipstore add >/dev/null
block
# ipstore(1): unblock everything not seen for 90 days
ipstore list --older-than 90d | ipstore rm \
    | nfw-sync --rule-group blocklist --remove | ipstore forget > "$TMP/out"
is "$(field HostIp < "$TMP/out" | tr '\n' ' '):$(active | tr '\n' ' ')" \
    "192.0.2.1 192.0.2.2 :192.0.2.3 " "ipstore(1): the 90-day unblock: off the group, out of the store"
converged "ipstore(1) example"
# ipstore-prune(1): the crontab line's command
at 2027-01-10T00:00:00Z
sh -c "$(sed -n 's/^0 \* \* \* \* //p' "$top_srcdir/man/ipstore-prune.1")"
is "$?:$(ipstore count --all)" "0:0" "ipstore-prune(1): the crontab line unblocks and forgets"
converged "ipstore-prune(1) crontab line"
is "$(invalid)" "" "no request to the stand-in was invalid"
