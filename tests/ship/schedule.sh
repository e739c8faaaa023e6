#!/bin/sh
# schedule.sh: the scheduled prune as `make install` ships it. Installed
# into a scratch tree laid over /usr/local (sandbox.sh), the systemd units
# verify clean and rate at most 2.0 in `systemd-analyze security`; the
# unit's ExecStart line and the crontab line, run as written, in the
# environment systemd or cron would give them (emulate.py: the unit's
# Environment= and EnvironmentFile=, StateDirectory=, LoadCredential=, an
# unprivileged user, no $HOME; cron's PATH=/usr/bin:/bin), with nothing
# written but the configuration file (and the webhook's), prune on a fresh box
# without failing and unblock what expired, with credentials from the
# instance role (the metadata stand-in).
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
. "$top_srcdir/tests/ship/sandbox.sh"

need_sandbox
command -v systemd-analyze >/dev/null 2>&1 ||
	skip_all "systemd-analyze not installed (apt-get install systemd)"
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
[ "$prefix" = /usr/local ] ||
	skip_all "configured with --prefix=$prefix; this test lays the install over /usr/local"
EMULATE="/usr/bin/python3 $top_srcdir/tests/ship/emulate.py"
UNIT=/usr/local/lib/systemd/system/sechub-prune.service
CRONTAB=/usr/local/share/sechub-tools/examples/crontab
R=$TMP/root
plan 30

unset MAKEFLAGS MFLAGS MAKELEVEL
make -s -C "$top_builddir" install DESTDIR="$R" >"$TMP/install.out" 2>&1
ok $? "make install DESTDIR= succeeds"
ok $(test -f "$R$UNIT" && test -f "$R${UNIT%.service}.timer" &&
    test -f "$R$CRONTAB"; echo $?) \
    "it installs the units where systemd looks, and the crontab line"

# --- the units, as systemd reads them ---------------------------------------
sandbox "$R" --usr-local systemd-analyze verify "$UNIT" "${UNIT%.service}.timer" \
    > "$TMP/verify.out" 2>&1
ok $? "systemd-analyze verify: clean"
is "$(cat "$TMP/verify.out")" "" "systemd-analyze verify: not a word"
sandbox "$R" --usr-local systemd-analyze security --offline=true "$UNIT" \
    > "$TMP/security.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for sechub-prune.service: \([0-9.]*\) .*/\1/p' "$TMP/security.out")
echo "# exposure: $level"
ok $(awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }'; echo $?) \
    "systemd-analyze security --offline=true: exposure $level, at most 2.0"

# sh-findings' follow service, verified and rated the same way
FOLLOW=/usr/local/lib/systemd/system/sechub-follow.service
sandbox "$R" --usr-local systemd-analyze verify "$FOLLOW" \
    > "$TMP/verify-follow.out" 2>&1
is "$?:$(cat "$TMP/verify-follow.out")" "0:" \
    "sechub-follow.service: systemd-analyze verify: clean, not a word"
sandbox "$R" --usr-local systemd-analyze security --offline=true "$FOLLOW" \
    > "$TMP/security-follow.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for sechub-follow.service: \([0-9.]*\) .*/\1/p' "$TMP/security-follow.out")
ok $(awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }'; echo $?) \
    "sechub-follow.service: exposure $level, at most 2.0"

# sechub reconcile's unit and its timer, verified and rated the same way
RECONCILE=/usr/local/lib/systemd/system/sechub-reconcile.service
sandbox "$R" --usr-local systemd-analyze verify "$RECONCILE" \
    "${RECONCILE%.service}.timer" > "$TMP/verify-reconcile.out" 2>&1
is "$?:$(cat "$TMP/verify-reconcile.out")" "0:" \
    "sechub-reconcile.service and .timer: systemd-analyze verify: clean, not a word"
