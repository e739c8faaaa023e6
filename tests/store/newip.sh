#!/bin/sh
# newip.sh: NewIP is true exactly when a call blocked the address anew
# (inserted it, or found it pending): once per address, whatever the
# spelling, also with two add processes racing on overlapping sets, or on
# the same pending addresses.
. "$top_srcdir/tests/store/common.sh"
plan 15
reset_store

out=$(printf '%s\n' '{"HostIp":"2001:DB8:0:0::1"}' '{"HostIp":"2001:db8::1"}' \
    '{"HostIp":"198.51.100.7"}' | ipstore add | field NewIP | tr '\n' ' ')
is "$out" "true false true " "new once, then known (any spelling of an IPv6 address)"
out=$(echo '{"HostIp":"198.51.100.7"}' | ipstore add | field NewIP)
is "$out" "false" "a second run knows it"
is "$(ipstore count)" 2 "two entries"
reset_store

# Two writers, overlapping halves: 0..H*2-1 and H..H*3-1 (H 1500; 300 in
# the valgrind pass).
h=$(vg_scale 1500 300)
trickle 0 $((h * 2)) $((h / 5)) | ipstore add > "$TMP/a.out" 2> "$TMP/a.err" &
pa=$!
trickle "$h" $((h * 3)) $((h / 5)) | ipstore add > "$TMP/b.out" 2> "$TMP/b.err" &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
is "$sa $sb" "0 0" "both writers succeed"
is "$(cat "$TMP/a.err" "$TMP/b.err")" "" "no diagnostics (no 'database is locked')"
is "$(wc -l < "$TMP/a.out") $(wc -l < "$TMP/b.out")" "$((h * 2)) $((h * 2))" \
    "every record written back"
new=$(cat "$TMP/a.out" "$TMP/b.out" | grep '"NewIP":true' | field HostIp | sort)
is "$(printf '%s\n' "$new" | wc -l)" $((h * 3)) "$((h * 3)) NewIP:true in all"
is "$(printf '%s\n' "$new" | uniq -d)" "" "no address new twice"
is "$(printf '%s\n' "$new")" "$(ips 0 $((h * 3)) | field HostIp | sort)" \
    "every address new exactly once"
is "$(ipstore count)" $((h * 3)) "store holds the union"

# Two writers adding the same pending addresses again: each is blocked anew
# exactly once (a remote store is slower: fewer addresses, same story).
if need_sqlite; then n=$(vg_scale 2000 400); else n=300; fi
reset_store
ips 0 $n 203.0 | ipstore add >/dev/null
ipstore list | ipstore rm >/dev/null
is "$(ipstore count):$(ipstore count --removed)" "0:$n" "all $n pending"
trickle 0 $n $((n / 10)) 203.0 | ipstore add > "$TMP/a.out" 2> "$TMP/a.err" &
pa=$!
trickle 0 $n $((n / 10)) 203.0 | ipstore add > "$TMP/b.out" 2> "$TMP/b.err" &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
is "$sa $sb:$(cat "$TMP/a.err" "$TMP/b.err")" "0 0:" "both writers succeed, silently"
new=$(cat "$TMP/a.out" "$TMP/b.out" | grep '"NewIP":true' | field HostIp | sort)
is "$(printf '%s\n' "$new" | wc -l | tr -d ' ')" "$n" "$n NewIP:true in all"
is "$(printf '%s\n' "$new" | uniq -d | head -3)" "" "no address new twice"
is "$(ipstore count):$(ipstore count --removed)" "$n:0" "all active again"
