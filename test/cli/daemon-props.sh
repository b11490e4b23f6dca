#!/bin/bash
# resource.properties: set, get and remove properties on nodes (by rank,
# host or vertex path), as resource-query's set-property/get-property; the
# matcher's --requires sees a change at once.  On tiny.graphml (2 nodes).
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
finish