sandbox "$R" --usr-local systemd-analyze security --offline=true "$RECONCILE" \
    > "$TMP/security-reconcile.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for sechub-reconcile.service: \([0-9.]*\) .*/\1/p' "$TMP/security-reconcile.out")
ok $(awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }'; echo $?) \
    "sechub-reconcile.service: exposure $level, at most 2.0"

# --- stand-ins: Network Firewall, instance metadata, Slack -------------------
# the credentials are the instance role's: the firewall checks signatures
# with its secret key
NFW_SECRET=IMDS-secret-FAKE
jq '(.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[]
     | select(.Priority == 30000) | .RuleDefinition.MatchAttributes.Sources)
    = [{"AddressDefinition": "198.51.100.7/32"}, {"AddressDefinition": "198.51.100.8/32"}]
    | (.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[]
     | select(.Priority == 30100) | .RuleDefinition.MatchAttributes.Destinations)
    = [{"AddressDefinition": "198.51.100.7/32"}, {"AddressDefinition": "198.51.100.8/32"}]' \
    "$FIXTURES/nfw/group.json" > "$TMP/group.json"
start_fake "$TMP/group.json"
IMDS_PORT=$(free_port)
: > "$TMP/imds.log"
python3 "$top_srcdir/tests/fakes/aws_fake.py" "$IMDS_PORT" "$TMP/imds.log" \
    metadata 2>"$TMP/imds.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$IMDS_PORT" || { echo "Bail out! metadata stand-in did not start"; exit 1; }
start_slack

# --- what the operator writes: the settings, and the webhook (root only) -----
mkdir -p "$R/etc/sechub-tools"
cat > "$R/etc/sechub-tools/config" <<EOT
[default]
rule_group = blocklist
region = us-east-1
EOT
# test only: the stand-ins instead of AWS (nothing a user writes)
cat > "$R/etc/sechub-tools/sechub-tools.env" <<EOT
AWS_ENDPOINT_URL_NETWORK_FIREWALL=$NFW_URL
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$IMDS_PORT
EOT
printf '%s\n' "$SLACK_WEBHOOK_URL" > "$R/etc/sechub-tools/slack-webhook"
chmod 600 "$R/etc/sechub-tools/slack-webhook"

# --- a fresh box: no store yet ------------------------------------------------
sandbox "$R" --usr-local $EMULATE unit "$UNIT" > "$TMP/run1.out" 2> "$TMP/run1.err"
ok $? "the unit's first run on a fresh box succeeds"
sed 's/^/# /' "$TMP/run1.err"
ok $(test -f "$R/var/lib/sechub-tools/blocklist.db"; echo $?) \
    "it created the store in its StateDirectory="
is "$(stat -c '%u %a' "$R/var/lib/sechub-tools/blocklist.db")" "65534 600" \
    "the store belongs to the service's user, mode 600"
is "$(calls UpdateRuleGroup)" 0 "nothing expired: the rule group is not changed"
ok $(grep -q 'latest/meta-data/iam/security-credentials' "$TMP/imds.log"; echo $?) \
    "the credentials came from the instance role"
is "$(invalid)" "" "every request was valid and signed with them"

# --- a month on: one address expired, one still fresh ----------------------
store() {
	SECHUB_STORE=sqlite:$R/var/lib/sechub-tools/blocklist.db "$@"
}
printf '{"HostIp":"198.51.100.7"}\n' |
    store env SECHUB_NOW=2020-01-01T00:00:00Z ipstore add >/dev/null
