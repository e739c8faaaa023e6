#!/bin/sh
# flows.sh: a failure at any point of any flow leaves a state the next run
# repairs by itself, and never an address blocked but forgotten. sechub runs
# its filters from SECHUB_BINDIR: here wrappers that let one stage die, with
# kill -9, before it did anything, after it did its work but before its
# output reached the next stage, or half-way through its output; or the
# store's disk is full for one stage. After each
# such run: every block of the group is an address the store still holds
# (active or pending). After the same command run again, with nothing
# failing: the store and the group are as one clean run leaves them, in
# sync (sechub status exits 0), with nothing pending.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
start_slack
WEBHOOK=$TMP/webhook
printf '%s\n' "$SLACK_WEBHOOK_URL" > "$WEBHOOK"
chmod 600 "$WEBHOOK"
printf 'webhook_file = %s\n' "$WEBHOOK" >> "$TMP/config"
unset SLACK_WEBHOOK_URL

# the wrappers: FAULT_STAGE names the program (and, for ipstore and
# ipstore-prune, the subcommand) that dies, FAULT_WHEN how
REAL=$top_builddir/bin
mkdir -p "$TMP/bin"
for p in sh-match sh-extract-ip ipstore ipstore-prune nfw-sync slack-notify; do
	cat > "$TMP/bin/$p" <<EOF
#!/bin/sh
exec /bin/sh "$top_srcdir/tests/fault/stage.sh" "$REAL/$p" "\$@"
EOF
	chmod +x "$TMP/bin/$p"
done
export SECHUB_BINDIR=$TMP/bin

# the group's blocks that are not inside what the store holds (active or
# pending), as "a b c"
covered() {
	{ ipstore list --all | jq -r .HostIp; echo --
	  blocked 30000 Sources | tr ' ' '\n'
	  blocked 30100 Destinations | tr ' ' '\n'; } | python3 -c '
import ipaddress, sys
held, blocks, seen = set(), [], False
for line in sys.stdin:
    line = line.strip()
    if line == "--":
        seen = True
    elif line and seen:
        blocks.append(ipaddress.ip_network(line))
    elif line:
        held.add(ipaddress.ip_network(line))
def inside(b):
    if any(h.version == b.version and b.subnet_of(h) for h in held):
        return True
    return b.num_addresses <= 256 and all(
        ipaddress.ip_network(a) in held for a in b)
print(" ".join(str(b) for b in blocks if not inside(b)))' ||
	    echo "(the check itself failed)"
}
# the state a clean run leaves: "active addresses | blocks | pending"
state() {
	printf '%s | %s | %s' "$(store_ips)" "$(group_blocks)" "$(pending_ips)"
}
reset() {
	FAULT_STAGE= sechub unblock $(ipstore list --all | jq -r .HostIp) \
	    >/dev/null 2>&1
	fake_control '{"faults":[]}' >/dev/null
}

# the scenarios: the command, then the stages it runs, each with the
# deaths tried (the ones where something can go wrong: a stage cut
# half-way feeds a cut input to the next; nfw-sync dying after its change
# leaves a group the store does not know changed)
SCENARIOS='record|run record EVENTS|sh-match@half sh-extract-ip@half ipstore:add@after,half,full ipstore:list@half nfw-sync@before,after,half slack-notify@half
prune|run prune|ipstore-prune@after,half,full ipstore:list@half nfw-sync@after,half ipstore:forget@after,half,full slack-notify@half
block|block 203.0.113.50 198.51.100.77|ipstore:add@after nfw-sync@after,half ipstore:forget@after
unblock|unblock 203.0.113.50 198.51.100.77|ipstore:rm@after,half nfw-sync@before,after,half ipstore:forget@after,half'
# under valgrind or the sanitizers (sechub's own paths are what they
# check; the whole matrix runs in the plain build), nfw-sync's death after
# its change only
if [ -n "${SECHUB_VALGRIND:-}${SECHUB_SANITIZERS:-}" ]; then
	SCENARIOS=$(printf '%s\n' "$SCENARIOS" | grep -v '^block' |
	    sed 's/|[^|]*$/|nfw-sync@after/')
fi

n=0
for line in $(printf '%s\n' "$SCENARIOS" | tr ' ' '+'); do
	for sw in $(printf '%s' "$line" | cut -d'|' -f3 | tr '+' ' '); do
		for w in $(printf '%s' "${sw#*@}" | tr ',' ' '); do
			n=$((n + 3))
		done
	done
done
plan $((n + $(printf '%s\n' "$SCENARIOS" | wc -l) + 1))

# prepare NAME: the state the scenario starts from
prepare() {
	case $1 in
	record|block) ;;
	prune)	SECHUB_NOW=2026-01-01T00:00:00Z sechub run record "$EVENTS" \
		    >/dev/null 2>&1 ;;
	unblock) sechub block 203.0.113.50 198.51.100.77 >/dev/null 2>&1 ;;
	esac
}
# the clean run of each scenario, for the state it leaves
for name in $(printf '%s\n' "$SCENARIOS" | cut -d'|' -f1); do
	cmd=$(printf '%s\n' "$SCENARIOS" | grep "^$name|" | cut -d'|' -f2 |
	    sed "s|EVENTS|$EVENTS|")
	reset
	prepare "$name"
	# shellcheck disable=SC2086
	SECHUB_NOW=2026-03-01T00:00:00Z sechub $cmd >/dev/null 2>"$TMP/err"
	ok $? "$name: the clean run succeeds"
	eval "want_$name=\"\$(state)\""
done

for line in $(printf '%s\n' "$SCENARIOS" | tr ' ' '+'); do
	name=${line%%|*}
	cmd=$(printf '%s' "$line" | cut -d'|' -f2 | tr '+' ' ' |
	    sed "s|EVENTS|$EVENTS|")
	stages=$(printf '%s' "$line" | cut -d'|' -f3 | tr '+' ' ')
	eval "want=\$want_$name"
	for sw in $stages; do
		s=${sw%@*}
		for w in $(printf '%s' "${sw#*@}" | tr ',' ' '); do
			reset
			prepare "$name"
			st=0
			# shellcheck disable=SC2086
			SECHUB_NOW=2026-03-01T00:00:00Z FAULT_STAGE=$s \
			    FAULT_WHEN=$w sechub $cmd >/dev/null \
			    2>"$TMP/err" || st=$?
			case $w in
			full) what="$name, $s on a full disk" ;;
			*) what="$name, $s killed $w its work" ;;
			esac
			is "$(covered)" "" \
			    "$what (status $st): every block is an address the store still holds"
			# shellcheck disable=SC2086
			SECHUB_NOW=2026-03-01T00:05:00Z sechub $cmd \
			    >/dev/null 2>"$TMP/err2"
			is "$(state)" "$want" "$what: the same command again leaves what a clean run does"
			sechub status >/dev/null 2>&1
			ok $? "$what: then status says in sync"
		done
	done
done
is "$(invalid)" "" "no request to the firewall was invalid"
