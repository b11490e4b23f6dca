#!/bin/bash
# The journal: acknowledged means durable, a refused submit leaves nothing;
# compaction (snapshot + tail) with inactive jobs purged beyond a limit; a
# kill -9 at every step of a compaction loses no acknowledged job.
. "$(dirname "$0")/daemon-lib.sh"
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml
D_DIR_FIXED=$TMP/run
njobs() { "$STRATA" jobs -a --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))'; }

# 1. A failed journal write (the test hook: the 2nd submit's write stops
#    half way with ENOSPC, as on a full disk): the client gets the error,
#    and the job does not exist: no id, no state, no event, no record.
STRATAD_FAULT=journal-submit=2 daemon_start -L "$GRUG" --noexec -s "$TMP/s1"
"$STRATA" events >"$TMP/events" 2>/dev/null &
ev=$!
PIDS+=("$ev")
wait_for 50 grep -q subscribed "$TMP/events"
a=$("$STRATA" submit -t 100 true)
"$STRATA" submit -t 100 sleep 1 2>"$TMP/err"; rc=$?
check "refused submit fails (rc $rc)" test "$rc" -ne 0
check "with a clear error" grep -q "could not be recorded in the journal (No space left on device); nothing was submitted" "$TMP/err"
check "no job made: one job listed" test "$(njobs)" = 1
b=$("$STRATA" submit -t 100 true)
check "the next submit takes the next free id ($a then $b)" test "$b" = $((a + 1))
check "nothing half-written: the journal replays clean" python3 - "$TMP/s1/journal" <<'PY'
import sys, zlib, json
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b'', 'no newline at the end'
for l in lines[:-1]:
    crc, js = l.split(b' ', 1)
    assert int(crc, 16) == zlib.crc32(js), l
    assert b'"sleep"' not in js, 'the refused job was recorded'
PY
sleep 0.3
kill_ours TERM "$ev"
check "no event for the refused job" sh -c "! grep -q '\"id\":$((a + 2))' '$TMP/events' && ! grep -q 'sleep' '$TMP/events'"
check "stats: 2 jobs submitted" sh -c "'$STRATA' stats | grep -q '\"submitted\": 2'"
daemon_kill9
daemon_start -L "$GRUG" --noexec -s "$TMP/s1"
check "after a restart: the 2 acknowledged jobs, nothing else" test "$(njobs)" = 2
check "no corrupt tail reported" sh -c "! grep -q corrupt '$TMP/stratad.err'"
daemon_stop

# 2. Compaction: 40 zero-length jobs and 4 holds with a 16-record limit and
#    5 inactive jobs kept: the journal stays small, the newest inactive jobs
#    and every active one survive a kill -9, ids are never reused.
daemon_start -L "$GRUG" --noexec -s "$TMP/s2" --journal-max-records=16 --inactive-limit=5
for i in $(seq 40); do "$STRATA" submit -q -t 0 true; done
"$STRATA" submit -q --cc 4 -t 3600 true
wait_for 50 sh -c "'$STRATA' jobs -s run --json | grep -q '\"id\": 44'"
# a tick of the main loop compacts (a loaded machine may take seconds)
compactions() { "$STRATA" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"]["compactions"])'; }
compacted() { [ "$(compactions)" -ge 1 ]; }
wait_for 100 compacted
c=$(compactions)
check "compacted ($c times)" test "$c" -ge 1
lines=$(wc -l <"$TMP/s2/journal")
check "journal small ($lines lines for 44 jobs)" test "$lines" -le 40
check "snapshot record at its head" sh -c "head -n 1 '$TMP/s2/journal' | grep -q '\"type\":\"snapshot\"'"
check "5 inactive kept" test "$("$STRATA" jobs -s inactive --json | grep -c '"id"')" = 5
daemon_kill9
daemon_start -L "$GRUG" --noexec -s "$TMP/s2" --journal-max-records=16 --inactive-limit=5
ids=$("$STRATA" jobs -a --json | python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in json.load(sys.stdin)["jobs"]))')
check "after kill -9: 4 holds and the 5 newest inactive ($ids)" test "$ids" = "44 43 42 41 40 39 38 37 36"
check "an inactive job replayed keeps its node ($(job_field 40 ranks))" test "$(job_field 40 nnodes)" = 1
check "holds running again" test "$("$STRATA" jobs -s run --json | grep -c '"id"')" = 4
id=$("$STRATA" submit -t 0 true)
check "ids not reused after the purge ($id)" test "$id" = 45
"$STRATA" job info 3 2>"$TMP/err"
check "a purged job is gone" grep -q "no such job" "$TMP/err"
daemon_stop

