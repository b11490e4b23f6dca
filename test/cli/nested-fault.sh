#!/bin/bash
# nested-fault: failures in a hierarchy of strata instances.
#  - kill -9 a child stratad: the parent marks its instance job failed
#    within about a second and frees the allocation; the grandchild
#    instance under it shuts down too;
#  - kill -9 the root stratad for good: every instance below notices,
#    waits its grace period (1 s here) for the root to come back, then
#    drains and exits; no process of the hierarchy is left
#    (nested-restart.sh: the root does come back).
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
G=$SHARED/bench/bench1000.graphml

make_hold # nothing here creates $TMP/stop: the holds last until the faults end them

# ---- a child dies --------------------------------------------------------------
daemon_start --load "$G" --noexec
ROOT=$STRATA_URI
A=$("$STRATA" batch -N1 -c4 "$TMP/hold.sh")
AURI=$(wait_uri "$ROOT" "$A") || fail "A registered"
B=$("$STRATA" proxy "$A" "$STRATA" batch -c2 "$TMP/hold.sh")
BURI=$(wait_uri "$AURI" "$B") || fail "B registered"
"$STRATA" proxy "$A" "$STRATA" submit --cc 2 -c1 -t 1m true >/dev/null
check "root holds at least A's 4 cores" test "$(allocated_cores)" -ge 4
APID=$(info_field "$ROOT" "$A" child_pid)
BPID=$(info_field "$AURI" "$B" child_pid)
check "child pids known" test -n "$APID" -a -n "$BPID"
t0=$(date +%s.%N)
kill -9 "$APID"
wait_state "$A" inactive 100
# The parent's own record of when A ended (wall clock, like date), not the
# time our polling took to see it.
t1=$("$STRATA" job info "$A" | python3 -c 'import json,sys; print(json.load(sys.stdin)["t"]["inactive"])')
elapsed=$(python3 -c "print(round($t1 - $t0, 2))")
check "the parent noticed the dead child in ${elapsed}s (<= 1 s)" \
    python3 -c "import sys; sys.exit(0 if $t1 - $t0 <= 1.0 else 1)"
check "A failed" test "$(job_field "$A" result)" = failed
check "A's allocation freed" test "$(allocated_cores)" = 0
check "the grandchild instance B shut down" wait_gone "$BPID" 100
check "nothing of A's subtree left" no_procs_but "$D_PID"
check "a new job runs on the freed resources" \
    test "$("$STRATA" run -N1 -c4 --noexec -t 0 true >/dev/null; echo $?)" = 0
daemon_stop

# ---- the root dies -------------------------------------------------------------
daemon_start --load "$G" --noexec
ROOT=$STRATA_URI
A=$("$STRATA" batch -N2 -n2 -c4 --setattr 'system.instance={"grace": 1}' "$TMP/hold.sh")
AURI=$(wait_uri "$ROOT" "$A") || fail "A registered"
B=$("$STRATA" proxy "$A" "$STRATA" batch -c2 "$TMP/hold.sh")
BURI=$(wait_uri "$AURI" "$B") || fail "B registered"
C=$("$STRATA" proxy "$A/$B" "$STRATA" batch -c1 "$TMP/hold.sh")
CURI=$(wait_uri "$BURI" "$C") || fail "C registered (3 levels below the root)"
"$STRATA" proxy "$A/$B/$C" "$STRATA" submit -c1 -t 1m true >/dev/null ||
    fail "job at level 4"
check "the hierarchy is up: $(tree_procs | wc -l) processes" test "$(tree_procs | wc -l)" -ge 10
kill -9 "$D_PID"
check "every instance below the dead root shut down, no orphans" no_procs_but
for d in "$TMP"/strata-job*; do
    check "state kept in $(basename "$d")" test -e "$d/journal" -a -e "$d/R.json"
done
finish
