#!/bin/sh
# newip.sh: NewIP is true exactly once per address, also with two add
# processes racing on overlapping sets.
. "$top_srcdir/tests/store/common.sh"
plan 1
ipstore init
ok $? "init"
