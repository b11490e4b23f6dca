#!/bin/bash
# nested-alloc: `strata alloc` without a command (flux alloc): $SHELL runs
# here, on our stdin/stdout, with STRATA_URI set to a new instance over the
# allocation; commands it reads submit and list jobs inside; when it exits
# the instance drains (its running jobs are canceled) and ends, the job
# completes, and alloc exits with the shell's code.
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
G=$SHARED/bench/bench1000.graphml

daemon_start --load "$G" --noexec
ROOT=$STRATA_URI
export PATH=$B/tools:$PATH
script='echo "uri=$STRATA_URI"
echo "job=$STRATA_ALLOC_JOBID"
strata submit -c1 -t 1h true >/dev/null
strata submit -N1 -c3 -t 1h true >/dev/null
strata submit -N2 true 2>&1 | sed "s/^/refused: /"
sleep 0.3
strata jobs
strata resource list
exit 7'
out=$(printf '%s\n' "$script" | SHELL=/bin/bash "$STRATA" alloc -N1 -c4 2>"$TMP/err")
rc=$?
echo "$out" | sed 's/^/  | /'
check "alloc exits with the shell's code" test "$rc" = 7
ID=$(sed -n 's/^job=//p' <<<"$out")
URI=$(sed -n 's/^uri=//p' <<<"$out")
check "the shell saw its job id ($ID)" test -n "$ID"
check "the shell's STRATA_URI is the instance's, not the root" \
    test -n "$URI" -a "$URI" != "$ROOT" -a "$URI" = "$(info_field "$ROOT" "$ID" uri)"
check "two jobs ran inside" test "$(grep -c ' R ' <<<"$out")" = 2
check "the instance has the allocation: 1 node, 4 cores" \
    grep -qE "^ *allocated +1 +4 " <<<"$out"
check "a job larger than the allocation is refused inside" grep -q "^refused: " <<<"$out"
check "the job completed" test "$(job_field "$ID" result)" = completed
check "it is an interactive instance job" bash -c "'$STRATA' job info $ID | grep -q '\"interactive\": true'"
sd=$(info_field "$ROOT" "$ID" statedir)
check "the drain canceled the instance's running jobs" \
    test "$(grep -c '"result": *"canceled"' "$sd/journal")" = 2
check "root: the allocation is freed" test "$(allocated_cores)" = 0
check "nothing of the instance left" no_procs_but "$D_PID"

# A shell that cannot start: the instance still ends.
SHELL=/nonexistent/sh "$STRATA" alloc -c1 </dev/null 2>"$TMP/err2"
rc=$?
check "a missing shell: exit 127" test "$rc" = 127
check "  said why" grep -q "/nonexistent/sh" "$TMP/err2"
last=$("$STRATA" call jobs '{"limit": 1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
check "  and its instance job ended" wait_state "$last" inactive 100
# alloc terminated (a closed terminal: SIGHUP, or SIGTERM): the shell gets
# the signal, and the instance still ends.
printf 'exec sleep 60\n' | SHELL=/bin/bash "$STRATA" alloc -c1 2>/dev/null &
APID=$!
# the newest job is a registered instance other than $last (which may have
# registered too: waiting for any "uri" raced with alloc's submit)
new_instance_up() {
    "$STRATA" call jobs '{"limit": 1}' | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
sys.exit(0 if j["id"] != int(sys.argv[1]) and "uri" in j else 1)' "$1"
}
wait_for 100 new_instance_up "$last"
T=$("$STRATA" call jobs '{"limit": 1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
check "an interactive instance is up (job $T)" test "$T" != "$last"
kill -TERM "$APID"
wait "$APID"
check "alloc exits as its shell: 143" test "$?" = 143
check "  and its instance job ended" wait_state "$T" inactive 100
check "  completed" test "$(job_field "$T" result)" = completed
last=$T
# Bad options are submit's: refused before anything starts.
check "bad option refused" bash -c "! '$STRATA' alloc -N0 </dev/null 2>/dev/null"
check "no job was submitted for it" test "$("$STRATA" call jobs '{"limit": 1}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')" = "$last"
check "nothing left" no_procs_but "$D_PID"
daemon_stop
finish
