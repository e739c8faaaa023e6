#!/bin/sh
# secrets.sh: the webhook URL's secret path never appears in any output,
# error or --verbose trace, whatever happens; --webhook-file must be private.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 14

all=$TMP/all-output
: >"$all"
run() {	# run NAME ARGS...: slack-notify --verbose, all output kept
	name=$1
	shift
	slack-notify --verbose --payloads "$TMP/$name.payloads" "$@" \
	    >"$TMP/$name.out" 2>"$TMP/$name.err"
	status=$?
	cat "$TMP/$name.out" "$TMP/$name.err" >>"$all"
	[ ! -f "$TMP/$name.payloads" ] || cat "$TMP/$name.payloads" >>"$all"
	return $status
}
in=$SLACK_FIXTURES/ip-blocked.jsonl
one=$SLACK_FIXTURES/sh-event.json

start_slack
run ok --digest-after 1 "$in"
ok $? "posted: exit status 0"
grep -q "127.0.0.1:$SLACK_PORT/services/T…/B…/\*\*\*: attempt 1: HTTP 200 ok" \
    "$TMP/ok.err"
ok $? "--verbose traces each attempt under the hidden name"

start_slack 404
run gone "$one"
is $? 3 "404: exit status 3"
start_slack 500,500,500
run failing "$one"
is $? 3 "500: exit status 3"
start_slack 429/1
run limited "$one"
ok $? "429: exit status 0"
grep -q "Retry-After" "$TMP/limited.err"
ok $? "--verbose says it waits for Retry-After"
stop_slack
run refused "$one"
is $? 3 "nobody listening: exit status 3"
grep -q "^slack-notify: 127.0.0.1:$SLACK_PORT/services/T…/B…/\*\*\*: " \
    "$TMP/refused.err"
ok $? "nobody listening: reported under the hidden name"

# A URL that is refused before any request: http:// to a remote host.
SLACK_WEBHOOK_URL=http://hooks.example.com$SLACK_PATH run plainhttp "$in"
is $? 2 "http:// to a remote host: usage error"

# The webhook in a file: refused unless only its owner can read it.
echo "$SLACK_WEBHOOK_URL" >"$TMP/hook"
chmod 644 "$TMP/hook"
(unset SLACK_WEBHOOK_URL; run openfile --webhook-file "$TMP/hook" "$in")
is $? 2 "--webhook-file readable by others: usage error"
grep -q "readable or writable by others" "$TMP/openfile.err"
ok $? "--webhook-file readable by others: says why"
start_slack
echo "$SLACK_WEBHOOK_URL" >"$TMP/hook"
chmod 600 "$TMP/hook"
(unset SLACK_WEBHOOK_URL; run file --webhook-file "$TMP/hook" "$in")
ok $? "--webhook-file mode 600: posted"
is "$(slack_q 'len(L)')" 4 "--webhook-file: all four messages reached the webhook"

is "$(grep -c -e "$SLACK_SECRET" -e B0FAKE000 -e T0FAKE000 "$all")" 0 \
    "the secret path is in no output, error, trace or payload"
