#!/bin/sh
# agree.sh: a record that sh-extract-ip calls a finding, slack-notify calls
# a finding, and the other way round, on every fixture: record by record
# through the functions the two programs call (tests/extract/finding-agree),
# and file by file through the programs themselves (sh-extract-ip's count of
# findings against the findings of slack-notify's digests).
# tests/extract/shapes.jsonl holds the records on which the two programs
# used to disagree (an ASFF finding naming only its account, OCSF records
# of other classes, a non-finding inside an event, an array of findings,
# native findings without a numeric severity).
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
agree=$top_builddir/tests/extract/finding-agree

shapes="event asff getfindings gd-event gd-native gd-getfindings ocsf \
ocsf-event mixed"
fixtures="$FIXTURES/findings/*.json $top_srcdir/tests/pattern/samples/*.json
$top_srcdir/tests/slack/fixtures/*.json
$top_srcdir/tests/slack/fixtures/*.jsonl
$top_srcdir/share/examples/demo/events.jsonl
$top_srcdir/tests/extract/*.jsonl"
nfix=$(ls $fixtures | wc -l)
plan $((nfix * 2 + 9 + 1))

# findings COUNT FILE: sh-extract-ip's count of the findings in FILE
sh_extract_count() {
	sh-extract-ip --verbose --allow-private "$1" 2>&1 >/dev/null |
	    sed -n 's/.*, findings \([0-9]*\),.*/\1/p'
}

# the findings slack-notify tells about in FILE: one batch, every group a
# digest ("N findings: ..."), so the count is in the finding digest's text
slack_count() {
	slack-notify --dry-run --group-window 1h --digest-after 0 "$1" \
	    2>&1 >/dev/null |
	    sed -n 's/^{"text":":[a-z_]*: \([0-9]*\) findings*: .*/\1/p' |
	    awk '{ n += $1 } END { print n + 0 }'
}

# record_by_record FILE NAME: one test point
record_by_record() {
	out=$("$agree" "$1")
	st=$?
	ok $st "$2: the same findings record by record ($(printf '%s\n' \
	    "$out" | tail -1))"
	[ $st = 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -20
}

total=0
for f in $fixtures; do
	name=${f#"$top_srcdir/"}
	record_by_record "$f" "$name"
	n=$(sh_extract_count "$f")
	total=$((total + n))
	is "$(slack_count "$f")" "$n" \
	    "$name: sh-extract-ip and slack-notify count $n findings"
done
# the fixtures hold findings of every shape, and records that are none
ok $(test "$total" -ge 48; echo $?) "the fixtures hold $total findings"

for shape in $shapes; do
	"$top_srcdir/tests/gen-findings" --shape "$shape" --count 200 \
	    --seed 21 --ipv6 0.3 --partial 0.2 --legacy 0.2 > "$TMP/$shape.in"
	record_by_record "$TMP/$shape.in" "gen-findings --shape $shape"
done
