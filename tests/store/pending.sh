#!/bin/sh
# pending.sh: the two states of an entry. rm and ipstore-prune unblock
# (pending, with RemovedAt and RemovedReason); list, get and count show
# the active entries unless asked; forget deletes an entry only while it
# is pending (and, given the record's RemovedAt, pending since then), as a
# filter that passes every record on unchanged, or every entry pending
# since before a time; add of a pending address is a new block; prune
# --removed prints exactly what is pending, twice the same; --summary;
# mirror copies both states.
. "$top_srcdir/tests/store/common.sh"
plan 33
reset_store
at() { SECHUB_NOW=$1; export SECHUB_NOW; }
ips_of() { field HostIp | tr '\n' ' '; }

at 2026-01-05T00:00:00Z
printf '{"HostIp":"192.0.2.%d","FindingId":"f-%d"}\n' 1 1 2 2 3 3 |
    ipstore add >/dev/null

# --- rm: pending, printed with RemovedAt -------------------------------------
at 2026-01-06T00:00:00Z
is "$(ipstore rm 192.0.2.1)" \
    '{"HostIp":"192.0.2.1","CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-05T00:00:00Z","RemovedAt":"2026-01-06T00:00:00Z","RemovedReason":"manual","FindingId":"f-1"}' \
    "rm prints the entry, pending since now, reason manual"
is "$(ipstore list | ips_of)" "192.0.2.2 192.0.2.3 " "list: the active entries"
is "$(ipstore list --removed | ips_of)" "192.0.2.1 " "list --removed: the pending"
is "$(ipstore list --all | ips_of)" "192.0.2.1 192.0.2.2 192.0.2.3 " "list --all: both"
is "$(ipstore count) $(ipstore count --removed) $(ipstore count --all)" "2 1 3" \
    "count, --removed, --all"
st=0
ipstore get 192.0.2.1 > "$TMP/out" 2> "$TMP/err" || st=$?
is "$st:$(field RemovedAt < "$TMP/out")" "1:2026-01-06T00:00:00Z" \
    "get of a pending entry prints it, with RemovedAt, and exits 1"
is "$(cat "$TMP/err")" "ipstore: 192.0.2.1: unblocked (manual) at 2026-01-06T00:00:00Z, pending until the firewall no longer blocks it" \
    "saying why"
at 2026-01-06T01:00:00Z
is "$(ipstore rm 192.0.2.1 | field RemovedAt)" 2026-01-06T00:00:00Z \
    "rm of a pending entry prints it again, as it was (a failed unblock can be run again)"

# --- forget, the filter ---------------------------------------------------------
cat > "$TMP/nfw.jsonl" <<'EOF'
{"HostIp":"192.0.2.1","RemovedAt":"2026-01-06T00:00:00Z","Blocked":false,"Unblocked":true}
{"HostIp":"192.0.2.2","Blocked":false,"Reason":"not blocked"}
{"HostIp":"192.0.2.3","Blocked":true,"Reason":"UpdateRuleGroup: InternalServerError"}
{"HostIp":"192.0.2.3","Blocked":"false"}
{"HostIp":"192.0.2.3"}
{"RuleGroup":"arn:aws:network-firewall:us-east-1:111122223333:stateless-rulegroup/blocklist","Changed":true}
EOF
ipstore forget "$TMP/nfw.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "forget succeeds"
is "$(cat "$TMP/out")" "$(cat "$TMP/nfw.jsonl")" "every record passed on, unchanged, in order"
is "$(ipstore list --all | ips_of)" "192.0.2.2 192.0.2.3 " \
    "the pending entry the firewall no longer blocks is forgotten; an active one never"
st=0
ipstore get 192.0.2.1 >/dev/null 2>&1 || st=$?
is "$st" 1 "it is gone"

# a pending address added again is a new block
at 2026-01-07T00:00:00Z
ipstore rm 192.0.2.2 >/dev/null
at 2026-01-08T00:00:00Z
is "$(echo '{"HostIp":"192.0.2.2","FindingId":"f-2b","RemovedAt":"2026-01-07T00:00:00Z"}' | ipstore add)" \
    '{"HostIp":"192.0.2.2","FindingId":"f-2b","NewIP":true,"CreatedAt":"2026-01-08T00:00:00Z","LastSeenAt":"2026-01-08T00:00:00Z"}' \
    "add of a pending address: NewIP true, CreatedAt now, no RemovedAt"
is "$(ipstore get 192.0.2.2)" \
    '{"HostIp":"192.0.2.2","CreatedAt":"2026-01-08T00:00:00Z","LastSeenAt":"2026-01-08T00:00:00Z","FindingId":"f-2b"}' \
    "stored active, with the new finding"
is "$(echo '{"HostIp":"192.0.2.2","Blocked":false}' | ipstore add | field NewIP)" false \
    "and known from then on"
echo '{"HostIp":"192.0.2.2","RemovedAt":"2026-01-07T00:00:00Z","Blocked":false}' |
    ipstore forget >/dev/null
is "$(ipstore count)" 2 "the firewall's word on the old unblock does not forget the new block"

