#!/bin/bash
# stratad + strata on this host's live topology: run, output, exit codes,
# environment, cancel, time limit, bulk submit, drain/undrain, shutdown.
. "$(dirname "$0")/daemon-lib.sh"

daemon_start --kill-grace 1
check "uri printed at start" grep -q "^uri $STRATA_URI\$" "$TMP/stratad.out"
check "uri file" grep -q "$STRATA_URI" "$D_DIR/uri"
check "rundir is 0700" test "$(stat -c %a "$D_DIR")" = 700

out=$("$STRATA" run echo hello)
check "run prints the output" test "$out" = hello
"$STRATA" run sh -c 'echo oops >&2; exit 3' 2>"$TMP/err"; rc=$?
check "run exits with the job's code" test "$rc" = 3
check "run prints stderr" grep -q oops "$TMP/err"
# run streams: the first line arrives while the job is still running
t0=$(date +%s.%N)
"$STRATA" run sh -c 'echo first; echo e1 >&2; sleep 2; echo second' 2>"$TMP/stream.err" |
    while read -r l; do echo "$l $(date +%s.%N)"; done >"$TMP/stream"
check "run streams: first line before the job ends, second after 2 s" python3 - "$TMP/stream" "$t0" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1])]
t0 = float(sys.argv[2])
assert [l[0] for l in lines] == ['first', 'second'], lines
assert float(lines[0][1]) - t0 < 1.5, lines
assert float(lines[1][1]) - t0 >= 2.0, lines
PY
check "run streams stderr too" grep -q e1 "$TMP/stream.err"
"$STRATA" run sh -c 'echo partial; exit 4' >"$TMP/out"; rc=$?
check "run: exit code after streaming ($rc)" test "$rc" = 4
check "run: output complete" test "$(cat "$TMP/out")" = partial
id=$("$STRATA" run sh -c 'echo $STRATA_JOB_ID:$STRATA_TASK_RANK:$STRATA_JOB_NTASKS:$STRATA_JOB_RANKS')
check "job environment ($id)" test "${id#*:}" = "0:1:0"
out=$("$STRATA" run -n 2 sh -c 'echo $STRATA_TASK_RANK' | sort | tr '\n' ' ')
check "two tasks, ranks 0 and 1 ($out)" test "$out" = "0 1 "
"$STRATA" run /nonexistent/cmd 2>"$TMP/err"; rc=$?
check "missing command fails" test "$rc" -ne 0
check "missing command says why" grep -q "not found" "$TMP/err"

# cancel a running job
id=$("$STRATA" submit sleep 60)
check "submitted job runs" wait_state "$id" run
"$STRATA" jobs | grep -q "^ *$id .* R " && ok "jobs lists it as R" || fail "jobs lists it as R"
check "cancel" "$STRATA" cancel "$id"
check "canceled job ends" wait_state "$id" inactive 50
check "result canceled" test "$(job_field "$id" result)" = canceled
"$STRATA" job wait "$id" 2>/dev/null && fail "job wait on a canceled job exits 1" || ok "job wait exit 1"
"$STRATA" cancel "$id" 2>"$TMP/err" && fail "cancel twice" || check "cancel twice refused" grep -q "already inactive" "$TMP/err"
"$STRATA" cancel 99999 2>"$TMP/err" && fail "cancel unknown" || check "cancel unknown refused" grep -q "no such job" "$TMP/err"

