#!/bin/bash
# nested-treerun: strata tree-run builds the hierarchy, spreads the jobs over
# the leaves, reports each level and the total, and leaves nothing behind.
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
daemon_start --load "$SHARED/bench/bench1000.graphml" --noexec

out=$("$STRATA" tree-run -T 2x3 -J 45 --noexec true)
rc=$?
echo "$out"
check "tree-run succeeds" test "$rc" = 0
check "total line: 45 jobs over 3 levels" grep -q "^total: 45 jobs, 3 level(s)" <<<"$out"
check "6 leaves at level 3" test "$(grep -c "^    level 3 leaf " <<<"$out")" = 6
check "the leaves ran 45 jobs between them" test "$(sed -n 's/^ *level 3 leaf [^ ]*: \([0-9]*\) jobs.*/\1/p' <<<"$out" |
    paste -sd+ | bc)" = 45
check "2 instances at level 2" test "$(grep -c "^  level 2 .*: 3 instances" <<<"$out")" = 2
check "the root ran 2 instance jobs, both completed" test "$("$STRATA" call stats |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["submitted"], d["jobs"]["inactive"])')" = "2 2"
check "no instance left" no_procs_but "$D_PID"

# A leaf exits without freeing its jobs one by one (inst_exit_frees): its
# journal still has every job, ended, for a stratad restarted on it.
LEAF=
best=0
for j in "$TMP"/strata-job*/journal "$TMP"/strata-job*/strata-job*/journal; do
    [ -f "$j" ] || continue
    n=$(grep -c '"type":"inactive"' "$j")
    [ "$n" -gt "$best" ] && { best=$n; LEAF=$(dirname "$j"); }
done
check "a leaf's journal has its jobs' ends ($best)" test "$best" -ge 7
"$STRATAD" --rundir "$LEAF" --load "$LEAF/R.json" --load-format jgf --noexec \
    >"$TMP/leaf.out" 2>"$TMP/leaf.err" &
LPID=$!
PIDS+=("$LPID")
check "the leaf restarts on its state" wait_for 100 "$STRATA" --uri "ipc://$LEAF/rpc" ping
check "  with every job inactive and completed" test "$("$STRATA" --uri "ipc://$LEAF/rpc" jobs -a |
    grep -c ' CD ')" = "$best"
"$STRATA" --uri "ipc://$LEAF/rpc" shutdown >/dev/null
check "  and stops" wait_gone "$LPID" 50

# The events of a job (a submit and four states each) as json_dumps writes
# them (jobs.c writes flat events by hand): keys in order, reals "%.17g".
# (The PUB socket may drop some of a burst for a slow subscriber: their
# count is events.poll's.)
SEQ0=$("$STRATA" call stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_seq"])')
"$STRATA" events >"$TMP/events.out" 2>/dev/null &
EVP=$!
PIDS+=("$EVP")
sleep 0.5
out=$("$STRATA" tree-run -J 7 --noexec true)
check "one level: the jobs run in this instance" grep -q "^total: 7 jobs, 1 level(s)" <<<"$out"
sleep 0.5
kill_ours TERM "$EVP"
wait "$EVP" 2>/dev/null
check "35 events for 7 jobs (events.poll)" test "$("$STRATA" call events.poll "{\"after\": $SEQ0}" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')" = 35
check "events on the PUB socket written as jansson's compact JSON" python3 - "$TMP/events.out" <<'PY'
import json, sys
def dump(v):
    if isinstance(v, float):
        t = '%.17g' % v
        return t if ('.' in t or 'e' in t) else t + '.0'
    return json.dumps(v)
lines = [l.rstrip('\n') for l in open(sys.argv[1]) if l.startswith('{')]
n = 0
for l in lines:
    o = json.loads(l)
    want = '{' + ','.join(json.dumps(k) + ':' + dump(v) for k, v in o.items()) + '}'
    if l != want:
        print('event text', l, '!=', want)
        sys.exit(1)
    n += 1
print(n, 'events checked')
sys.exit(0 if n >= 10 else 1)
PY
check "bad topology refused" bash -c "! '$STRATA' tree-run -T 2y -J 4 true 2>/dev/null"
check "no command refused" bash -c "! '$STRATA' tree-run -T 2 -J 4 2>/dev/null"
check "zero jobs refused" bash -c "! '$STRATA' tree-run -J 0 true 2>/dev/null"
daemon_stop
finish
