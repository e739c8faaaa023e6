#!/bin/sh
# truth.sh: sh-extract-ip on generated findings of every shape writes exactly
# the records tests/gen-findings says it must (--truth), in order; without
# --allow-private, exactly those not in special-purpose ranges; malformed
# lines are rejected one for one without disturbing the rest.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
gen="$top_srcdir/tests/gen-findings"

# want FILTER TRUTH: the truth rows as sh-extract-ip prints them
# (FILTER all: every row; public: only rows not marked Special)
want() {
	python3 -c '
import json, sys
for line in open(sys.argv[2]):
    row = json.loads(line)
    special = row.pop("Special")
    if sys.argv[1] == "all" or not special:
        print(json.dumps(row, separators=(",", ":")))
' "$1" "$2"
}

shapes="event asff getfindings gd-event gd-native gd-getfindings ocsf ocsf-event mixed"
plan 24

for shape in $shapes; do
	"$gen" --shape "$shape" --count 400 --seed 11 --ipv6 0.3 --special 0.1 \
	    --partial 0.2 --legacy 0.2 --truth "$TMP/$shape.truth" \
	    > "$TMP/$shape.in"
	sh-extract-ip --allow-private "$TMP/$shape.in" > "$TMP/$shape.all" \
	    2> "$TMP/$shape.err"
	st=$?
	want all "$TMP/$shape.truth" > "$TMP/$shape.want"
	ok $(test $st = 0 && test ! -s "$TMP/$shape.err" &&
	    test -s "$TMP/$shape.want" &&
	    cmp -s "$TMP/$shape.all" "$TMP/$shape.want"; echo $?) \
	    "$shape: every (finding, remote IP) of the truth, in order"
	sh-extract-ip "$TMP/$shape.in" > "$TMP/$shape.pub" 2>/dev/null
	want public "$TMP/$shape.truth" > "$TMP/$shape.wantpub"
	ok $(cmp -s "$TMP/$shape.pub" "$TMP/$shape.wantpub" &&
	    ! cmp -s "$TMP/$shape.pub" "$TMP/$shape.all"; echo $?) \
	    "$shape: special-purpose addresses left out by default"
done

# A shared pool of attackers: the same address in many findings is written
# once per finding.
"$gen" --shape event --count 300 --seed 12 --ip-pool 5 --special 0 \
    --truth "$TMP/pool.truth" > "$TMP/pool.in"
sh-extract-ip "$TMP/pool.in" > "$TMP/pool.out"
want all "$TMP/pool.truth" > "$TMP/pool.want"
ok $(cmp -s "$TMP/pool.out" "$TMP/pool.want"; echo $?) \
    "pool of 5 addresses: one record per finding that names one"
is "$(cut -d'"' -f4 "$TMP/pool.out" | sort -u | wc -l | tr -d ' ')" 5 \
    "pool of 5 addresses: 5 distinct hosts"

# Malformed lines in a stream: rejected byte for byte, the rest unaffected.
"$gen" --shape mixed --count 500 --seed 13 --malformed 0.05 \
    --truth "$TMP/bad.truth" > "$TMP/bad.in"
sh-extract-ip --allow-private --rejects "$TMP/rejects" "$TMP/bad.in" \
    > "$TMP/bad.out" 2> "$TMP/bad.err"
is $? 1 "malformed lines: status 1"
want all "$TMP/bad.truth" > "$TMP/bad.want"
ok $(cmp -s "$TMP/bad.out" "$TMP/bad.want"; echo $?) \
    "malformed lines: the good records are all there"
python3 -c '
import json, sys
bad = b""
for line in open(sys.argv[1], "rb"):
    try:
        json.loads(line)
    except ValueError:
        bad += line
sys.stdout.buffer.write(bad)
' "$TMP/bad.in" > "$TMP/bad.want-rejects"
ok $(test -s "$TMP/rejects" && cmp -s "$TMP/rejects" "$TMP/bad.want-rejects";
    echo $?) "malformed lines: --rejects holds them byte for byte"
is "$(grep -c 'invalid JSON' "$TMP/bad.err")" \
    "$(wc -l < "$TMP/bad.want-rejects" | tr -d ' ')" \
    "malformed lines: one message each"
