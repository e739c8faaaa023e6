#!/bin/sh
# dry-run.sh: --dry-run changes nothing, and shows what would be done:
# ipstore add (NewIP, CreatedAt, LastSeenAt as they would be, the dry run
# seeing its own changes), rm (RemovedAt as it would be), forget, mirror,
# and ipstore-prune (exactly what the real run then prints). Nothing
# changed: a SQLite store's file keeps its bytes (its hash); against
# DynamoDB no write reaches the service (DDB_RELAY_LOG, the log of the
# relay tests/ddb/dry-run.sh puts in front of dynalite, names only reads).
. "$top_srcdir/tests/store/common.sh"
need_sqlite || . "$top_srcdir/tests/ddb/ddb-lib.sh"	# ddb_writes_since
plan 24
reset_store
at() { SECHUB_NOW=$1; export SECHUB_NOW; }
ips_of() { field HostIp | tr '\n' ' '; }

# snapshot, then unchanged DESC: the store is as the snapshot found it
snapshot() {
	if need_sqlite; then
		cat "$STORE_FILE" "$STORE_FILE-wal" 2>/dev/null | sha256sum > "$TMP/snap"
	else
		wc -l < "$DDB_RELAY_LOG" > "$TMP/snap"
	fi
	ipstore list --all > "$TMP/snap.list"
}
unchanged() {
	if need_sqlite; then
		is "$(cat "$STORE_FILE" "$STORE_FILE-wal" 2>/dev/null | sha256sum)" \
		    "$(cat "$TMP/snap")" "$1: the store's bytes are unchanged"
	else
		is "$(ddb_writes_since "$(cat "$TMP/snap")")" "" \
		    "$1: no write reached DynamoDB"
	fi
}

at 2026-01-05T00:00:00Z
printf '{"HostIp":"192.0.2.%d"}\n' 1 2 3 | ipstore add >/dev/null
at 2026-01-06T00:00:00Z
ipstore rm 192.0.2.3 >/dev/null
ipstore -s "sqlite:$TMP/other.db" init
echo '{"HostIp":"203.0.113.5"}' | ipstore -s "sqlite:$TMP/other.db" add >/dev/null

# --- add ---------------------------------------------------------------------
at 2026-01-07T00:00:00Z
snapshot
printf '%s\n' '{"HostIp":"198.51.100.1","FindingId":"f-new"}' \
    '{"HostIp":"192.0.2.1"}' '{"HostIp":"192.0.2.3","FindingId":"f-again"}' \
    '{"HostIp":"198.51.100.1"}' > "$TMP/in.jsonl"
ipstore add --dry-run --ttl 1d "$TMP/in.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "add --dry-run succeeds"
is "$(cat "$TMP/out")" '{"HostIp":"198.51.100.1","FindingId":"f-new","NewIP":true,"CreatedAt":"2026-01-07T00:00:00Z","LastSeenAt":"2026-01-07T00:00:00Z","ExpiresAt":"2026-01-08T00:00:00Z"}
{"HostIp":"192.0.2.1","NewIP":false,"CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-07T00:00:00Z"}
{"HostIp":"192.0.2.3","FindingId":"f-again","NewIP":true,"CreatedAt":"2026-01-07T00:00:00Z","LastSeenAt":"2026-01-07T00:00:00Z","ExpiresAt":"2026-01-08T00:00:00Z"}
{"HostIp":"198.51.100.1","NewIP":false,"CreatedAt":"2026-01-07T00:00:00Z","LastSeenAt":"2026-01-07T00:00:00Z","ExpiresAt":"2026-01-08T00:00:00Z"}' \
    "each record as a real add would print it: new, seen again, a pending one blocked anew, and the first again (the dry run sees its own changes)"
unchanged "add --dry-run"
is "$(ipstore list --all)" "$(cat "$TMP/snap.list")" "add --dry-run: the store lists as before"

# --- rm ----------------------------------------------------------------------------
snapshot
is "$(ipstore rm --dry-run 192.0.2.2 192.0.2.9 2> "$TMP/err")" \
    '{"HostIp":"192.0.2.2","CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-05T00:00:00Z","RemovedAt":"2026-01-07T00:00:00Z","RemovedReason":"manual"}' \
    "rm --dry-run: the record as it would be, pending"
is "$(cat "$TMP/err")" "ipstore: 192.0.2.9: not in the store" "and what it would not find"
unchanged "rm --dry-run"
is "$(ipstore get 192.0.2.2 | field RemovedAt)" "" "rm --dry-run: still active"

# --- forget -----------------------------------------------------------------------
snapshot
printf '%s\n' '{"HostIp":"192.0.2.3","RemovedAt":"2026-01-06T00:00:00Z","Blocked":false}' \
    '{"HostIp":"192.0.2.1","Blocked":false}' > "$TMP/nfw.jsonl"
ipstore forget --dry-run --verbose "$TMP/nfw.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/out")" "0:$(cat "$TMP/nfw.jsonl")" "forget --dry-run passes the records on"
case $(cat "$TMP/err") in
*"192.0.2.3: would be forgotten"*"2 records read, 1 address would be forgotten"*) r=0 ;;
*) r=1; sed 's/^/# /' "$TMP/err" ;;
esac
ok $r "and says which it would forget"
unchanged "forget --dry-run"
is "$(ipstore count --removed)" 1 "forget --dry-run: still pending"
snapshot
is "$(ipstore forget --dry-run --pending --before 2026-01-07T00:00:00Z | ips_of)" \
    "192.0.2.3 " "forget --pending --dry-run: what it would forget"
unchanged "forget --pending --dry-run"

# --- mirror -----------------------------------------------------------------------
snapshot
is "$(ipstore mirror --dry-run --from "sqlite:$TMP/other.db" --to "$STORE_URL" | ips_of)" \
    "203.0.113.5 " "mirror --dry-run: what it would copy"
unchanged "mirror --dry-run"

# --- ipstore-prune ------------------------------------------------------------------
at 2026-02-10T00:00:00Z
echo '{"HostIp":"192.0.2.2"}' | SECHUB_NOW=2026-02-01T00:00:00Z ipstore add >/dev/null
snapshot
ipstore-prune --dry-run --removed --older-than 30d > "$TMP/dry" 2> "$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "ipstore-prune --dry-run succeeds"
is "$(ips_of < "$TMP/dry")" "192.0.2.1 192.0.2.3 " \
    "it prints what would be pending: the expired one, and the one pending before"
unchanged "ipstore-prune --dry-run"
is "$(ipstore-prune --dry-run --summary --older-than 30d)" \
    "{\"Store\":\"$STORE_URL\",\"Pruned\":1,\"Pending\":2,\"Remaining\":1,\"Before\":\"2026-01-11T00:00:00Z\",\"DryRun\":true}" \
    "--dry-run --summary"
unchanged "ipstore-prune --dry-run --summary"
ipstore-prune --removed --older-than 30d > "$TMP/real"
is "$(cat "$TMP/real")" "$(cat "$TMP/dry")" "the real run then prints exactly what the dry run did"

# --- a store that is not there yet ---------------------------------------------------
if need_sqlite; then
	is "$(ipstore -s "sqlite:$TMP/none.db" add --dry-run "$TMP/in.jsonl" | field NewIP | tr '\n' ' ')" \
	    "true true true false " "add --dry-run on a store not yet created: all new"
	ok $([ ! -e "$TMP/none.db" ] && [ ! -e "$TMP/none.db-wal" ]; echo $?) \
	    "and the store is not created"
else
	skip 2 "an absent store is a SQLite matter"
fi
