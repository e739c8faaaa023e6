#!/bin/sh
# flows.sh: sechub run record, send, prune and all against the stand-ins;
# a failing firewall in the middle of a flow, and the next run repairing it.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
plan 14
start_slack
WANT_IPS="198.51.100.2 198.51.100.6 198.51.100.13 198.51.100.16 198.51.100.18 198.51.100.25 198.51.100.27 198.51.100.29 198.51.100.31 198.51.100.33 198.51.100.35 198.51.100.38 198.51.100.39 198.51.100.43 198.51.100.44 198.51.100.45 198.51.100.46 198.51.100.48 203.0.113.195 2001:db8:101::8 2001:db8:102::9 2001:db8:103::a 2001:db8:104::b 2001:db8:a86c:2::1305"
WANT="198.51.100.2/32 198.51.100.6/32 198.51.100.13/32 198.51.100.16/32 198.51.100.18/32 198.51.100.25/32 198.51.100.27/32 198.51.100.29/32 198.51.100.31/32 198.51.100.33/32 198.51.100.35/32 198.51.100.38/31 198.51.100.43/32 198.51.100.44/31 198.51.100.46/32 198.51.100.48/32 203.0.113.195/32 2001:db8:101::8/128 2001:db8:102::9/128 2001:db8:103::a/128 2001:db8:104::b/128 2001:db8:a86c:2::1305/128"
want_ips() { echo "$WANT_IPS" | sorted; }
posted() { slack_q "any('$1' in json.dumps(p) for p in P)"; }

SECHUB_NOW=2026-01-05T12:00:00Z sechub run record "$EVENTS" 2>"$TMP/err"
is "$?" 0 "run record: exit 0"
is "$(group_blocks)" "$(echo "$WANT" | sorted)" "run record: the group drops the remote hosts"
is "$(store_ips)" "$(want_ips)" "run record: the store holds them"
is "$(posted 198.51.100.13)" True "run record: the channel was told"

before=$(slack_q 'len(P)')
sechub run send "$EVENTS" 2>"$TMP/err"
is "$?" 0 "run send: exit 0"
ok $(test "$(slack_q 'len(P)')" -gt "$before"; echo $?) "run send: a message was posted"

# a failing firewall in the middle of record-ip, then any next run repairs
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":500,"type":"InternalServerError","message":"injected","times":2}]}'
printf '{"HostIp":"203.0.113.77"}\n' | SECHUB_NOW=2026-01-06T00:00:00Z ipstore add >/dev/null
SECHUB_NOW=2026-01-06T00:00:00Z sechub run record "$EVENTS" 2>"$TMP/err"
is "$?" 3 "run record with a failing firewall: exit 3"
is "$(grep -c 'nfw-sync blocklist' "$TMP/err")" 1 "the failed stage is named"
SECHUB_NOW=2026-01-06T00:10:00Z sechub run prune 2>"$TMP/err"
is "$?" 0 "the next run (prune) succeeds"
is "$(group_blocks)" "$(echo "$WANT 203.0.113.77/32" | sorted)" \
    "and the group blocks what the store holds"

# prune, 31 days later
SECHUB_NOW=2026-02-07T00:00:00Z sechub run prune 2>"$TMP/err"
is "$?" 0 "run prune: exit 0"
is "$(store_ips):$(pending_ips):$(group_blocks)" "::" \
    "run prune: the store and the group are empty"
is "$(slack_q "any('nblocked' in json.dumps(p) and '198.51.100.13' in json.dumps(p) for p in P)")" True \
    "run prune: the channel was told of the unblocks"

SECHUB_NOW=2026-02-08T00:00:00Z sechub run all <"$EVENTS" 2>"$TMP/err"
is "$?:$(group_blocks)" "0:$(echo "$WANT" | sorted)" "run all: events on stdin, read once by every flow"
