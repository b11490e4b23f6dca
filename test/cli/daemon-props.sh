#!/bin/bash
# resource.properties: set, get and remove properties on nodes (by rank,
# host or vertex path), as resource-query's set-property/get-property; the
# matcher's --requires sees a change at once; changes and drains survive a
# kill -9, a compaction and a refused journal write.  On tiny.graphml (2 nodes).
. "$(dirname "$0")/daemon-lib.sh"
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml
daemon_start -L "$GRUG" --noexec
ranks_of() { wait_state "$1" run 50; job_field "$1" ranks; }

"$STRATA" submit --requires fast true 2>"$TMP/err" && fail "props: a job requiring an unset property accepted"
check "props: nobody has 'fast' yet: unsatisfiable" grep -q "unsatisfiable" "$TMP/err"
"$STRATA" events 3 >"$TMP/events" &
PIDS+=("$!")
wait_for 50 grep -q subscribed "$TMP/events"
check "props: set by rank" "$STRATA" resource property set 1 fast
check "props: set by path, with a value" "$STRATA" resource property set /tiny0/rack0/node0 color=red
out=$("$STRATA" resource property get 'node[0-1]')
check "props: get by hosts" test "$out" = "/tiny0/rack0/node0 color=red
/tiny0/rack0/node1 fast"
for i in 1 2 3 4; do
    id=$("$STRATA" submit -N 1 --requires fast -t 30 true)
    check "props: job $i with --requires fast lands on node1" test "$(ranks_of "$id")" = 1
done
id=$("$STRATA" submit --requires ^fast -t 30 true)
check "props: --requires ^fast lands on node0" test "$(ranks_of "$id")" = 0
id=$("$STRATA" submit --requires color -t 30 true)
check "props: --requires color lands on node0" test "$(ranks_of "$id")" = 0
check "props: an event per change" wait_for 30 sh -c "grep -c resource.property '$TMP/events' | grep -q 2"
"$STRATA" resource property rm 0-1 fast 2>"$TMP/err" && fail "props: rm where a node lacks it"
check "props: rm refused when a target lacks the property" grep -q "node0 has no property fast" "$TMP/err"
check "props: ... and nothing was removed" test "$("$STRATA" resource property get 1)" = "/tiny0/rack0/node1 fast"
check "props: rm" "$STRATA" resource property rm 1 fast
check "props: gone" test "$("$STRATA" resource property get 1)" = "/tiny0/rack0/node1"
"$STRATA" submit --requires fast true 2>/dev/null && fail "props: --requires fast after rm accepted"
ok "props: --requires fast refused again after rm"
"$STRATA" resource property set 7 x 2>"$TMP/err"
check "props: unknown rank refused" grep -q "not nodes of this instance" "$TMP/err"
"$STRATA" resource property set /tiny0/nosuch x 2>"$TMP/err"
check "props: unknown path refused" grep -q "no vertex at path /tiny0/nosuch" "$TMP/err"
"$STRATA" resource property set 0 ^x 2>"$TMP/err"
check "props: a key starting with ^ refused" grep -q "is not KEY\[=VALUE\]" "$TMP/err"
"$STRATA" call resource.properties '{"op":"toggle","targets":"0"}' 2>"$TMP/err"
check "props: unknown op refused" grep -q "must be get, set or remove" "$TMP/err"
"$STRATA" call resource.properties '{"path":"/tiny0","targets":"0"}' 2>"$TMP/err"
check "props: path and targets together refused" grep -q "not both" "$TMP/err"
daemon_stop

# Nothing lost on a restart: properties and drains are journaled before
# they are acknowledged and replayed before the jobs; a compaction carries
# them in its snapshot.
D_DIR_FIXED=$TMP/run2
S=$TMP/state
start() { daemon_start -L "$GRUG" --noexec -s "$S" --journal-max-records=16 "$@"; }
props() { "$STRATA" resource property get 0-1; }
down() { "$STRATA" call resource.list | python3 -c 'import json,sys; print(json.load(sys.stdin)["down"]["ranks"])'; }
start
"$STRATA" resource property set 1 fast >/dev/null
"$STRATA" resource property set /tiny0/rack0/node0 color=red >/dev/null
"$STRATA" resource property set 0-1 tmp=1 >/dev/null
"$STRATA" resource property rm 0 tmp >/dev/null
"$STRATA" resource drain 0
hold=$("$STRATA" submit -N 1 --requires fast -t 3600 true)
wait_state "$hold" run 50
"$STRATA" resource drain 1 # the hold keeps running on a drained node
daemon_kill9
start
check "restart: properties as they were ($(props | tr '\n' ' '))" test "$(props)" = "/tiny0/rack0/node0 color=red
/tiny0/rack0/node1 fast tmp=1"
check "restart: both nodes still drained ($(down))" test "$(down)" = 0-1
check "restart: the hold on a drained node runs again" test "$(job_field "$hold" state)" = run
"$STRATA" resource undrain 0-1
"$STRATA" resource property rm 1 tmp >/dev/null
id=$("$STRATA" submit -N 1 --requires ^fast -t 30 true)
check "restart: --requires sees the replayed properties (^fast on node0)" test "$(ranks_of "$id")" = 0
# a compaction (16 records) in between: the snapshot carries the changes
for i in $(seq 20); do "$STRATA" submit -q -t 0 true; done
"$STRATA" resource drain 0
wait_for 30 sh -c "'$STRATA' stats | grep -q '\"compactions\": [1-9]'"
check "compacted with a resources record after the head" sh -c "sed -n 2p '$S/journal' | grep -q '\"type\":\"resources\"'"
daemon_kill9
start
check "after a compaction and kill -9: properties ($(props | tr '\n' ' '))" test "$(props)" = "/tiny0/rack0/node0 color=red
/tiny0/rack0/node1 fast"
check "after a compaction and kill -9: only node0 drained ($(down))" test "$(down)" = 0
daemon_stop

# A change that cannot be journaled is refused and not made (the test
# hook fails the first synced write with ENOSPC), and is not replayed.
D_DIR_FIXED=$TMP/run3
S=$TMP/state3
STRATAD_FAULT=journal-submit=1 start
"$STRATA" resource property set 0 fast 2>"$TMP/err" && fail "props: a change that could not be journaled accepted"
check "refused with the journal error" grep -q "could not be recorded in the journal (No space left on device); nothing was changed" "$TMP/err"
check "... and not made" test "$("$STRATA" resource property get 0)" = "/tiny0/rack0/node0"
"$STRATA" resource drain 1 && "$STRATA" resource property set 1 slow >/dev/null
check "the next changes are made" test "$(down)/$("$STRATA" resource property get 1)" = "1//tiny0/rack0/node1 slow"
daemon_kill9
start
check "after kill -9: the refused change absent, the others there" test "$(down)/$(props | tr '\n' ' ')" = "1//tiny0/rack0/node0 /tiny0/rack0/node1 slow "
check "no corrupt tail" sh -c "! grep -q 'corrupt\|truncated' '$TMP/stratad.err'"
daemon_stop
finish
