#!/bin/sh
# empty.sh: a store that holds nothing at all (a fresh box, or a store
# setting pointing at the wrong file) never wipes a group: the changing
# commands leave what the group blocks alone, status shows it as drift,
# and unblock takes off only what it names.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
plan 9

# the group already blocks two addresses the store has never seen
echo '{"HostIp":"198.51.100.7"}{"HostIp":"198.51.100.8"}' |
    nfw-sync -g blocklist >/dev/null 2>&1
is "$(group_blocks)" "198.51.100.7/32 198.51.100.8/32" "the group blocks two addresses"
n=$(updates)

sechub reconcile >/dev/null 2>"$TMP/err"
is "$?" 0 "reconcile with no store yet: exit 0"
is "$(group_blocks):$(updates)" "198.51.100.7/32 198.51.100.8/32:$n" \
    "reconcile: the group is left alone"
SECHUB_NOW=2026-03-01T00:00:00Z sechub run prune >/dev/null 2>"$TMP/err"
is "$?" 0 "run prune on a fresh box: exit 0"
is "$(group_blocks):$(updates)" "198.51.100.7/32 198.51.100.8/32:$n" \
    "run prune: the group is left alone"
ok $(test -f "$TMP/blocklist.db"; echo $?) "the first changing run created the store"
sechub status >/dev/null 2>&1
is "$?" 1 "status: the two blocks the store does not know are drift"
sechub unblock 198.51.100.7 >/dev/null 2>"$TMP/err"
is "$?:$(group_blocks)" "0:198.51.100.8/32" \
    "unblock with an empty store takes off what it names, nothing else"
is "$(invalid)" "" "no request to the firewall was invalid"
