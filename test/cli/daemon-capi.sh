#!/bin/bash
# The C API example: 10,000 jobs submitted from a loop, waited for, with an
# event subscription.
. "$(dirname "$0")/daemon-lib.sh"
daemon_start -L "$SHARED/conformance/data/resource/grugs/tiny.graphml"
out=$("$B/daemon/example_submit" 10000)
echo "$out"
check "10000 jobs, last one completed" sh -c "echo '$out' | grep -q 'submitted 10000 jobs.*last job 10000 completed'"
n=$("$STRATA" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"]["inactive"])')
check "all inactive ($n)" test "$n" = 10000
check "shutdown" daemon_stop
finish
