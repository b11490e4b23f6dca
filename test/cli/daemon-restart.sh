#!/bin/bash
# Persistence: kill -9 at random points while jobs are being submitted, then
# restart on the same statedir: every acknowledged job is back, in the right
# state.  The journal limit is low (16 records), so that the kills also land
# before, during and after compactions (daemon-journal.sh kills at each
# step of one on purpose).  Running jobs whose processes were lost fail with the reason.  A
# corrupt journal tail is reported, not silently ignored.  Property changes
# made at random kill points keep the last acknowledged value.
. "$(dirname "$0")/daemon-lib.sh"

# kill9_during PID OUT: kill -9 the daemon while the client loop PID runs,
# a random 0.1-0.9 s after it has had KILL_MIN requests acknowledged (lines
# of OUT; bounded: 30 s), then end that loop (bounded: 60 s).  The minimum
# makes the four rounds pass the 16-record journal limit however slow the
# machine: on a loaded one, a time alone gave 12 property sets in all, no
# compaction, and a failed "the journal was compacted".
KILL_MIN=5
kill9_during() {
    for _ in $(seq 300); do
        { [ "$(wc -l <"$2")" -ge "$KILL_MIN" ] || gone "$1"; } && break
        sleep 0.1
    done
    sleep "0.$((RANDOM % 9 + 1))"
    daemon_kill9
    for _ in $(seq 600); do ours "$1" || break; sleep 0.1; done
    kill_ours TERM "$1"
    wait "$1" 2>/dev/null
}
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml
STATE=$TMP/state
D_DIR_FIXED=$TMP/run

RANDOM=$$
acked=()
# every acknowledged id is known to the instance (one jobs call, not one per id)
all_present() {
    printf '%s\n' "${acked[@]:-}" >"$TMP/acked"
    "$STRATA" jobs -a --json | python3 -c "
import json, sys
known = {j['id'] for j in json.load(sys.stdin)['jobs']}
acked = [int(l) for l in open('$TMP/acked') if l.strip()]
lost = [i for i in acked if i not in known]
if lost: print('lost:', lost[:10]); sys.exit(1)"
}
for round in 1 2 3 4; do
    daemon_start -L "$GRUG" --noexec -s "$STATE" --journal-max-records=16
    # every job acknowledged so far is known, and in a state that makes sense
    check "round $round: ${#acked[@]} acknowledged jobs present" all_present
    # submit in the background, kill -9 after a random delay
    # Bounded: each submit gives up after 10 s, the whole loop after 60 s.
    ( for _ in $(seq 200); do
          "$STRATA" --timeout=10000 submit -N 1 --exclusive -t 3600 true 2>/dev/null || break
      done ) >"$TMP/ids.$round" &
    sub=$!
    kill9_during "$sub" "$TMP/ids.$round"
    while read -r id; do acked+=("$id"); done <"$TMP/ids.$round"
done

daemon_start -L "$GRUG" --noexec -s "$STATE" --journal-max-records=16
check "no acknowledged job lost (${#acked[@]} checked)" all_present
# (the restarted daemon compacts at its first tick if the rounds did not)
check "the journal was compacted (snapshot at its head)" wait_for 50 sh -c "head -n 1 '$STATE/journal' | grep -q '\"type\":\"snapshot\"'"
# noexec holds running at the kill come back running, on their nodes
first=${acked[0]}
check "a hold running at the first kill is running again" test "$(job_field "$first" state)" = run
n=$("$STRATA" jobs -s pending --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')
r=$("$STRATA" jobs -s run --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')
check "two holds running, the rest pending ($r running, $n pending)" test "$r" = 2
alloc=$("$STRATA" resource list | awk '$1 == "allocated" { print $2 }')
check "their nodes are allocated again ($alloc)" test "$alloc" = 2
check "restore reported" grep -q "2 holds restored" "$TMP/stratad.err"
daemon_stop

# a real job running at the kill lost its processes: failed, with the reason
daemon_start -L "$GRUG" -s "$TMP/state2"
id=$("$STRATA" submit sh -c "echo \$\$ >$TMP/job.pid; exec sleep 100")
wait_state "$id" run
wait_for 50 test -s "$TMP/job.pid"
daemon_kill9
kill "$(cat "$TMP/job.pid")" 2>/dev/null
daemon_start -L "$GRUG" -s "$TMP/state2"
check "lost job failed" test "$(job_field "$id" result)" = failed
check "with the reason" sh -c "'$STRATA' job info $id | grep -q 'restarted while the job was running'"
daemon_stop

# corrupt tail: a truncated record and a bad CRC are both reported
last=$(tail -n 1 "$STATE/journal")
printf '%s' "${last:0:20}" >>"$STATE/journal"
daemon_start -L "$GRUG" --noexec -s "$STATE"
check "truncated tail reported on stderr" grep -q "journal:.*truncated record" "$TMP/stratad.err"
check "truncated tail saved" test -s "$STATE/journal.bad"
check "stats report the journal error" sh -c "'$STRATA' stats | grep -q 'truncated record'"
check "jobs before the tail survive" test -n "$(job_field "$first" state)"
daemon_stop
echo "0badc0de {\"type\":\"submit\"}" >>"$STATE/journal"
: >"$TMP/stratad.err"
daemon_start -L "$GRUG" --noexec -s "$STATE"
check "corrupt record reported" grep -q "journal:.*corrupt" "$TMP/stratad.err"
daemon_stop
: >"$TMP/stratad.err"
daemon_start -L "$GRUG" --noexec -s "$STATE"
check "clean after the tail was cut" test ! -s "$TMP/stratad.err" -o -z "$(grep corrupt "$TMP/stratad.err")"
daemon_stop

# property changes at random kill points (compactions between, 16-record
# limit): after a restart the value is the last acknowledged one, or the
# one sent after it (journaled, the reply not yet out)
PSTATE=$TMP/pstate
acked=0
seq_now() {
    "$STRATA" resource property get 0 | sed -n 's/.* seq=\([0-9]*\).*/\1/p'
}
for round in 1 2 3 4; do
    daemon_start -L "$GRUG" --noexec -s "$PSTATE" --journal-max-records=16
    got=$(seq_now)
    got=${got:-0}
    check "props round $round: seq=$got after $acked acknowledged" \
        test "$got" -ge "$acked" -a "$got" -le $((acked + 1))
    # Bounded: each set gives up after 10 s, the loop after 300 sets.
    ( for k in $(seq $((got + 1)) $((got + 300))); do
          "$STRATA" --timeout=10000 resource property set 0 "seq=$k" >/dev/null 2>&1 || break
          echo "$k"
      done ) >"$TMP/packs.$round" &
    sub=$!
    kill9_during "$sub" "$TMP/packs.$round"
    a=$(tail -n 1 "$TMP/packs.$round")
    [ -n "$a" ] && acked=$a
done
daemon_start -L "$GRUG" --noexec -s "$PSTATE" --journal-max-records=16
got=$(seq_now)
check "props: seq=${got:-none} after $acked acknowledged in the last round" \
    test "${got:-0}" -ge "$acked" -a "${got:-0}" -le $((acked + 1))
check "props: the journal was compacted" wait_for 50 sh -c "sed -n 2p '$PSTATE/journal' | grep -q '\"type\":\"resources\"'"
daemon_stop
finish
