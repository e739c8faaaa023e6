#!/bin/sh
# flows-sqlite.sh: the three flows end to end with the SQLite store.
FLOW_STORE=sqlite
. "$top_srcdir/tests/flows/flows-lib.sh"
