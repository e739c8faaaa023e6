#!/bin/sh
# forget.sh: what ipstore forget may take for the firewall's word. It
# forgets a pending entry only on "Blocked": false (the JSON value); given
# the record's RemovedAt, only if the entry is pending since exactly then
# (not after a re-add, nor after a later unblock); never on Blocked null,
# absent or a string, on a cleaning record of the rails ("Cleaned"), nor
# for an active entry; a HostIp that is a block forgets that block's own
# entry, never the addresses inside it. A /32 or /128 is its address.
# Every record is passed on, unchanged.
. "$top_srcdir/tests/store/common.sh"
plan 14
reset_store
at() { SECHUB_NOW=$1; export SECHUB_NOW; }
ips_of() { field HostIp | tr '\n' ' '; }
pending() { ipstore list --removed | ips_of; }

# forget_with RECORD: feed one record to forget; "status:stdout" and the
# record must come back as it went in
forget_with() {
	printf '%s\n' "$1" > "$TMP/in"
	_st=0
	ipstore forget "$TMP/in" > "$TMP/out" 2>> "$TMP/errs" || _st=$?
	cmp -s "$TMP/in" "$TMP/out" || echo "# not passed on: $(cat "$TMP/out")"
	cmp -s "$TMP/in" "$TMP/out" && echo "$_st" || echo "$_st changed"
}

at 2026-01-05T00:00:00Z
printf '{"HostIp":"192.0.2.%d"}\n' 1 2 3 4 5 6 7 8 | ipstore add >/dev/null
printf '{"HostIp":"2001:db8::%d"}\n' 1 2 | ipstore add >/dev/null
at 2026-01-06T00:00:00Z
ipstore rm 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 \
    192.0.2.7 2001:db8::1 2001:db8::2 >/dev/null
all_pending='192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 2001:db8::1 2001:db8::2 '
is "$(pending)" "$all_pending" "nine pending, 192.0.2.8 active"

# --- what forgets nothing --------------------------------------------------------
is "$(forget_with '{"HostIp":"192.0.2.1","Blocked":null}')" 0 \
    'Blocked null (unknown): passed on, status 0'
forget_with '{"HostIp":"192.0.2.1"}' >/dev/null
forget_with '{"HostIp":"192.0.2.1","Blocked":"false"}' >/dev/null
forget_with '{"HostIp":"192.0.2.1","Blocked":0}' >/dev/null
is "$(pending)" "$all_pending" \
    "Blocked null, absent, \"false\" or 0 forgets nothing"

forget_with '{"HostIp":"192.0.2.2","Blocked":false,"Unblocked":true,"Reason":"special-purpose address","Cleaned":true}' >/dev/null
is "$(pending)" "$all_pending" \
    "a cleaning record of the rails (Cleaned true) forgets nothing"

forget_with '{"HostIp":"192.0.2.0/24","Blocked":false,"Unblocked":true}' >/dev/null
forget_with '{"HostIp":"192.0.2.0/29","Blocked":false}' >/dev/null
forget_with '{"HostIp":"2001:db8::/64","Blocked":false}' >/dev/null
forget_with '{"HostIp":"0.0.0.0/0","Blocked":false,"Unblocked":true,"Reason":"matches all traffic","Cleaned":false}' >/dev/null
is "$(pending)" "$all_pending" \
    "a HostIp that is a block forgets none of the addresses inside it"
is "$(cat "$TMP/errs")" "" "none of these is a rejection"

is "$(forget_with '{"HostIp":"192.0.2.8","Blocked":false}')" 0 \
    "an active entry with Blocked false: passed on"
is "$(ipstore count)" 1 "and never forgotten"

# --- RemovedAt ---------------------------------------------------------------------
forget_with '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-05T23:59:59Z","Blocked":false}' >/dev/null
forget_with '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-06T00:00:01Z","Blocked":false}' >/dev/null
is "$(pending)" "$all_pending" \
    "a RemovedAt that is not the entry's (a second off either way) forgets nothing"
is "$(forget_with '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-06T00:00:00Z","Blocked":false,"Unblocked":true}')" 0 \
    "the entry's own RemovedAt: passed on"
is "$(pending)" "192.0.2.1 192.0.2.2 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 2001:db8::1 2001:db8::2 " \
    "and forgets it"

# re-added, then removed again, since the unblock the record confirms
at 2026-01-07T00:00:00Z
echo '{"HostIp":"192.0.2.4"}' | ipstore add >/dev/null
echo '{"HostIp":"192.0.2.5"}' | ipstore add >/dev/null
at 2026-01-08T00:00:00Z
ipstore rm 192.0.2.5 >/dev/null
forget_with '{"HostIp":"192.0.2.4","RemovedAt":"2026-01-06T00:00:00Z","Blocked":false}' >/dev/null
forget_with '{"HostIp":"192.0.2.5","RemovedAt":"2026-01-06T00:00:00Z","Blocked":false}' >/dev/null
is "$(ipstore list --all | ips_of)" "192.0.2.1 192.0.2.2 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8 2001:db8::1 2001:db8::2 " \
    "an entry re-added, or re-added and removed again, since that RemovedAt is kept"

# --- what forgets --------------------------------------------------------------------
forget_with '{"HostIp":"192.0.2.6","Blocked":false}' >/dev/null
forget_with '{"HostIp":"192.0.2.7/32","Blocked":false,"Cleaned":false}' >/dev/null
forget_with '{"HostIp":"2001:0db8:0::1/128","Blocked":false}' >/dev/null
is "$(pending)" "192.0.2.1 192.0.2.2 192.0.2.5 2001:db8::2 " \
    "without RemovedAt a pending entry is forgotten; a /32 or /128 is its address"

# all of it at once, as nfw-sync --remove prints it: the same outcome
printf '%s\n' \
    '{"HostIp":"192.0.2.1","Blocked":null}' \
    '{"HostIp":"192.0.2.2","Blocked":false,"Cleaned":true}' \
    '{"HostIp":"192.0.2.0/24","Blocked":false}' \
    '{"HostIp":"2001:db8::2","Blocked":false}' \
    '{"RuleGroup":"arn:aws:network-firewall:us-east-1:111122223333:stateless-rulegroup/blocklist","Changed":true}' \
    > "$TMP/stream"
ipstore forget < "$TMP/stream" > "$TMP/out"
is "$(pending) $(cmp "$TMP/stream" "$TMP/out" && echo same)" \
    "192.0.2.1 192.0.2.2 192.0.2.5  same" \
    "a stream: only the address with Blocked false is forgotten, every record passed on"