# 2b. A compaction that fails (the hook: ENOSPC once journal.tmp is
#     written) keeps the journal and every job, purge included.
STRATAD_FAULT=compact-fail daemon_start -L "$GRUG" --noexec -s "$TMP/s2b" \
    --journal-max-records=16 --inactive-limit=2
for i in $(seq 12); do "$STRATA" submit -q -t 0 true; done
wait_for 50 grep -q "compaction failed" "$TMP/stratad.err"
check "failed compaction reported" grep -q "compaction failed (the journal is kept as it is): No space left on device" "$TMP/stratad.err"
# journal.tmp exists while an attempt runs, and the jobs' later records
# bring another one (at the limit past the failed one): look once the 12
# are inactive, their last records written.  A request is served between
# the daemon's ticks, so the attempt of that last tick is over by then.
inactive12() { [ "$("$STRATA" jobs -s inactive --json | grep -c '"id"')" = 12 ]; }
wait_for 100 inactive12
check "no journal.tmp left behind" test ! -e "$TMP/s2b/journal.tmp"
check "no job purged by a failed compaction ($(njobs))" test "$(njobs)" = 12
daemon_kill9
daemon_start -L "$GRUG" --noexec -s "$TMP/s2b"
check "the journal still has all 12" test "$(njobs)" = 12
daemon_stop
: >"$TMP/stratad.err"

# 3. kill -9 at each step of a compaction (test hook), in random order:
#    after a restart every acknowledged job is there, in its state, and
#    the property and drain set before it.
RANDOM=$$
steps=$(printf '1\n2\n3\n4\n' | shuf --random-source=<(yes $RANDOM))
for step in $steps; do
    s=$TMP/k$step
    STRATAD_FAULT=compact-kill=$step daemon_start -L "$GRUG" --noexec -s "$s" \
        --journal-max-records=16 --inactive-limit=$((RANDOM % 4))
    # a property and a drain before the compaction: kept through it
    "$STRATA" resource property set 0 "step$step=yes" >/dev/null
    "$STRATA" resource drain 1
    acked=() holds=()
    n=$((RANDOM % 20 + 10))
    for i in $(seq "$n"); do
        t=$((RANDOM % 2 * 3600))
        id=$("$STRATA" --timeout=5000 submit -t "$t" true 2>/dev/null) || break
        acked+=("$id")
        [ "$t" -gt 0 ] && holds+=("$id")
    done
    for _ in $(seq 50); do ours "$D_PID" || break; sleep 0.1; done
    check "step $step: the hook killed the daemon" grep -q "killed at compaction step $step" "$TMP/stratad.err"
    # (no compaction after the restart: its own journal.tmp would be seen)
    daemon_start -L "$GRUG" --noexec -s "$s" --journal-max-records=100000 --inactive-limit=100
    check "step $step: no journal.tmp left" test ! -e "$s/journal.tmp"
    last=${acked[-1]}
    # inactive jobs may have been purged by the limit; active ones never
    lost=$("$STRATA" jobs -a --json | python3 -c "
import json, sys
jobs = {j['id']: j['state'] for j in json.load(sys.stdin)['jobs']}
want = [int(x) for x in '${holds[*]:-}'.split()]
print(' '.join(str(i) for i in want if i not in jobs))")
    check "step $step: every hold (${#holds[@]}) is back [$lost]" test -z "$lost"
    check "step $step: no corrupt tail" sh -c "! grep -q 'corrupt\|truncated' '$TMP/stratad.err'"
    check "step $step: the property set before is back" \
        test "$("$STRATA" resource property get 0)" = "/tiny0/rack0/node0 step$step=yes"
    check "step $step: node1 still drained" sh -c "'$STRATA' resource list | grep -q 'down *1 .* node1'"
    next=$("$STRATA" submit -t 0 true)
    # (a submit journaled just before the kill may not have been answered:
    # it exists, unacknowledged, so the next id can be further on)
    check "step $step: ids not reused ($next after $last)" test "$next" -gt "$last"
    daemon_stop
    : >"$TMP/stratad.err"
done
finish
