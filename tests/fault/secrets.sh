#!/bin/sh
# secrets.sh: secret hygiene. Every program runs with --verbose, with
# recognisable fake secrets in its environment (AWS secret key, session
# token, Slack webhook path, and an IAM Identity Center login: its access
# token, refresh token, client secret and the role credentials the portal
# gives), against local stand-ins that answer well and badly
# (tests/fault/chaos.py, tests/fakes/sso_server.py); none of the secrets
# may appear in stdout, stderr or any file the program writes (rejects,
# payloads, state, store). Then every program that holds a secret is
# killed with SIGABRT or SIGSEGV while it holds one: it must leave no core
# file, and while it runs it must have a core limit of 0 and not be
# dumpable.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir

for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
HOME=$TMP
AWS_CONFIG_FILE=$TMP/config
AWS_SHARED_CREDENTIALS_FILE=$TMP/no-credentials
AWS_EC2_METADATA_DISABLED=true
AWS_ACCESS_KEY_ID=AKIDHYGIENETEST
AWS_SECRET_ACCESS_KEY=HygieneSecretKeyNeverPrint0123456789abcd
AWS_SESSION_TOKEN=HygieneSessionTokenNeverPrint0987654321
AWS_REGION=us-east-1
AWS_MAX_ATTEMPTS=2
SECHUB_NOW=2026-01-05T00:00:00Z
export HOME AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_EC2_METADATA_DISABLED AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
    AWS_SESSION_TOKEN AWS_REGION AWS_MAX_ATTEMPTS SECHUB_NOW
HOOKSECRET=HygieneWebhookPathNeverPrint42
SECRETS="$AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN $HOOKSECRET"

# an IAM Identity Center profile, logged in with a token that has ten
# minutes left (so it is refreshed), against the portal and OIDC stand-in;
# the portal throttles the first case (which then fails)
SSO_SECRETS="SsoAccessNeverPrint SsoRefreshNeverPrint SsoClientSecretNeverPrint SsoRoleSecretNeverPrint SsoRoleTokenNeverPrint"
SECRETS="$SECRETS $SSO_SECRETS"
cat >"$TMP/config" <<'EOF2'
[profile sso]
sso_session = hygiene
sso_account_id = 123456789012
sso_role_name = Responder
region = us-east-1
[sso-session hygiene]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
EOF2
mkdir -p "$HOME/.aws/sso/cache"
/usr/bin/python3 - "$HOME/.aws/sso/cache" "$TMP/sso-state.json" <<'EOF2' || exit 99
import hashlib, json, sys, time
def t(s): return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))
name = hashlib.sha1(b"hygiene").hexdigest()
json.dump({"startUrl": "https://d-1234567890.awsapps.com/start",
           "region": "us-east-1", "accessToken": "SsoAccessNeverPrint-0",
           "expiresAt": t(600), "clientId": "client-FAKE",
           "clientSecret": "SsoClientSecretNeverPrint",
           "registrationExpiresAt": t(86400),
           "refreshToken": "SsoRefreshNeverPrint-0"},
          open("%s/%s.json" % (sys.argv[1], name), "w"))
json.dump({"access_tokens": {"SsoAccessNeverPrint-0": time.time() + 600},
           "assignments": {"123456789012": ["Responder"]},
           "clients": {"client-FAKE": "SsoClientSecretNeverPrint"},
           "refresh_tokens": ["SsoRefreshNeverPrint-0"],
           "faults": [{"path": "/federation/credentials", "status": 429,
                       "type": "TooManyRequestsException", "times": 2}]},
          open(sys.argv[2], "w"))
EOF2
sso_port=$(free_port)
/usr/bin/python3 "$top_srcdir/tests/fakes/sso_server.py" --port "$sso_port" \
    --log "$TMP/sso.log" --state "$TMP/sso-state.json" 2>/dev/null &
at_exit "kill $! 2>/dev/null"
wait_port "$sso_port" || exit 99
AWS_ENDPOINT_URL_SSO=http://127.0.0.1:$sso_port
AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:$sso_port
export AWS_ENDPOINT_URL_SSO AWS_ENDPOINT_URL_SSO_OIDC

