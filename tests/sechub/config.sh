#!/bin/sh
# config.sh: sechub config shows every setting with where it came from (an
# option, a variable, file:line, the default), secrets masked, and the
# targets; the configuration's targets are where sechub acts.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
plan 10

cat >>"$TMP/config" <<EOF2
webhook_url = https://hooks.slack.com/services/T0FAKE/B0FAKE/XsecretX
targets = east

[target east]
rule_group = blocklist
region = us-east-1
EOF2
chmod 600 "$TMP/config"
out=$(SECHUB_RETENTION=10d sechub --store sqlite:x.db config 2>&1)
line() { printf '%s\n' "$out" | awk -v k="$1" '$1 == k' | tr -s ' '; }
is "$(line store)" "store sqlite:x.db --store" "an option, and where it came from"
is "$(line retention)" "retention 10d SECHUB_RETENTION" "a variable"
is "$(line rule_group)" "rule_group blocklist $TMP/config:3" \
    "a key of the file, with file and line"
is "$(line state_dir | cut -d' ' -f3)" "$TMP/config:4" "another"
is "$(line webhook_url)" "webhook_url (set, not shown) $TMP/config:8" \
    "a secret is masked"
is "$(printf '%s' "$out" | grep -c XsecretX)" 0 "the secret appears nowhere"
is "$(printf '%s\n' "$out" | grep '^target ' | tr -s ' ' | cut -d' ' -f1-6)" \
    "target blocklist rule group blocklist ($TMP/config:3:
target east rule group blocklist, region" "the targets: the profile's own group and [target east]"
out=$(sechub config --format json | jq -r 'select(.Key == "retention") | .From')
is "$out" "default" "JSON lines, and the default named"
out=$(SECHUB_CONFIG=/dev/null sechub status 2>&1; echo "status $?")
is "$out" "sechub: no target: set rule_group or targets in the configuration, SECHUB_RULE_GROUP, or --rule-group
status 2" "no target is a configuration error"
# in a systemd unit with StateDirectory=: the defaults are in $STATE_DIRECTORY
out=$(SECHUB_CONFIG=/dev/null SECHUB_STORE= SECHUB_STATE_DIR= \
    STATE_DIRECTORY=/var/lib/sechub-tools:/var/lib/other sechub config |
    awk '$1 == "store" || $1 == "state_dir"' | tr -s ' ')
is "$out" "store sqlite:/var/lib/sechub-tools/blocklist.db default
state_dir /var/lib/sechub-tools default" \
    "under systemd, the default store and state directory are systemd's StateDirectory="
