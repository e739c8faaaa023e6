#!/bin/sh
# stage.sh REAL-PROGRAM [ARG...]: run by the wrappers of tests/fault/flows.sh
# in place of a filter. When FAULT_STAGE names this stage (the program's
# name, and for ipstore its subcommand: ipstore:add), it dies with SIGKILL
# at FAULT_WHEN: before (nothing read or done), after (its work done, its
# output lost) or half (half of its output written, cut mid-record); or,
# with full, it runs on a full disk (no file may grow: ulimit -f 0).
# Otherwise it is the program.
real=$1
shift
name=${real##*/}
if [ "$name" = ipstore ]; then
	for a in "$@"; do
		case $a in
		add|list|get|rm|forget|count|init|mirror) name=ipstore:$a; break ;;
		esac
	done
fi
[ "${FAULT_STAGE:-}" = "$name" ] || exec "$real" "$@"
case ${FAULT_WHEN:-} in
before)
	kill -KILL $$ ;;
after)
	"$real" "$@" > /dev/null
	kill -KILL $$ ;;
full)
	ulimit -f 0
	exec "$real" "$@" ;;
half)
	out=$(mktemp "${TMPDIR:-/tmp}/sechub-stage.XXXXXX") || exit 99
	"$real" "$@" > "$out"
	size=$(wc -c < "$out")
	head -c $((size / 2)) "$out"
	rm -f "$out"
	kill -KILL $$ ;;
esac
echo "stage.sh: FAULT_WHEN: before, after, half or full" >&2
exit 99