# time limit: SIGTERM, then SIGKILL after the grace time for a job that ignores it
start=$(date +%s)
"$STRATA" run -t 1 sh -c 'trap "" TERM; sleep 30' 2>/dev/null; rc=$?
el=$(( $(date +%s) - start ))
check "time limit kills ($el s)" test "$el" -le 6
id=$("$STRATA" jobs -a -n 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
check "result timeout" test "$(job_field "$id" result)" = timeout

# R and output paths
id=$("$STRATA" submit -c 1 true)
"$STRATA" job wait "$id"
check "job R has R_lite" sh -c "'$STRATA' job R $id | grep -q R_lite"
check "stdout path under the statedir" sh -c "'$STRATA' job info $id | grep -q '$D_DIR/out/$id.out'"

# bulk: one request, many ids
n=$("$STRATA" submit --noexec --cc 1-50 true | wc -l)
check "--cc 1-50 gives 50 ids" test "$n" = 50

# drain the host: a new job waits; undrain: it runs
"$STRATA" resource drain 0 >/dev/null
check "resource list shows the node down" sh -c "'$STRATA' resource list | grep -q '^ *down *1 '"
id=$("$STRATA" submit true)
sleep 0.5
check "job pends on a drained host" test "$(job_field "$id" state)" = pending
"$STRATA" resource undrain 0 >/dev/null
check "undrained: the job completes" wait_state "$id" inactive
"$STRATA" resource drain 5 2>/dev/null && fail "drain of an unknown rank" || ok "drain of an unknown rank refused"

# unsatisfiable requests are refused at submit
"$STRATA" submit -N 64 true 2>"$TMP/err" && fail "unsatisfiable accepted" || check "unsatisfiable refused" grep -q unsatisfiable "$TMP/err"

# events: job state changes with increasing sequence numbers
"$STRATA" events 4 >"$TMP/events" &
ev=$!
PIDS+=("$ev")
wait_for 50 grep -q subscribed "$TMP/events"
sleep 0.2
id=$("$STRATA" submit true)
for _ in $(seq 50); do ours "$ev" || break; sleep 0.1; done
check "events: job.submit and job.state of job $id" grep -q "\"event\":\"job.state\".*\"id\":$id\|\"id\":$id.*\"event\":\"job.state\"" "$TMP/events"
check "events: sequence numbers increase" python3 -c "
import json
seqs = [json.loads(l)['seq'] for l in open('$TMP/events') if l.startswith('{')]
assert len(seqs) == 4 and seqs == sorted(seqs) and len(set(seqs)) == 4, seqs"

# jobspec: build and validate without an instance
"$STRATA" jobspec build --no-env -N 1 -n 2 -t 1m hostname >"$TMP/js.json"
check "jobspec build: 2 slots on a node, 60 s" python3 -c "
import json; j = json.load(open('$TMP/js.json'))
assert j['resources'][0]['type'] == 'node' and j['resources'][0]['with'][0]['count'] == 2
assert j['attributes']['system']['duration'] == 60"
check "jobspec validate: a built jobspec is valid" "$STRATA" jobspec validate "$TMP/js.json"
printf 'version: 1\nresources: 3\n' >"$TMP/bad.yaml"
"$STRATA" jobspec validate "$TMP/bad.yaml" 2>"$TMP/err"; rc=$?
check "jobspec validate: bad file exits 1 with file:line:col" sh -c "[ $rc = 1 ] && grep -q 'bad.yaml:[0-9]*:[0-9]*:' '$TMP/err'"
id=$("$STRATA" submit --jobspec "$TMP/js.json")
check "submit --jobspec FILE" "$STRATA" job wait "$id"

# help and usage errors
for c in start submit run jobs cancel job resource queue stats ping shutdown call events jobspec; do
    "$STRATA" $c --help >/dev/null || fail "$c --help"
done
ok "--help everywhere"
"$STRATA" frobnicate 2>/dev/null; check "unknown command exits 2" test $? = 2
STRATA_URI= "$STRATA" ping 2>"$TMP/err"; check "no instance: says what to do" grep -q STRATA_URI "$TMP/err"

check "shutdown" daemon_stop
check "uri file removed" test ! -e "$D_DIR/uri"

# strata start: an instance for one command, which sees it in STRATA_URI
out=$(STRATA_URI= "$STRATA" start --noexec -- sh -c "echo \$STRATA_URI; '$STRATA' submit -t 5 true; exit 7")
rc=$?
check "start runs the command and exits with its code" test "$rc" = 7
check "start: the command submitted to its instance" sh -c "echo '$out' | grep -q '^ipc://.*/rpc\$' && echo '$out' | grep -qx 1"
finish
