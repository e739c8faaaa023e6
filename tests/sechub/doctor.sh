#!/bin/sh
# doctor.sh: sechub doctor checks the setup, one line a check, and fails
# (exit 1) on each broken setting: the webhook's mode, a target that does
# not answer, a missing pattern, a store it cannot read, a group too full.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
plan 14
# the STS stand-in answers who the test's keys are
export FAKE_STS_KEYS="$AWS_ACCESS_KEY_ID=$AWS_SECRET_ACCESS_KEY"
start_fake sts sts
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT

printf 'https://hooks.slack.com/services/T0FAKE/B0FAKE/XsecretX\n' >"$TMP/hook"
chmod 600 "$TMP/hook"
printf 'webhook_file = %s\n' "$TMP/hook" >>"$TMP/config"
ipstore init
sechub doctor >"$TMP/out" 2>&1
is "$?" 0 "a working setup: exit 0"
is "$(cut -d: -f1 "$TMP/out" | tr -s ' ' | tr '\n' ',')" \
    "ok config,ok store,ok credentials,ok blocklist,ok webhook,ok record pattern,ok send pattern,ok state,ok clock," \
    "one line a check, each ok"
is "$(grep '^ok   credentials' "$TMP/out" | cut -d' ' -f5-7)" \
    "arn:aws:iam::123456789012:user/AKIDEXAMPLE (account 123456789012," \
    "credentials: whose they are"
is "$(grep -c XsecretX "$TMP/out")" 0 "the webhook is never printed"

chmod 644 "$TMP/hook"
sechub doctor >"$TMP/out" 2>&1
is "$?" 1 "a webhook file others can read: exit 1"
is "$(grep -c "^FAIL webhook: $TMP/hook: readable" "$TMP/out")" 1 "named"
chmod 600 "$TMP/hook"

AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:1 AWS_MAX_ATTEMPTS=1 \
    sechub doctor >"$TMP/out" 2>&1
is "$?" 1 "a target that does not answer: exit 1"
is "$(grep '^FAIL' "$TMP/out" | cut -d: -f1)" "FAIL blocklist" "named"

sechub --record-pattern "$TMP/nosuch.json" doctor >"$TMP/out" 2>&1
is "$?" 1 "a missing pattern: exit 1"
is "$(grep '^FAIL' "$TMP/out" | cut -d: -f1)" "FAIL record pattern" "named"

echo "not a database" >"$TMP/bad.db"
sechub --store "sqlite:$TMP/bad.db" doctor >"$TMP/out" 2>&1
is "$?" 1 "a store that cannot be read: exit 1"
is "$(grep '^FAIL' "$TMP/out" | cut -d: -f1)" "FAIL store" "named"

AWS_SECRET_ACCESS_KEY=wrong-FAKE sechub doctor >"$TMP/out" 2>&1
is "$(grep '^FAIL' "$TMP/out" | cut -d: -f1 | head -1)" "FAIL credentials" \
    "credentials STS refuses fail"

SECHUB_NOW=2026-01-01T00:00:00Z sechub doctor >"$TMP/out" 2>&1
is "$(grep '^warn' "$TMP/out" | cut -d: -f1)" "warn clock" "a fixed clock is a warning"
