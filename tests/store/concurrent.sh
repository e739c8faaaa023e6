#!/bin/sh
# concurrent.sh: an add pipeline and repeated prunes on the same store at
# the same time: no errors, no lost write, and an expired entry re-added
# during the prune survives it.
. "$top_srcdir/tests/store/common.sh"
plan 7
reset_store

# 3000 entries last seen 60 days ago: all expired for the prunes below.
SECHUB_NOW=2025-11-01T00:00:00Z ips 0 3000 203.0 | ipstore add >/dev/null
ok $? "old entries added"

# Writer: 4000 fresh addresses, then the 3000 old ones seen again.
{ trickle 0 4000 200 198.51; trickle 0 3000 200 203.0; } |
    ipstore add > "$TMP/add.out" 2> "$TMP/add.err" &
writer=$!
# Pruner: prune again and again while the writer runs.
: > "$TMP/prune.err"
fails=0
while kill -0 $writer 2>/dev/null; do
	ipstore-prune --older-than 30d --removed >> "$TMP/removed" \
	    2>> "$TMP/prune.err" || fails=$((fails + 1))
done
wait $writer
is "$?" 0 "the add pipeline succeeds"
is "$fails" 0 "every prune succeeds"
is "$(cat "$TMP/add.err" "$TMP/prune.err")" "" "no diagnostics from either"
is "$(wc -l < "$TMP/add.out")" 7000 "every added record written back"
# Whatever the interleaving, an address the writer (re)added is there now:
# either the prune went first and the add inserted it again (NewIP true), or
# the add went first and the prune saw it re-seen and kept it.
ipstore list | field HostIp | sort > "$TMP/stored"
{ ips 0 4000 198.51; ips 0 3000 203.0; } | field HostIp | sort > "$TMP/want"
is "$(comm -13 "$TMP/stored" "$TMP/want" | head -5)" "" \
    "every address added is in the store"
is "$(ipstore-prune --older-than 30d --removed | wc -l)" 0 \
    "nothing expired is left behind"
