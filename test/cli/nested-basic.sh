#!/bin/bash
# nested-basic: a 3-level hierarchy of strata instances on bench1000 (fake
# resources, noexec leaves).  Every job at every level must get resources
# inside all its ancestors' allocations (R sets compared by
# nested-check.py); the child's graph is exactly the allocation; jobs/tree/
# proxy show and reach the hierarchy; an instance ends with its initial
# program (exit code passed through, child drained, state kept), with a
# cancel and with its time limit, and the parent frees the allocation.
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
G=$SHARED/bench/bench1000.graphml
HERE=$(cd "$(dirname "$0")" && pwd)

# The initial program of the long-lived instances: holds (bounded) until
# $TMP/stop exists.
make_hold

daemon_start --load "$G" --noexec
ROOT=$STRATA_URI

# ---- level 1: two instance jobs in the root ---------------------------------
A=$("$STRATA" batch -N2 -n2 -c8 "$TMP/hold.sh") || fail "batch A"
A2=$("$STRATA" submit --setattr=system.instance=true -N1 -c4 "$TMP/hold.sh") ||
    fail "submit with system.instance"
AURI=$(wait_uri "$ROOT" "$A") && ok "instance A registered: $AURI" || fail "instance A registered"
A2URI=$(wait_uri "$ROOT" "$A2") && ok "system.instance job registered" || fail "A2 registered"
LEAVES=$("$STRATA" submit --cc 3 -c 2 -t 1m true) || fail "root leaf jobs"

# The child's graph is exactly the allocation: same nodes, same cores.
check "A's instance has 2 nodes, 16 cores" \
    test "$("$STRATA" proxy "$A" "$STRATA" call resource.list |
        python3 -c 'import json,sys; f=json.load(sys.stdin)["free"]; print(f["nnodes"], f["ncores"])')" = "2 16"
check "A's instance nodes are A's ranks" \
    test "$("$STRATA" --uri "$AURI" call resource.list |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["free"]["ranks"])')" = \
    "$(info_field "$ROOT" "$A" ranks)"
"$STRATA" jobs >"$TMP/jobs.out"
check "strata jobs shows the child's uri" grep -qF -- "-> $AURI" "$TMP/jobs.out"

# ---- level 2: inside A, an instance B and leaves -----------------------------
B=$("$STRATA" proxy "$A" "$STRATA" batch -N1 -c6 "$TMP/hold.sh") || fail "batch B in A"
BURI=$(wait_uri "$AURI" "$B") && ok "instance B (level 2) registered" || fail "B registered"
"$STRATA" proxy "$A" "$STRATA" submit --cc 4 -c 2 -t 1m true >/dev/null || fail "A leaf jobs"
check "a request larger than A's allocation is refused in A" \
    bash -c "! '$STRATA' proxy $A '$STRATA' submit -N3 true 2>/dev/null"

# ---- level 3: inside B --------------------------------------------------------
"$STRATA" proxy "$A/$B" "$STRATA" submit --cc 5 -c 1 -t 1m true >/dev/null ||
    fail "B leaf jobs (proxy by path)"
check "job path A/B reaches B" test "$("$STRATA" proxy "$A/$B" printenv STRATA_URI)" = "$BURI"
wait_for 50 bash -c "[ \$('$STRATA' --uri '$BURI' call jobs | grep -o '\"state\": \"run\"' | wc -l) = 5 ]" &&
    ok "B runs its 5 jobs" || fail "B runs its 5 jobs"
check "B's instance has 1 node and 6 cores" test "$("$STRATA" --uri "$BURI" call resource.list |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(d[k]["nnodes"] for k in d), sum(d[k]["ncores"] for k in d))')" = "1 6"

# ---- containment of every job at every level ----------------------------------
if python3 "$HERE/nested-check.py" "$STRATA" "$ROOT" >"$TMP/check.out"; then
    ok "every job inside its ancestors' allocations: $(tr '\n' ';' <"$TMP/check.out")"
else
    fail "containment"; cat "$TMP/check.out"
fi
check "3 levels were walked" grep -q "^level 3: 5 jobs" "$TMP/check.out"
"$STRATA" tree >"$TMP/tree.out"
check "tree shows three levels" grep -qF "      jobs: 5 (run 5" "$TMP/tree.out"
check "tree lists B under A" grep -qF "    $B run hold.sh ranks=" "$TMP/tree.out"

# ---- ending with the initial program ------------------------------------------
out=$("$STRATA" alloc -c2 -- bash -c '"$0" submit -c1 -t 1m true >/dev/null; "$0" jobs; exit 3' \
    "$STRATA")
rc=$?
check "alloc passes the exit code through" test "$rc" = 3
check "alloc's program saw its own instance" grep -q " R " <<<"$out"
last=$("$STRATA" call jobs '{"limit": 1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
sd=$(info_field "$ROOT" "$last" statedir)
check "child state kept for inspection" test -s "$sd/journal"
check "the child's job was canceled by the drain" grep -q '"canceled"' "$sd/journal"
check "child gone after the program" no_procs_but "$D_PID" $(tree_procs | grep -v "^$D_PID$")

# ---- ending by cancel (the whole subtree) and by time limit -------------------
BPID=$(info_field "$AURI" "$B" child_pid)
"$STRATA" cancel "$A" >/dev/null
check "A canceled" wait_state "$A" inactive 100
check "A result canceled" test "$(job_field "$A" result)" = canceled
check "B's instance (level 2) gone with A" wait_gone "$BPID" 50
T=$("$STRATA" batch -t 2s -c1 "$TMP/hold.sh")
wait_uri "$ROOT" "$T" >/dev/null
check "time-limited instance ends" wait_state "$T" inactive 120
check "its result is timeout" test "$(job_field "$T" result)" = timeout
touch "$TMP/stop"
check "A2 completes when its program exits" wait_state "$A2" inactive 100
check "A2 completed" test "$(job_field "$A2" result)" = completed
"$STRATA" cancel $LEAVES >/dev/null
check "root: every allocation freed" test "$(allocated_cores)" = 0
check "no process of the hierarchy left but the root" no_procs_but "$D_PID"
check "bad job path refused" bash -c "! '$STRATA' proxy 1x true 2>/dev/null"
check "proxy to a finished instance refused" bash -c "! '$STRATA' proxy $A true 2>/dev/null"
check "instance.register refuses a non-instance job" \
    bash -c "! '$STRATA' call instance.register '{\"id\": 1, \"uri\": \"ipc:///x\"}' 2>/dev/null"
daemon_stop
finish
