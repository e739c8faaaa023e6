#!/bin/sh
# prune.sh: ipstore-prune by age with a fixed clock: the cut-off, re-seen
# entries surviving, --by created, TTLs, --removed (every pending entry,
# this run's and earlier runs'), --dry-run, --verbose, and every expired
# entry going in one run.
. "$top_srcdir/tests/store/common.sh"
plan 16
reset_store

at() { SECHUB_NOW=$1; export SECHUB_NOW; }
add() { printf '{"HostIp":"%s"}\n' "$@" | ipstore add "$ttl_opt" >/dev/null; }
ttl_opt=--quiet

at 2026-01-01T00:00:00Z; add 192.0.2.1          # seen exactly 720h before
at 2025-12-31T23:59:59Z; add 192.0.2.2          # one second older
at 2025-11-01T00:00:00Z; add 192.0.2.3          # old, but seen again:
at 2026-01-20T00:00:00Z; add 192.0.2.3
at 2026-01-25T00:00:00Z; add 192.0.2.4
ttl_opt=--ttl=1h
at 2026-01-30T22:00:00Z; add 192.0.2.5          # expires 23:00
at 2026-01-30T23:30:00Z; add 192.0.2.6          # expires 00:30
ttl_opt=--quiet

at 2026-01-31T00:00:00Z
list() { field HostIp | sort | tr "\n" " "; }

out=$(ipstore-prune --dry-run --removed | list)
is "$out" "192.0.2.2 192.0.2.5 " "dry run: what would go (older than 720h, or past its TTL)"
is "$(ipstore count)" 6 "dry run changed nothing"
out=$(ipstore-prune --dry-run --by created | list)
is "$out" "192.0.2.1 192.0.2.4 192.0.2.6 " "dry run --by created: what would stay"

err=$(ipstore-prune --verbose 2>&1 >"$TMP/remain")
is "$(list < "$TMP/remain")" "192.0.2.1 192.0.2.3 192.0.2.4 192.0.2.6 " \
    "prints what stays blocked; the re-seen entry survives"
case $err in
*"marked 2 entries pending (last seen before 2026-01-01T00:00:00Z, older than 720h, or past their ExpiresAt); 2 pending, 4 blocked"*) r=0 ;;
*) r=1; echo "# $err" ;;
esac
ok $r "--verbose summary on stderr"
is "$(ipstore count)" 4 "two unblocked"
is "$(ipstore get 192.0.2.2 2>&1 >/dev/null)" "ipstore: 192.0.2.2: unblocked (expired) at 2026-01-31T00:00:00Z, pending until the firewall no longer blocks it" \
    "the old one is pending"

out=$(ipstore-prune --by created --removed | list)
is "$out" "192.0.2.2 192.0.2.3 192.0.2.5 " \
    "--by created --removed: the entry first blocked long ago, and those still pending"
out=$(ipstore-prune --older-than 6d --removed | list)
is "$out" "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.5 " "--older-than 6d"
out=$(ipstore-prune --older-than 1d12h | list)
is "$out" "192.0.2.6 " "--older-than 1d12h leaves the newest"
out=$(ipstore-prune)
is "$out" '{"HostIp":"192.0.2.6","CreatedAt":"2026-01-30T23:30:00Z","LastSeenAt":"2026-01-30T23:30:00Z","ExpiresAt":"2026-01-31T00:30:00Z"}' \
    "remaining record, exact bytes"
at 2026-01-31T00:30:00Z
is "$(ipstore-prune)" "" "TTL reached: gone"

# Every expired entry in one run, across several batches.
reset_store
at 2025-06-01T00:00:00Z
n=$(vg_scale 12000 6000)
ips 0 "$n" | ipstore add >/dev/null
at 2026-01-01T00:00:00Z
ips "$n" $((n + 10)) | ipstore add >/dev/null
removed=$(ipstore-prune --removed | wc -l)
is "$removed" "$n" "$n expired entries removed in one run"
is "$(ipstore count)" 10 "the 10 recent ones remain"
at 2026-01-01T00:00:02Z
ipstore-prune --older-than 1s >/dev/null
ok $? "pruning everything succeeds"
is "$(ipstore count)" 0 "store empty"
