#!/bin/sh
# migrate.sh: a SQLite store written with schema version 1 is migrated
# forward on first use, once, keeping every entry; a store from a newer
# release, or a foreign database, is refused with a clear error.
. "$top_srcdir/tests/store/common.sh"
need_sqlite || skip_all "schema migrations are a SQLite matter ($STORE_URL)"
python3 -c 'import sqlite3' 2>/dev/null ||
    skip_all "python3 with sqlite3 is needed to write old schema versions"
plan 15

sql() {
	python3 - "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for stmt in sys.argv[2:]:
	rows = db.execute(stmt).fetchall()
	db.commit()
	for r in rows:
		print("|".join("" if v is None else str(v) for v in r))
PY
}

# Schema 1: HostIp, CreatedAt and the rest of the record as JSON.
v1=$TMP/v1.db
sql "$v1" \
    "CREATE TABLE blocklist (host_ip TEXT PRIMARY KEY NOT NULL,
	created_at INTEGER NOT NULL, record TEXT) WITHOUT ROWID" \
    "INSERT INTO blocklist VALUES ('198.51.100.7', 1767576033,
	'{\"FindingId\":\"f-1\",\"Severity\":\"HIGH\",\"Note\":\"kept\"}')" \
    "INSERT INTO blocklist VALUES ('2001:db8::7', 1767000000, NULL)" \
    "PRAGMA user_version = 1"

out=$(ipstore -s "sqlite:$v1" list)
is "$?" 0 "a version 1 store opens"
is "$out" '{"HostIp":"198.51.100.7","CreatedAt":"2026-01-05T01:20:33Z","LastSeenAt":"2026-01-05T01:20:33Z","FindingId":"f-1","Severity":"HIGH","Note":"kept"}
{"HostIp":"2001:db8::7","CreatedAt":"2025-12-29T09:20:00Z","LastSeenAt":"2025-12-29T09:20:00Z"}' \
    "entries kept; LastSeenAt starts at CreatedAt; finding fields in their columns"
is "$(sql "$v1" "PRAGMA user_version")" 3 "schema now version 3"
is "$(sql "$v1" "SELECT finding_id, severity, record FROM blocklist WHERE host_ip = '198.51.100.7'")" \
    'f-1|HIGH|{"Note":"kept"}' "columns filled from the old record"
is "$(sql "$v1" "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'blocklist_%'")" \
    4 "indexes created"
SECHUB_NOW=2026-02-01T00:00:00Z ipstore-prune -s "sqlite:$v1" --older-than 30d >/dev/null
is "$(ipstore -s "sqlite:$v1" list | field HostIp)" 198.51.100.7 \
    "the migrated store prunes"
out=$(echo '{"HostIp":"198.51.100.7"}' | ipstore -s "sqlite:$v1" add | field NewIP)
is "$out" false "and knows its entries"

# Schema 2 (the release before the states of an entry): every entry it
# holds is active, and pruning one makes it pending.
v2=$TMP/v2.db
sql "$v2" \
    "CREATE TABLE blocklist (host_ip TEXT PRIMARY KEY NOT NULL,
	created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
	expires_at INTEGER, finding_id TEXT, finding_type TEXT, severity TEXT,
	account_id TEXT, region TEXT, record TEXT) WITHOUT ROWID" \
    "CREATE INDEX blocklist_last_seen ON blocklist (last_seen_at)" \
    "INSERT INTO blocklist VALUES ('198.51.100.8', 1767576033, 1767576033,
	NULL, 'f-8', NULL, 'HIGH', NULL, NULL, '{\"Note\":\"kept\"}')" \
    "PRAGMA user_version = 2"
out=$(ipstore -s "sqlite:$v2" list)
is "$out" '{"HostIp":"198.51.100.8","CreatedAt":"2026-01-05T01:20:33Z","LastSeenAt":"2026-01-05T01:20:33Z","FindingId":"f-8","Severity":"HIGH","Note":"kept"}' \
    "a version 2 store opens, its entries active"
is "$(sql "$v2" "PRAGMA user_version" "SELECT count(*) FROM blocklist WHERE removed_at IS NULL AND removed_reason IS NULL")" \
    "3
1" "migrated to version 3: the state columns, NULL (active)"
SECHUB_NOW=2026-03-01T00:00:00Z ipstore-prune -s "sqlite:$v2" >/dev/null
is "$(sql "$v2" "SELECT removed_at, removed_reason FROM blocklist")" \
    "1772323200|expired" "a prune marks it pending"
is "$(ipstore -s "sqlite:$v2" count --all):$(ipstore -s "sqlite:$v2" count)" \
    "1:0" "kept, no longer blocked"

# Concurrent first opens migrate exactly once.
v1b=$TMP/v1b.db
sql "$v1b" "CREATE TABLE blocklist (host_ip TEXT PRIMARY KEY NOT NULL,
	created_at INTEGER NOT NULL, record TEXT) WITHOUT ROWID" \
    "INSERT INTO blocklist VALUES ('192.0.2.1', 1767576033, NULL)" \
    "PRAGMA user_version = 1"
for i in 1 2 3 4; do
	ipstore -s "sqlite:$v1b" count > "$TMP/c$i" 2>&1 &
done
wait
is "$(cat "$TMP/c1" "$TMP/c2" "$TMP/c3" "$TMP/c4" | tr '\n' ' ')" "1 1 1 1 " \
    "four processes opening a version 1 store at once all succeed"

new=$TMP/new.db
sql "$new" "CREATE TABLE blocklist (x)" "PRAGMA user_version = 99"
err=$(ipstore -s "sqlite:$new" count 2>&1)
is "$?:$err" "3:ipstore: $new: schema version 99 is newer than this program knows (3): upgrade sechub-tools" \
    "a newer schema is refused"
foreign=$TMP/foreign.db
sql "$foreign" "CREATE TABLE accounts (id INTEGER)"
err=$(echo '{"HostIp":"192.0.2.1"}' | ipstore -s "sqlite:$foreign" add 2>&1)
is "$?:$err" "3:ipstore: $foreign: not a sechub-tools store (it has tables but no schema version)" \
    "someone else's database is left alone"
is "$(sql "$foreign" "SELECT name FROM sqlite_schema")" accounts "untouched"