# RemovedAt in the record names the unblock the firewall confirmed
at 2026-01-09T00:00:00Z
ipstore rm 192.0.2.3 >/dev/null
echo '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-07T00:00:00Z","Blocked":false}' |
    ipstore forget >/dev/null
is "$(ipstore count --removed)" 1 "another unblock's confirmation forgets nothing"
st=0
echo '{"HostIp":"192.0.2.3","RemovedAt":"yesterday","Blocked":false}' |
    ipstore forget > "$TMP/out" 2> "$TMP/err" || st=$?
is "$st:$(cat "$TMP/out"):$(ipstore count --removed)" \
    '1:{"HostIp":"192.0.2.3","RemovedAt":"yesterday","Blocked":false}:1' \
    "a RemovedAt that is no time: rejected (status 1), passed on, nothing forgotten"
is "$(cat "$TMP/err")" "ipstore: <stdin>:1: RemovedAt is no RFC 3339 time: nothing forgotten" \
    "saying so with its line"
echo '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-09T00:00:00Z","Blocked":false}' |
    ipstore forget >/dev/null
is "$(ipstore count --all)" 1 "its own confirmation forgets it"

# --- forget --pending --before ------------------------------------------------------
ipstore rm 192.0.2.2 >/dev/null
is "$(ipstore forget --pending --before 2026-01-09T00:00:00Z)" "" \
    "--before is strict: pending since that second is kept"
is "$(ipstore forget --pending --before 2026-01-09T00:00:01Z | ips_of)" "192.0.2.2 " \
    "pending since before the time: forgotten and printed"
is "$(ipstore count --all)" 0 "the store is empty"
st=0
ipstore forget --pending > /dev/null 2> "$TMP/err" || st=$?
is "$st" 2 "forget --pending without --before is a usage error"

# --- ipstore-prune: --removed prints exactly what is pending -----------------------
at 2025-12-01T00:00:00Z
printf '{"HostIp":"198.51.100.%d"}\n' 1 2 3 4 | ipstore add >/dev/null
at 2026-01-20T00:00:00Z
printf '{"HostIp":"198.51.100.%d"}\n' 3 4 5 | ipstore add >/dev/null
ipstore rm 198.51.100.5 >/dev/null
at 2026-01-31T00:00:00Z
ipstore-prune --removed > "$TMP/first"
is "$(ips_of < "$TMP/first")" "198.51.100.1 198.51.100.2 198.51.100.5 " \
    "--removed: what this run unblocked and what was pending before"
is "$(ipstore list --removed)" "$(cat "$TMP/first")" "exactly what the store holds as pending"
ipstore-prune --removed > "$TMP/second"
is "$(cat "$TMP/second")" "$(cat "$TMP/first")" "a second run prints them again, the same bytes"
is "$(field RemovedReason < "$TMP/first" | tr '\n' ' ')" "expired expired manual " \
    "each with its reason"
is "$(ipstore-prune --summary)" \
    "{\"Store\":\"$STORE_URL\",\"Pruned\":0,\"Pending\":3,\"Remaining\":2,\"Before\":\"2026-01-01T00:00:00Z\",\"DryRun\":false}" \
    "--summary: one record, nothing newly pruned"
at 2026-02-25T00:00:00Z
is "$(ipstore-prune --summary --dry-run)" \
    "{\"Store\":\"$STORE_URL\",\"Pruned\":2,\"Pending\":5,\"Remaining\":0,\"Before\":\"2026-01-26T00:00:00Z\",\"DryRun\":true}" \
    "--summary --dry-run: what a prune would do"
is "$(ipstore-prune --summary)" \
    "{\"Store\":\"$STORE_URL\",\"Pruned\":2,\"Pending\":5,\"Remaining\":0,\"Before\":\"2026-01-26T00:00:00Z\",\"DryRun\":false}" \
    "--summary: and what it did"

# --- mirror copies both states ----------------------------------------------------------
echo '{"HostIp":"203.0.113.1"}' | ipstore add >/dev/null
ipstore list --all > "$TMP/src"
ipstore mirror --from "$STORE_URL" --to "sqlite:$TMP/copy.db" >/dev/null
is "$(ipstore -s "sqlite:$TMP/copy.db" list --all)" "$(cat "$TMP/src")" \
    "mirror: every entry in its state, pending ones with RemovedAt"
# a sighting after the unblock wins; an unblock after the last sighting wins
at 2026-02-26T00:00:00Z
echo '{"HostIp":"198.51.100.1"}' | ipstore -s "sqlite:$TMP/copy.db" add >/dev/null
ipstore -s "sqlite:$TMP/copy.db" rm 203.0.113.1 >/dev/null
ipstore mirror --from "sqlite:$TMP/copy.db" --to "$STORE_URL" >/dev/null
is "$(ipstore list | ips_of)| $(ipstore list --removed | ips_of)" \
    "198.51.100.1 | 198.51.100.2 198.51.100.3 198.51.100.4 198.51.100.5 203.0.113.1 " \
    "mirror back: the later event wins, each way"