printf '{"HostIp":"198.51.100.8"}\n' | store ipstore add >/dev/null
chown 65534:65534 "$R"/var/lib/sechub-tools/*
sandbox "$R" --usr-local $EMULATE unit "$UNIT" > "$TMP/run2.out" 2> "$TMP/run2.err"
ok $? "the unit's next run succeeds"
sed 's/^/# /' "$TMP/run2.err"
is "$(store ipstore list | jq -r .HostIp)" 198.51.100.8 \
    "the expired address left the store, the fresh one stayed"
is "$(blocked 30000 Sources)/$(blocked 30100 Destinations)" \
    "198.51.100.8/32/198.51.100.8/32" "and the rule group unblocked it"
is "$(slack_q "any('198.51.100.7' in json.dumps(p) for p in P)")" True \
    "Slack was told"
ok $(test -f "$R/var/lib/sechub-tools/slack.db"; echo $?) \
    "the flow's state is in the StateDirectory= too"

# --- the reconcile unit: a hand edit of the group is undone --------------------
echo '{"HostIp":"198.51.100.99"}' | AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
    AWS_SECRET_ACCESS_KEY=$NFW_SECRET AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL_NETWORK_FIREWALL=$NFW_URL nfw-sync -g blocklist \
    >/dev/null 2>&1
sandbox "$R" --usr-local $EMULATE unit "$RECONCILE" > "$TMP/rec.out" 2> "$TMP/rec.err"
ok $? "the reconcile unit's run succeeds"
sed 's/^/# /' "$TMP/rec.err"
is "$(blocked 30000 Sources)" "198.51.100.8/32" \
    "it took off the block the store does not hold"

# --- cron: the crontab line as installed ------------------------------------
# for cron the operator names the webhook file, readable by the cron user
cp "$R/etc/sechub-tools/slack-webhook" "$R/etc/sechub-tools/slack-webhook.cron"
chown 65534 "$R/etc/sechub-tools/slack-webhook.cron"
echo "webhook_file = /etc/sechub-tools/slack-webhook.cron" \
    >> "$R/etc/sechub-tools/config"
# 198.51.100.8 last seen long ago, too
store ipstore rm 198.51.100.8 >/dev/null
printf '{"HostIp":"198.51.100.8"}\n' |
    store env SECHUB_NOW=2020-01-01T00:00:00Z ipstore add >/dev/null
chown 65534:65534 "$R"/var/lib/sechub-tools/*
is "$(grep -c '^PATH=' "$R$CRONTAB")" 1 "the crontab sets PATH"
sandbox "$R" --usr-local $EMULATE cron "$R$CRONTAB" > "$TMP/cron.out" 2> "$TMP/cron.err"
ok $? "the crontab line, run as cron would, succeeds"
sed 's/^/# /' "$TMP/cron.err"
is "$(store ipstore count)" 0 "it pruned the store"
is "$(blocked 30000 Sources)" "" "and unblocked the address"

# --- and what cron's own PATH alone would have done ---------------------------
grep -v '^PATH=' "$R$CRONTAB" > "$TMP/crontab.nopath"
printf '{"HostIp":"198.51.100.9"}\n' |
    store env SECHUB_NOW=2020-01-01T00:00:00Z ipstore add >/dev/null
chown 65534:65534 "$R"/var/lib/sechub-tools/*
sandbox "$R" --usr-local $EMULATE cron "$TMP/crontab.nopath" \
    > "$TMP/cron2.out" 2> "$TMP/cron2.err"
ok $? "without the PATH line the pipeline still finds the programs beside it"
is "$(store ipstore count)" 0 "and prunes"

# --- a store named in the configuration is the one the units use -------------
echo "store = sqlite:/var/lib/sechub-tools/chosen.db" >> "$R/etc/sechub-tools/config"
printf '{"HostIp":"198.51.100.10"}\n' |
    SECHUB_STORE=sqlite:$R/var/lib/sechub-tools/chosen.db ipstore add >/dev/null
chown 65534:65534 "$R"/var/lib/sechub-tools/*
sandbox "$R" --usr-local $EMULATE unit "$RECONCILE" > "$TMP/rec2.out" 2> "$TMP/rec2.err"
ok $? "with store = in the configuration, the reconcile unit's run succeeds"
sed 's/^/# /' "$TMP/rec2.err"
is "$(blocked 30000 Sources)" "198.51.100.10/32" \
    "and the group follows that store, not the default one"