W=$TMP/work
mkdir "$W"
cd "$W" || exit 99
cat >finding.json <<'EOF2'
{"type":"Recon:EC2/PortProbeUnprotectedPort","id":"f1","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f1","region":"us-east-1","accountId":"123456789012","service":{"action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"INBOUND","remoteIpDetails":{"ipAddressV4":"203.0.113.50"}}}}}
EOF2
cat >ips.jsonl <<'EOF2'
{"HostIp":"203.0.113.50","FindingId":"f1","FindingType":"Recon:EC2/PortProbeUnprotectedPort","Severity":"HIGH","NewIP":true}
not json
{"HostIp":"203.0.113.999"}
EOF2
echo '{"HostIp":[{"exists":true}]}' >pattern.json
printf 'https://127.0.0.1:1/services/T0/B0/%s\n' "$HOOKSECRET" >webhook
chmod 600 webhook

chaos_pid=
chaos() {
	port=$(free_port)
	python3 "$top_srcdir/tests/fault/chaos.py" "$port" "$TMP/req.log" "$1" \
	    2>/dev/null &
	chaos_pid=$!
	wait_port "$port" || exit 99
}
unchaos() {
	[ -n "$chaos_pid" ] && kill "$chaos_pid" 2>/dev/null && wait "$chaos_pid" 2>/dev/null
	chaos_pid=
}
at_exit unchaos

# cases: NAME|CHAOS-MODE|COMMAND (run in $W, stdin from the named file)
cases() {
	cat <<EOF2
extract|-|sh-extract-ip --verbose --rejects rej-extract <finding.json
match|-|sh-match --verbose -p pattern.json --rejects rej-match <ips.jsonl
ipstore-sqlite|-|ipstore --verbose -s sqlite:$W/s.db add --rejects rej-store <ips.jsonl
ipstore-list|-|ipstore --verbose -s sqlite:$W/s.db list
prune|-|ipstore-prune --verbose -s sqlite:$W/s.db --older-than 1s
slack-ok|ok|SLACK_WEBHOOK_URL=http://127.0.0.1:\$port/services/T0/B0/$HOOKSECRET slack-notify --verbose --payloads pl --state st --rejects rej-slack <ips.jsonl
slack-500|500|SLACK_WEBHOOK_URL=http://127.0.0.1:\$port/services/T0/B0/$HOOKSECRET slack-notify --verbose --payloads pl2 <ips.jsonl
slack-refused|-|SLACK_WEBHOOK_URL=http://127.0.0.1:1/services/T0/B0/$HOOKSECRET slack-notify --verbose <ips.jsonl
slack-file|-|slack-notify --verbose --webhook-file webhook <ips.jsonl
slack-badurl|-|SLACK_WEBHOOK_URL=notaurl/$HOOKSECRET slack-notify --verbose <ips.jsonl
ddb-500|500|AWS_ENDPOINT_URL=http://127.0.0.1:\$port ipstore --verbose -s dynamodb:hygiene add <ips.jsonl
ddb-ok|ok|AWS_ENDPOINT_URL=http://127.0.0.1:\$port ipstore --verbose -s dynamodb:hygiene list
nfw-500|500|AWS_ENDPOINT_URL=http://127.0.0.1:\$port nfw-sync --verbose --rule-group hygiene <ips.jsonl
nfw-ok|ok|AWS_ENDPOINT_URL=http://127.0.0.1:\$port nfw-sync --verbose --rule-group hygiene <ips.jsonl
nfw-dry|throttle|AWS_ENDPOINT_URL=http://127.0.0.1:\$port nfw-sync --verbose -n --rule-group hygiene <ips.jsonl
waf-500|500|AWS_ENDPOINT_URL=http://127.0.0.1:\$port waf-sync --verbose --ip-set hygiene <ips.jsonl
waf-ok|ok|AWS_ENDPOINT_URL=http://127.0.0.1:\$port waf-sync --verbose --id 00000000-0000-4000-8000-000000000000 --ip-set hygiene <ips.jsonl
ddb-sso-throttled|-|AWS_ENDPOINT_URL=http://127.0.0.1:1 ipstore --verbose --profile sso -s dynamodb:hygiene list
nfw-sso|ok|AWS_ENDPOINT_URL=http://127.0.0.1:\$port nfw-sync --verbose --profile sso --rule-group hygiene <ips.jsonl
ddb-sso-500|500|AWS_ENDPOINT_URL=http://127.0.0.1:\$port ipstore --verbose --profile sso -s dynamodb:hygiene list
EOF2
}
# programs holding a secret, for the core dump checks below
CORE_CASES='nfw-sync waf-sync ipstore ipstore-prune slack-notify sh-findings'
plan $(($(cases | wc -l) * 2 + 1 + 1 + 6 * 4))

: >"$TMP/all"
cases | while IFS='|' read -r name mode cmd; do
	prog=$(printf '%s\n' "$cmd" | sed 's/^[A-Z_]*=[^ ]* //; s/ .*//')
	if ! command -v "$prog" >/dev/null 2>&1; then
		printf '%s\n' "$name" >>"$TMP/skipped"
		continue
	fi
	[ "$mode" = - ] || chaos "$mode"
	st=0
	eval "timeout 120 env $cmd" >"$TMP/$name.out" 2>"$TMP/$name.err" || st=$?
	unchaos
	printf '%s %s\n' "$name" "$st" >>"$TMP/status"
	cat "$TMP/$name.out" "$TMP/$name.err" >>"$TMP/all"
done

# TAP from the results (the loop above ran in a subshell)
n=0
for name in $(cases | cut -d'|' -f1); do
	if grep -qx "$name" "$TMP/skipped" 2>/dev/null; then
		echo "ok $((n + 1)) # SKIP program not built"
		echo "ok $((n + 2)) # SKIP program not built"
		n=$((n + 2))
		continue
	fi
	st=$(sed -n "s/^$name //p" "$TMP/status")
	n=$((n + 1))
	if [ "$st" -lt 124 ]; then
		echo "ok $n - $name: ran to an end (status $st)"
	else
		echo "not ok $n - $name: killed or timed out (status $st)"
	fi
	leaked=
	for s in $SECRETS; do
		grep -q -a -F "$s" "$TMP/$name.out" "$TMP/$name.err" &&
		    leaked="$leaked $s"
	done
	n=$((n + 1))
	if [ -z "$leaked" ]; then
		echo "ok $n - $name: no secret in stdout or stderr"
	else
		echo "not ok $n - $name: secret in stdout or stderr:$leaked"
		grep -a -F -e "$AWS_SECRET_ACCESS_KEY" -e "$AWS_SESSION_TOKEN" \
		    -e "$HOOKSECRET" -e NeverPrint "$TMP/$name.out" "$TMP/$name.err" |
		    head -3 | sed 's/^/# /'
	fi
done
# every file written in the working directory, the webhook file aside
leaked=$(grep -r -l -a -F -e "$AWS_SECRET_ACCESS_KEY" -e "$AWS_SESSION_TOKEN" \
    -e "$HOOKSECRET" -e NeverPrint "$W" | grep -v "/webhook$")
n=$((n + 1))
if [ -z "$leaked" ]; then
	echo "ok $n - no secret in any file written ($(ls "$W" | tr '\n' ' '))"
else
	echo "not ok $n - secret in files written: $leaked"
fi

# --- secrets do not outlive the process: no core, not dumpable -------------
# Each program is started with the fake secrets in its environment and a
# core limit of unlimited, in a directory of its own, and waits (for input,
# or for a server that never answers); then it is killed with a signal that
# dumps core. Not dumpable (PR_SET_DUMPABLE 0) is seen from outside as
# /proc/PID/environ (where the secrets are) refused to another process of
# the same user: that needs the program to run as a user without
# CAP_SYS_PTRACE (as root: nobody, through setpriv), since root may read
# any process's memory, dumpable or not.
# A control process shows that this machine writes core files where we
# look (core_pattern "core"); where it does not, those checks are skipped.
_tap_n=$n
cd "$TMP" || exit 99
chmod 711 "$TMP"
as_user=
uid=$(id -u)
if [ "$uid" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
	$as_user nfw-sync --version >/dev/null 2>&1 || as_user=
	[ -n "$as_user" ] && uid=65534
fi
skip_core=
[ -n "${SECHUB_VALGRIND:-}" ] &&
    skip_core="valgrind writes its own core files and virtualises limits"

# start_waiting DIR CMD...: start CMD in DIR with stdin from a fifo kept
# open, core limit unlimited; sets $pid once CMD itself is waiting
start_waiting() {
	_dir=$1
	shift
	mkdir -p "$_dir"
	chmod 777 "$_dir"
	rm -f "$_dir/fifo"
	mkfifo "$_dir/fifo"
	chmod 666 "$_dir/fifo"
	# shellcheck disable=SC2086
	(cd "$_dir" && ulimit -c unlimited && exec $as_user "$@" <fifo \
	    >out 2>err) &
	pid=$!
	exec 4>"$_dir/fifo"
	_want=$(basename "$1" | cut -c1-15)
	_i=0
	while [ $_i -lt 200 ]; do
		if [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$_want" ] &&
		    grep -q '^State:.*S (sleeping)' /proc/$pid/status 2>/dev/null
		then
			return 0
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
# kill_waiting SIGNAL: signal it, close its input, reap it
kill_waiting() {
	kill -s "$1" "$pid" 2>/dev/null
	exec 4>&-
	wait "$pid" 2>/dev/null
	# the kernel writes the core before the parent hears of the death
	sleep 0.1
}
cores_in() {
	ls "$1" | grep -c '^core' || true
}

# the control: an ordinary process in the same setting leaves a core
control=
# environ_readable PID: another process of the same user reads its
# environment (and finds the secret there)
environ_readable() {
	$as_user cat "/proc/$1/environ" 2>/dev/null | tr '\0' '\n' |
	    grep -q -F "$AWS_SECRET_ACCESS_KEY"
}
if [ -z "$skip_core" ] && start_waiting "$TMP/core-control" cat; then
	readable=0
	environ_readable "$pid" && readable=1
	kill_waiting SEGV
	if [ "$(cores_in "$TMP/core-control")" -ge 1 ]; then
		control=core
		[ "$readable" = 1 ] && [ "$uid" != 0 ] && control="core environ"
	fi
fi
if [ -n "$skip_core" ]; then
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $skip_core"
else
	ok "$([ -n "$control" ]; echo $?)" \
	    "control: cat killed with SIGSEGV leaves a core here (checks: ${control:-none})"
fi

port=$(free_port)
python3 "$top_srcdir/tests/fault/chaos.py" "$port" "$TMP/hang.log" hang \
    2>/dev/null &
at_exit "kill $! 2>/dev/null"
wait_port "$port" || exit 99
i=0
for prog in $CORE_CASES; do
	i=$((i + 1))
	case $prog in
	nfw-sync) sig=ABRT; set -- nfw-sync --rule-group hygiene ;;
	waf-sync) sig=SEGV; set -- waf-sync --ip-set hygiene ;;
	ipstore) sig=SEGV; set -- ipstore -s dynamodb:hygiene add ;;
	ipstore-prune) sig=ABRT; set -- ipstore-prune -s dynamodb:hygiene \
	    --older-than 1s ;;
	slack-notify) sig=SEGV; set -- slack-notify ;;
	sh-findings) sig=ABRT; set -- sh-findings --source securityhub \
	    --region us-east-1 ;;
	esac
	dir=$TMP/core-$prog
	if [ -n "$skip_core" ] || ! command -v "$prog" >/dev/null 2>&1; then
		for k in 1 2 3 4; do
			_tap_n=$((_tap_n + 1))
			echo "ok $_tap_n # SKIP ${skip_core:-$prog not built}"
		done
		continue
	fi
	export AWS_ENDPOINT_URL=http://127.0.0.1:$port
	export SLACK_WEBHOOK_URL=https://127.0.0.1:1/services/T0/B0/$HOOKSECRET
	if ! start_waiting "$dir" "$@"; then
		kill_waiting KILL
		for k in 1 2 3 4; do
			ok 1 "$prog: did not start and wait ($(head -c 200 "$dir/err"))"
		done
		continue
	fi
	limits=$(sed -n 's/^Max core file size  *\([^ ]*\)  *\([^ ]*\) .*/\1 \2/p' \
	    "/proc/$pid/limits")
	readable=no
	environ_readable "$pid" && readable=yes
	is "$limits" "0 0" "$prog: core file size limit 0, soft and hard (/proc/PID/limits)"
	case $control in
	*environ*)
		is "$readable" no "$prog: not dumpable: uid $uid cannot read its /proc/PID/environ" ;;
	*)
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP dumpability not observable (not run as another user, or no control)" ;;
	esac
	kill_waiting "$sig"
	if [ -n "$control" ]; then
		is "$(cores_in "$dir")" 0 "$prog: killed with SIG$sig holding the secrets: no core file"
	else
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP this machine writes no core file where we look"
	fi
	leaked=$(grep -r -l -a -F -e "$AWS_SECRET_ACCESS_KEY" -e "$HOOKSECRET" \
	    "$dir" 2>/dev/null)
	is "$leaked" "" "$prog: no file in its directory holds a secret"
	unset AWS_ENDPOINT_URL SLACK_WEBHOOK_URL
done
