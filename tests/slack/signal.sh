#!/bin/sh
# signal.sh: SIGTERM (a stopped service, `timeout`) while records wait in
# the grouping window: they are posted at once, then the program dies of
# the signal.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 5

start_slack
mkfifo "$TMP/in" "$TMP/outpipe"
# Output to a pipe, so that it is flushed record by record.
cat "$TMP/outpipe" >"$TMP/out" &
slack-notify --group-window 60s <"$TMP/in" >"$TMP/outpipe" 2>"$TMP/err" &
pid=$!
at_exit "kill $pid 2>/dev/null"
exec 3>"$TMP/in"	# the input stays open: no end of input
cat "$SLACK_FIXTURES/ip-blocked.jsonl" >&3
i=0
while [ "$(wc -l <"$TMP/out")" -lt 4 ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
is "$(wc -l <"$TMP/out")" 4 "the records passed through at once"
is "$(slack_q 'len(L)')" 0 "nothing posted while the window is open"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
is $? 143 "died of SIGTERM (status 128+15)"
exec 3>&-
is "$(slack_q 'len(L)')" 4 "what was waiting was posted first"
is "$(slack_q 'all(any(ip in p["text"] for p in P) for ip in ("198.51.100.7", "10.1.2.3", "2001:db8::7", "203.0.113.9"))')" \
    True "all four records were told"
