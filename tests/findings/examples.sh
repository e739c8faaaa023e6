#!/bin/sh
# examples.sh: run the EXAMPLES of sh-findings(1) as written, against the
# Security Hub, GuardDuty and Network Firewall stand-ins, with the store
# in a temporary file. The SQS example needs a queue at the URL it names:
# tests/findings/sqs.sh runs its options against moto instead.
. "$top_srcdir/tests/findings/lib.sh"

sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$top_srcdir/man/sh-findings.1" |
    awk '/^\.Bd/ { on = 1; cmd = ""; next }
	/^\.Ed/ { on = 0; n++; f = "example." n; print cmd >f; close(f) }
	on { sub(/\\e$/, "\\"); cmd = cmd (cmd == "" ? "" : "\n") $0 }'
[ -f example.4 ] || { echo "Bail out! no examples found"; exit 1; }

export HOME=$TMP SECHUB_STORE=sqlite:$TMP/blocklist.db
export AWS_REGION=us-west-2
cp "$top_srcdir/share/examples/patterns/catch-remote-hosts.json" .
"$top_srcdir/tests/gen-findings" --shape asff --count 40 --seed 9 \
    --start 2026-01-09T20:00:00Z |
    jq -c '.Region = "us-west-2" | .ProductName = "GuardDuty"' >sh.jsonl
start_fake securityhub --findings sh.jsonl --regions us-west-2
SH_LOG=$FAKE_LOG
"$top_srcdir/tests/gen-findings" --shape gd-native --count 60 --seed 9 \
    --start 2026-01-09T20:00:00Z | jq -c '.region = "us-west-2"' >gd.jsonl
start_fake guardduty --findings gd.jsonl --regions us-west-2
GD_LOG=$FAKE_LOG
NFW_PORT=$(free_port)
/usr/bin/python3 "$top_srcdir/tests/fakes/nfw_server.py" --port "$NFW_PORT" \
    --state "$FIXTURES/nfw/group.json" --log nfw.jsonl \
    --secret "$FAKE_SECRET" &
at_exit "kill $! 2>/dev/null"
wait_port "$NFW_PORT" || { echo "Bail out! nfw stand-in did not start"; exit 1; }
export AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$NFW_PORT

plan 6
for f in example.*; do
	n=${f#example.}
	grep -q 'sqs:' "$f" && continue
	sh "$f" >out.$n 2>err.$n </dev/null
	ok "$(test $? -eq 0 && test ! -s err.$n && echo 0)" \
	    "example $n: $(head -1 "$f")"
	[ -s err.$n ] && sed 's/^/# /' err.$n
done
ok "$(test -s out.2 && echo 0)" \
    "example 2 found remote hosts ($(wc -l <out.2 | tr -d ' '))"
is "$(cat "$SH_LOG" "$GD_LOG" | jq -c 'select(.Valid == false)')" "" \
    "every request of the examples valid and signed"
is "$(jq -c 'select(.Valid == false)' nfw.jsonl)" "" \
    "and nfw-sync's too"
