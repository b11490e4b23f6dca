#!/bin/bash
# qa-exec: a job's command is found as the submitter's shell would find it:
# in the PATH of the environment it was submitted with (was the daemon's),
# and a relative command ("./run.sh") from the job's working directory (was
# the daemon's); a command that is not there exits 127, one that is not
# executable 126 (both were 1), with the reason in strata run's message; an
# interrupt of strata run cancels its job.
source "$(dirname "$0")/daemon-lib.sh"
G=${STRATA_CONFORMANCE:?}/data/resource/grugs/tiny.graphml
mkdir -p "$TMP/bin" "$TMP/work"
printf '#!/bin/sh\necho "mytool ran in $(pwd)"\n' >"$TMP/bin/mytool"
chmod +x "$TMP/bin/mytool"
cp "$TMP/bin/mytool" "$TMP/work/local.sh"
printf 'echo never\n' >"$TMP/work/plain.sh" # not executable
# The daemon runs from elsewhere, with a PATH that lacks $TMP/bin.
(cd / && daemon_start -L "$G" && echo "$D_PID $STRATA_URI" >"$TMP/d")
read -r D_PID STRATA_URI <"$TMP/d"
export STRATA_URI
PIDS+=("$D_PID")

out=$(cd "$TMP/work" && PATH="$TMP/bin:$PATH" "$STRATA" run mytool 2>&1)
[ "$out" = "mytool ran in $TMP/work" ] && ok "command from the job's PATH" || fail "job PATH: $out"
out=$(cd "$TMP/work" && "$STRATA" run ./local.sh 2>&1)
[ "$out" = "mytool ran in $TMP/work" ] && ok "relative command from the job's cwd" ||
    fail "relative command: $out"
out=$(cd "$TMP/work" && "$STRATA" run ./plain.sh 2>&1)
rc=$?
[ "$rc" -eq 126 ] && [[ "$out" == *"./plain.sh: permission denied" ]] && ok "not executable: 126" ||
    fail "not executable: rc $rc: $out"
out=$(cd "$TMP/work" && "$STRATA" run no-such-command-qa 2>&1)
rc=$?
[ "$rc" -eq 127 ] && [[ "$out" == *"no-such-command-qa: command not found" ]] &&
    ok "not found: 127" || fail "not found: rc $rc: $out"
id=$("$STRATA" jobs -a -n 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
check "job info keeps exitcode 127 and result failed" \
    bash -c "'$STRATA' job info $id | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d[\"exitcode\"] == 127 and d[\"result\"] == \"failed\"))'"
# Without the submitter's environment the daemon's PATH is searched.
out=$("$STRATA" run --no-env echo plain 2>&1)
[ "$out" = "plain" ] && ok "--no-env: the daemon's PATH" || fail "--no-env: $out"
# A working directory and a --name with '"' and '\' in them reach the job as
# they are (they were pasted into JSON text: the cwd became another path).
odd="$TMP/we\"ird\\dir"
mkdir -p "$odd"
out=$(cd "$odd" && "$STRATA" run --name 'my "job"' pwd 2>&1)
[ "$out" = "$odd" ] && ok "cwd with quote and backslash" || fail "odd cwd: '$out' want '$odd'"
"$STRATA" jobs -a -n 1 | grep -q 'my "job"' && ok "--name with quotes" || fail "--name with quotes"
out=$("$STRATA" submit --name= true 2>&1)
[ $? -eq 2 ] && [[ "$out" == "strata submit: --name: the name must not be empty"* ]] && ok "empty --name refused" ||
    fail "empty --name: $out"
# Ctrl-C on strata run cancels the job (it was left running, unwatched) and
# exits 130 as a shell reports an interrupted command; SIGTERM likewise (143).
for sig in INT TERM; do
    out=$(python3 - "$STRATA" "$sig" <<'PY'
import signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "run", "sleep", "60"], stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(getattr(signal, "SIG" + sys.argv[2]))
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "hung"
print(rc, p.stderr.read().splitlines()[0] if rc != "hung" else "")
PY
)
    want=$([ "$sig" = INT ] && echo 130 || echo 143)
    id=$("$STRATA" jobs -a -n 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
    st=$("$STRATA" jobs -a -n 1 | awk 'NR == 2 { print $4 }')
    [[ "$out" == "$want strata: interrupt: canceling job $id (again to leave now)" && "$st" = CA ]] &&
        ok "SIG$sig on strata run: job $id canceled, exit $want" ||
        fail "SIG$sig on strata run: '$out', job $id state $st"
done
daemon_stop
finish
