#!/bin/sh
# examples.sh: run the EXAMPLES of man/slack-notify.1, as printed there,
# and check they do what the page says.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 7

# The commands: "$ " lines, with lines ending in \e or | continued.
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
on && (/^\$ / || cont) {
	line = $0; sub(/^\$ /, "", line); gsub(/\\e/, "\\", line)
	printf "%s\n", line
	cont = (line ~ /[\\|]$/)
	if (!cont) print "#--"
}' "$top_srcdir/man/slack-notify.1" >"$TMP/cmds"
starts() {	# starts GOT PREFIX DESCRIPTION
	case $1 in
	"$2"*)	ok 0 "$3" ;;
	*)	ok 1 "$3"; printf '#   got: %s\n' "$1" ;;
	esac
}
ex() {	# ex N: the Nth example command
	awk -v n="$1" 'BEGIN { RS = "#--\n" } NR == n' "$TMP/cmds"
}
is "$(grep -c '^#--' "$TMP/cmds")" 5 "five commands in EXAMPLES"

export HOME=$TMP/home
mkdir -p "$HOME/.config/sechub" "$HOME/.local/state/sechub" "$TMP/w"
cd "$TMP/w" || exit 99
cp "$SLACK_FIXTURES/sh-event.json" finding.json
cp "$SLACK_FIXTURES/sh-event.json" events.jsonl
printf '{"HostIp":"192.0.2.10","Severity":"LOW","Blocked":true,"FindingType":"Recon:EC2/PortProbeUnprotectedPort"}\n' >ips.jsonl

# 1: a preview, as folded in the page.
starts "$(sh -c "$(ex 1)" 2>&1)" \
    '{"text":":red_circle: HIGH GuardDuty finding: EC2 instance i-99999999 communicating outbound with C&amp;C Server. (123456789012, us-east-1)"' \
    "1: the preview's fallback text"

# 2: one block, with jq.
if command -v jq >/dev/null 2>&1; then
	is "$(sh -c "$(ex 2)")" \
	    '{"type":"section","text":{"type":"mrkdwn","text":":no_entry: *Blocked* `192.0.2.10`"}}' \
	    "2: the first block of a blocked address"
else
	ok 0 "# SKIP jq not installed"
fi

# 3: the webhook from a private file, state remembered.
start_slack
echo "$SLACK_WEBHOOK_URL" >"$HOME/.config/sechub/slack-webhook"
chmod 600 "$HOME/.config/sechub/slack-webhook"
(unset SLACK_WEBHOOK_URL; sh -c "$(ex 3)")
ok $? "3: posted with the webhook file"
(unset SLACK_WEBHOOK_URL; sh -c "$(ex 3)")
is "$(slack_q 'len(L)')" 1 "3: posted once, remembered by the second run"

# 4, 5: the template.
cat >ip.tpl <<'TPL'
kind: ip
:no_entry_sign: `{{HostIp}}` ({{FindingType|no finding}})
TPL
is "$(sh -c "$(ex 4)")" "$(cat ip.tpl)" "4: the template as shown"
starts "$(sh -c "$(ex 5)" 2>&1)" \
    '{"text":":no_entry_sign: `192.0.2.10` (Recon:EC2/PortProbeUnpro' \
    "5: the templated payload"
