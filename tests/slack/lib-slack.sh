# lib-slack.sh: the Slack webhook stand-in for slack-notify scenario tests.
# Source after tests/lib.sh and tmpdir.

# A fake secret, recognisable in any output it must never reach.
SLACK_SECRET=XsecretXwebhookXpath0123
SLACK_PATH=/services/T0FAKE000/B0FAKE000/$SLACK_SECRET
SLACK_FIXTURES=$top_srcdir/tests/slack/fixtures

# start_slack [SCRIPT]: start the stand-in (answers per SCRIPT, see
# tests/fakes/slack_server.py), export SLACK_WEBHOOK_URL; log in $SLACK_LOG.
start_slack() {
	SLACK_PORT=$(free_port)
	SLACK_LOG=$TMP/slack.$SLACK_PORT.log
	/usr/bin/python3 "$top_srcdir/tests/fakes/slack_server.py" \
	    --port "$SLACK_PORT" --log "$SLACK_LOG" --path "$SLACK_PATH" \
	    --script "${1:-}" &
	SLACK_PID=$!
	at_exit "kill $SLACK_PID 2>/dev/null"
	if ! wait_port "$SLACK_PORT"; then
		echo "Bail out! the Slack stand-in did not start"
		exit 99
	fi
	SLACK_WEBHOOK_URL=http://127.0.0.1:$SLACK_PORT$SLACK_PATH
	export SLACK_WEBHOOK_URL
}

stop_slack() {
	kill "$SLACK_PID" 2>/dev/null
	wait "$SLACK_PID" 2>/dev/null
}

# slack_q EXPR: evaluate a Python expression over L, the list of requests
# the stand-in logged (dicts: status, body, errors, gap, path_ok, ...).
slack_q() {
	/usr/bin/python3 -c '
import json, sys
L = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda e: e["t"])
P = [json.loads(e["body"]) for e in L if e["status"] != 404]
r = eval(sys.argv[2])
print(r if not isinstance(r, (list, dict)) else json.dumps(r))
' "$SLACK_LOG" "$1"
}

# check_payloads FILE: every line a payload within Slack's limits? Prints
# the problems, nothing if all are fine.
check_payloads() {
	/usr/bin/python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from slack_server import check_payload
for i, l in enumerate(open(sys.argv[2]), 1):
    for e in check_payload(json.loads(l)):
        print("payload %d: %s" % (i, e))
' "$top_srcdir/tests/fakes" "$1"
}
