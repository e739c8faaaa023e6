#!/bin/sh
# overview-examples.sh: the EXAMPLES of sechub-tools(7), run as printed, on
# the demo's events and saved rule group.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
tmpdir
cd "$TMP" || exit 99
ex=$top_srcdir/share/examples
cp "$ex/patterns/catch-remote-hosts.json" "$ex/patterns/high-critical.json" \
    "$ex/demo/events.jsonl" .
cp "$ex/demo/blocklist-describe.json" group.json
export SECHUB_STORE=sqlite:$TMP/blocklist.db SECHUB_NOW=2026-01-05T12:00:00Z

# the literal blocks of EXAMPLES, with their line continuations joined
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
    on && /^\.Bd -literal/ { lit = 1; cmd = ""; next }
    on && /^\.Ed/ { lit = 0; print cmd; next }
    lit { line = $0; gsub(/\\e/, "\\", line)
	  if (sub(/\\$/, "", line)) cmd = cmd line; else cmd = cmd line }' \
    "$top_srcdir/man/sechub-tools.7" > examples
plan 7
is "$(wc -l < examples | tr -d ' ')" 3 "three examples in the page"

sh -c "$(sed -n 1p examples)" > out1 2> err1
ok $? "example 1 runs"
is "$(jq -r .Added out1)/$(jq -r .text err1 | grep -c 'plan (dry run): 24 added')" 24/1 \
    "example 1: the plan adds 24 addresses, and its Slack message says so"
is "$(ipstore count)" 24 "example 1: the 24 addresses are in the store"

sh -c "$(sed -n 2p examples)" > out2 2> err2
ok $? "example 2 runs"
ok $(test -s notified.db; echo $?) "example 2: the notified findings are remembered"

is "$(sh -c "$(sed -n 3p examples)" | sort | tr '\n' ' ')" \
    "198.51.100.13 198.51.100.16 198.51.100.18 198.51.100.2 198.51.100.25 198.51.100.27 198.51.100.29 198.51.100.31 198.51.100.33 198.51.100.35 198.51.100.38 198.51.100.39 198.51.100.43 198.51.100.44 198.51.100.45 198.51.100.46 198.51.100.48 198.51.100.6 2001:db8:101::8 2001:db8:102::9 2001:db8:103::a 2001:db8:104::b 2001:db8:a86c:2::1305 203.0.113.195 " \
    "example 3: a month later all 24 would be unblocked"
