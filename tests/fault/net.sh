#!/bin/sh
# net.sh: every networked program against a server that misbehaves
# (tests/fault/chaos.py): connection refused, reset after the request, no
# answer at all, a truncated body, a body that is not JSON, 500 and 503
# storms, throttling, and a TLS server whose self-signed certificate is not
# trusted (then trusted through AWS_CA_BUNDLE). Each must end with exit
# status 3 and clear one-line messages, make a bounded number of attempts
# (AWS_MAX_ATTEMPTS), take bounded time, and never print the fake secrets.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
tmpdir

MODES="refused reset hang truncated nonjson 500 503 throttle tls"
PROGS="slack-notify nfw-sync ipstore"
POINTS=5
plan $(( $(echo $PROGS | wc -w) * ($(echo $MODES | wc -w) * POINTS + 1) ))

# nothing from the user's AWS set-up; recognisable fake secrets
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
HOME=$TMP
AWS_CONFIG_FILE=$TMP/no-config
AWS_SHARED_CREDENTIALS_FILE=$TMP/no-credentials
AWS_EC2_METADATA_DISABLED=true
AWS_ACCESS_KEY_ID=AKIDFAULTTEST
AWS_SECRET_ACCESS_KEY=FaultSecretKeyDoNotPrint0123456789abcdef
AWS_SESSION_TOKEN=FaultSessionTokenDoNotPrint9876543210
AWS_REGION=us-east-1
AWS_MAX_ATTEMPTS=2
export HOME AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_EC2_METADATA_DISABLED AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
    AWS_SESSION_TOKEN AWS_REGION AWS_MAX_ATTEMPTS
HOOK=T0FAULT/B0FAULT/WebhookSecretPathDoNotPrint42
SECRETS="$AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN WebhookSecretPathDoNotPrint42"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" \
    -out "$TMP/cert.pem" >/dev/null 2>&1 || exit 99

REC='{"HostIp":"203.0.113.77","FindingId":"fault-1","Severity":"HIGH","FindingType":"Recon:EC2/PortProbeUnprotectedPort"}'
printf '%s\n' "$REC" >"$TMP/in.jsonl"

chaos_pid=
start_chaos() {
	# start_chaos MODE: a chaos server on $port ("refused": none)
	port=$(free_port)
	: >"$TMP/req.log"
	scheme=http
	[ "$1" = refused ] && return
	if [ "$1" = tls ]; then
		scheme=https
		python3 "$top_srcdir/tests/fault/chaos.py" "$port" "$TMP/req.log" \
		    ok "$TMP/cert.pem" "$TMP/key.pem" 2>/dev/null &
	else
		python3 "$top_srcdir/tests/fault/chaos.py" "$port" "$TMP/req.log" \
		    "$1" 2>/dev/null &
	fi
	chaos_pid=$!
	wait_port "$port" || exit 99
}
stop_chaos() {
	[ -n "$chaos_pid" ] && kill "$chaos_pid" 2>/dev/null && wait "$chaos_pid" 2>/dev/null
	chaos_pid=
}
at_exit stop_chaos

run_prog() {
	# run_prog PROG: run it against $scheme://127.0.0.1:$port, st and secs
	url=$scheme://127.0.0.1:$port
	t0=$(date +%s)
	st=0
	case $1 in
	slack-notify)
		SLACK_WEBHOOK_URL=$url/services/$HOOK timeout 300 \
		    slack-notify --verbose --timeout 3s <"$TMP/in.jsonl" \
		    >"$TMP/out" 2>"$TMP/err" || st=$? ;;
	nfw-sync)
		AWS_ENDPOINT_URL=$url timeout 300 nfw-sync --verbose \
		    --rule-group sechub-fault-test <"$TMP/in.jsonl" \
		    >"$TMP/out" 2>"$TMP/err" || st=$? ;;
	ipstore)
		AWS_ENDPOINT_URL=$url timeout 300 ipstore --verbose \
		    -s dynamodb:sechub-fault-test add <"$TMP/in.jsonl" \
		    >"$TMP/out" 2>"$TMP/err" || st=$? ;;
	esac
	secs=$(($(date +%s) - t0))
}

skip_n() {
	_k=0
	while [ $_k -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
		_k=$((_k + 1))
	done
}

for prog in $PROGS; do
	if ! command -v "$prog" >/dev/null 2>&1; then
		skip_n $(($(echo $MODES | wc -w) * POINTS + 1)) "$prog not built"
		continue
	fi
	if [ "$prog" = ipstore ]; then
		start_chaos refused
		run_prog ipstore
		if grep -q "no DynamoDB backend" "$TMP/err"; then
			skip_n $(($(echo $MODES | wc -w) * POINTS + 1)) \
			    "ipstore built without DynamoDB"
			continue
		fi
	fi
	for mode in $MODES; do
		start_chaos "$mode"
		[ "$mode" = hang ] && export AWS_MAX_ATTEMPTS=1
		run_prog "$prog"
		export AWS_MAX_ATTEMPTS=2
		stop_chaos
		want=3
		# Slack answers "ok"; any 200 means the message was posted
		[ "$prog:$mode" = slack-notify:nonjson ] && want=0
		is "$st" "$want" "$prog, $mode: exit status $want"
		other=$(grep -v "^$prog: " "$TMP/err" | head -3)
		ok "$([ -s "$TMP/err" ] || [ "$want" = 0 ]; [ $? = 0 ] && [ -z "$other" ]; echo $?)" \
		    "$prog, $mode: one-line messages naming the program"
		n=$(wc -l <"$TMP/req.log")
		ok "$([ "$n" -le 2 ]; echo $?)" \
		    "$prog, $mode: at most AWS_MAX_ATTEMPTS requests ($n)"
		ok "$([ "$secs" -le 120 ]; echo $?)" \
		    "$prog, $mode: gives up in bounded time (${secs}s)"
		leaked=
		for s in $SECRETS; do
			grep -q -F "$s" "$TMP/out" "$TMP/err" && leaked="$leaked $s"
		done
		is "$leaked" "" "$prog, $mode: no secret in any output"
		if [ "$mode" = tls ]; then
			grep -q -i -E 'certificate|ssl|tls' "$TMP/err" ||
			    echo "# $prog, tls: message does not say certificate: $(head -1 "$TMP/err")"
		fi
	done
	# the same TLS server, its certificate trusted: no certificate error
	start_chaos tls
	AWS_CA_BUNDLE=$TMP/cert.pem run_prog "$prog"
	stop_chaos
	ok "$(! grep -q -i -E 'certificate|ssl' "$TMP/err"; echo $?)" \
	    "$prog: AWS_CA_BUNDLE naming the certificate makes it trusted"
done
