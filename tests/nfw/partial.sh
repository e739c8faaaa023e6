#!/bin/sh
# partial.sh: --replace is all-or-nothing on its input. An input cut off
# mid-record, with a rejected line, or a file that cannot be read whole
# changes nothing (not even a call) and exits 3 with one line saying why;
# --allow-partial replaces with what was read. --remove and merge only
# ever do less with less input, so they go on.
. "$top_srcdir/tests/nfw/fake.sh"
plan 25
start_fake
before=$(fake_state)
msg() {
	echo "nfw-sync: --replace: the input is not whole ($1): nothing changed, as what it lost would be unblocked (use --allow-partial to replace with what was read)"
}

ips 203.0.113.1 203.0.113.2 > good.jsonl
# an upstream stage killed half-way: the last record has no end
{ cat good.jsonl; printf '{"HostIp":"203.0.113.3","FindingId":"f-2'; } > cut.jsonl
nfw-sync --rule-group blocklist --replace cut.jsonl > out 2> err
is "$?" 3 "cut off: exit 3"
is "$(tail -1 err)" "$(msg "1 record rejected")" "cut off: one line says why"
is "$(grep -c . err)" 2 "cut off: that and the rejected record's own line"
is "$(jq -r .Op "$NFW_LOG" | sort -u)" "" "cut off: nothing called at all"
is "$(fake_state)" "$before" "cut off: the group is as it was"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["203.0.113.1",null] ["203.0.113.2",null] ' \
    "cut off: the records read come out, saying nothing is known"

# the same through a pipe, as in a pipeline
cat cut.jsonl | nfw-sync --rule-group blocklist --replace --summary \
    > out 2> err
is "$?:$(jq -r .Error out)" "3:$(msg "1 record rejected" | sed 's/^nfw-sync: //')" \
    "cut off, from a pipe: refused, the --summary record says why"

# a line rejected in the middle: bad JSON, no HostIp, a bad address
printf '%s\n' '{"HostIp":"203.0.113.1"}' 'garbage' '{"Host":"x"}' \
    '{"HostIp":"203.0.113.300"}' '{"HostIp":"203.0.113.2"}' > bad.jsonl
nfw-sync --rule-group blocklist --replace --rejects "$TMP/rej" bad.jsonl \
    > out 2> err
is "$?" 3 "rejected lines: exit 3"
is "$(tail -1 err)" "$(msg "3 records rejected")" "rejected lines: says how many"
is "$(wc -l < rej | tr -d ' ')" 3 "rejected lines: kept in --rejects as ever"
is "$(fake_state)" "$before" "rejected lines: the group is as it was"

# a file that cannot be read (missing), or not to the end (a directory)
nfw-sync --rule-group blocklist --replace good.jsonl "$TMP/missing.jsonl" \
    > out 2> err
is "$?:$(tail -1 err)" "3:$(msg "1 file not read to the end")" \
    "a missing file: refused"
mkdir dir
nfw-sync --rule-group blocklist --replace good.jsonl dir bad.jsonl \
    > out 2> err
is "$?:$(tail -1 err)" "3:$(msg "3 records rejected, 1 file not read to the end")" \
    "a directory and rejects: refused, both counted"
is "$(fake_state)" "$before" "unreadable input: the group is as it was"
is "$(jq -r .Op "$NFW_LOG" | sort -u)" "" "unreadable input: nothing called"

# the dry run refuses the same way
nfw-sync --rule-group blocklist --replace -n cut.jsonl > out 2> err
is "$?:$(jq -c '[.UpdateRuleGroup, (.Error | startswith("--replace: the input is not whole"))]' out)" \
    '3:[null,true]' "dry run, cut off: refused, no request"

# a last record without its newline that is whole is no cut
{ cat good.jsonl; printf '{"HostIp":"203.0.113.3"}'; } > noeol.jsonl
nfw-sync --rule-group blocklist --replace --summary noeol.jsonl > out 2> err
is "$?:$(blocked 30000 Sources)" "0:203.0.113.1/32 203.0.113.2/31" \
    "whole input without a final newline: replaced"

# --allow-partial: replace with what was read, rejects still count
nfw-sync --rule-group blocklist --replace --allow-partial cut.jsonl \
    > out 2> err
is "$?" 1 "--allow-partial: exit 1 (records rejected)"
is "$(blocked 30000 Sources)" "203.0.113.1/32 203.0.113.2/32" \
    "--allow-partial: exactly what was read"
grep -q 'not whole' err
is "$?" 1 "--allow-partial: no refusal"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["203.0.113.1",true] ["203.0.113.2",true] ' "--allow-partial: records"

# --remove and merge go on with what was read: less input, less change
{ ips 203.0.113.1; printf '{"HostIp":"203.0.113.2'; } > cutrm.jsonl
nfw-sync --rule-group blocklist --remove cutrm.jsonl > out 2> err
is "$?:$(blocked 30000 Sources)" "1:203.0.113.2/32" \
    "--remove, cut off: what was read is unblocked, the rest stays"
{ ips 198.51.100.1; printf '{"HostIp":"198.51.100.2'; } > cutmerge.jsonl
nfw-sync --rule-group blocklist cutmerge.jsonl > out 2> err
is "$?:$(blocked 30000 Sources)" "1:198.51.100.1/32 203.0.113.2/32" \
    "merge, cut off: what was read is added"

# --allow-empty does not let a cut input through
printf '{"HostIp":' > empty-cut.jsonl
nfw-sync --rule-group blocklist --replace --allow-empty empty-cut.jsonl \
    > out 2> err
is "$?:$(blocked 30000 Sources)" "3:198.51.100.1/32 203.0.113.2/32" \
    "--allow-empty, cut off: refused, nothing emptied"
is "$(invalid)" "" "every request valid and signed"
