#!/bin/bash
# nested-resize: grow and shrink a running instance job (docs/nested.md).
#  - grow: the parent matches more resources now, the child attaches them
#    while its jobs run, and its jobs can use them;
#  - shrink: the child refuses (--no-drain) or drains the ranks (cancels
#    its jobs there), removes them, then the parent releases them;
#  - after each step the parent's R of the job and the child's resources
#    are the same sets (ranks and cores), every child job is inside the
#    job's R (nested-check.py), and the grant is freed with the job.
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/nested-lib.sh"
G=$SHARED/bench/bench1000.graphml
HERE=$(cd "$(dirname "$0")" && pwd)

make_hold

allocated() {
    "$STRATA" call resource.list |
        python3 -c 'import json,sys; a=json.load(sys.stdin)["allocated"]; print(a["ranks"], a["ncores"])'
}

# consistent ID: the parent's R of job ID (ranks, core count) equals the
# child's resources (every state), and the child's jobs are inside the R.
consistent() {
    local id=$1 uri
    uri=$(info_field "$ROOT" "$id" uri)
    "$STRATA" job info "$id" >"$TMP/pinfo.json"
    "$STRATA" --uri "$uri" call resource.list >"$TMP/clist.json"
    python3 - "$TMP/pinfo.json" "$TMP/clist.json" "$HERE/nested-check.py" <<'PY' || return 1
import json, runpy, sys
expand = runpy.run_path(sys.argv[3])['expand']  # idset text -> set of ints
info = json.load(open(sys.argv[1])); cl = json.load(open(sys.argv[2]))
R = info['R']
pranks = set()
pcores = set()
for e in R['execution']['R_lite']:
    for r in expand(e['rank']):
        pranks.add(r)
        pcores.update((r, c) for c in expand(e['children'].get('core', '')))
jgf = {v['metadata']['paths']['containment'] for v in R['scheduling']['graph']['nodes']
       if v['metadata']['type'] == 'core'}
cranks = set().union(*(expand(cl[k]['ranks']) for k in cl))
ccores = sum(cl[k]['ncores'] for k in cl)
ok = pranks == cranks and len(pcores) == ccores == len(jgf) and expand(info['ranks']) == pranks
print(f'parent ranks {sorted(pranks)} cores {len(pcores)} (JGF {len(jgf)}); '
      f'child ranks {sorted(cranks)} cores {ccores}')
sys.exit(0 if ok else 1)
PY
    python3 "$HERE/nested-check.py" "$STRATA" "$ROOT" --active >"$TMP/check.out" ||
        { cat "$TMP/check.out"; return 1; }
}

daemon_start --load "$G" --noexec
ROOT=$STRATA_URI
A=$("$STRATA" batch -N2 --exclusive "$TMP/hold.sh") || fail "batch A"
AURI=$(wait_uri "$ROOT" "$A") || fail "A registered"
"$STRATA" proxy "$A" "$STRATA" submit --cc 2 -N1 -c4 -t 1m true >/dev/null || fail "A's jobs"
check "A's 2 nodes: R and child agree" consistent "$A"
before=$(allocated)

# ---- grow ------------------------------------------------------------------
out=$("$STRATA" instance grow "$A" -N1 --exclusive) && ok "grow: $out" || fail "grow"
NEW=$("$STRATA" --uri "$AURI" call resource.list |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["free"]["ranks"])')
check "the child has the new node free (rank $NEW)" test -n "$NEW"
check "the child has 3 nodes" test "$("$STRATA" --uri "$AURI" call resource.list |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(d[k]["nnodes"] for k in d))')" = 3
check "after grow: R and child agree" consistent "$A"
check "the parent holds the grant" test "$(allocated)" != "$before"
J3=$("$STRATA" proxy "$A" "$STRATA" submit -N3 -c2 -t 1m true) || fail "3-node job in A"
check "a child job spans the new node" wait_state_at "$AURI" "$J3" run
check "every child job inside the grown R" consistent "$A"
check "grow beyond the free resources is refused" \
    bash -c "! '$STRATA' instance grow $A -N1000 --exclusive 2>'$TMP/err'"
check "  with a reason" grep -q "never be satisfied\|not enough free" "$TMP/err"
check "a refused grow changed nothing" consistent "$A"
# A child the parent cannot reach (registered at a dead endpoint): the grow
# fails and the parent releases what it had matched; then the real child
# registers again.
alloc_before=$(allocated)
CPID=$(info_field "$ROOT" "$A" child_pid)
CSD=$(info_field "$ROOT" "$A" statedir)
"$STRATA" call instance.register "{\"id\": $A, \"uri\": \"ipc://$TMP/nowhere\"}" >/dev/null
"$STRATA" instance grow "$A" -N1 --exclusive 2>"$TMP/err"
check "grow with an unreachable child fails" test $? = 1
check "  saying so" grep -q "the instance of job $A" "$TMP/err"
check "  and the parent released the match" test "$(allocated)" = "$alloc_before"
"$STRATA" call instance.register \
    "{\"id\": $A, \"uri\": \"$AURI\", \"statedir\": \"$CSD\", \"pid\": $CPID}" >/dev/null
check "  nothing changed" consistent "$A"
P=$("$STRATA" submit -c1 -t 1m true)
check "grow of a job that is not an instance is refused" \
    bash -c "! '$STRATA' instance grow $P -c1 2>/dev/null"
"$STRATA" cancel "$P" >/dev/null
wait_state "$P" inactive

# ---- shrink -------------------------------------------------------------------
check "shrink refused while a job runs there (--no-drain)" \
    bash -c "! '$STRATA' instance shrink $A $NEW --no-drain 2>'$TMP/err'"
check "  naming the job" grep -q "job $J3 runs on" "$TMP/err"
check "  and nothing changed" consistent "$A"
check "shrink of ranks that are not the job's is refused" \
    bash -c "! '$STRATA' instance shrink $A 0 2>/dev/null"
ALL=$(info_field "$ROOT" "$A" ranks)
check "shrink of every rank is refused" bash -c "! '$STRATA' instance shrink $A $ALL 2>/dev/null"
out=$("$STRATA" instance shrink "$A" "$NEW") && ok "shrink (drain): $out" || fail "shrink"
check "the job on the removed node was canceled" \
    test "$("$STRATA" --uri "$AURI" job info "$J3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" = canceled
check "the child has 2 nodes again" test "$("$STRATA" --uri "$AURI" call resource.list |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(d[k]["nnodes"] for k in d))')" = 2
check "after shrink: R and child agree" consistent "$A"
check "the parent released the node" test "$(allocated)" = "$before"
# Shrink one of the original nodes (its jobs drained), then grow by cores.
R0=${ALL%%[,-]*}
[ "$R0" = "$NEW" ] && R0=${ALL##*[,-]}
"$STRATA" instance shrink "$A" "$R0" >/dev/null && ok "shrink an original rank ($R0)" ||
    fail "shrink an original rank"
check "after shrinking an original rank: R and child agree" consistent "$A"
"$STRATA" instance grow "$A" -c3 >/dev/null && ok "grow by 3 cores" || fail "grow by cores"
check "after a core grow: R and child agree" consistent "$A"
"$STRATA" proxy "$A" "$STRATA" submit --cc 3 -c1 -t 1m true >/dev/null
check "child jobs inside R after the core grow" consistent "$A"

# ---- bad parameters ---------------------------------------------------------------
"$STRATA" instance grow 2>/dev/null
check "strata instance grow without a job: usage (2)" test $? = 2
"$STRATA" instance shrink "$A" 2>/dev/null
check "strata instance shrink without ranks: usage (2)" test $? = 2
out=$("$STRATA" instance grow "$A" -N0 2>&1)
check "strata instance grow -N0: refused (1)" test $? = 1
check "  by the shape parser" grep -q "count must be" <<<"$out"
for p in '{}' "{\"id\": $A}" "{\"id\": $A, \"jobspec\": 3}" "{\"id\": 999, \"jobspec\": {}}"; do
    check "instance.grow $p refused" bash -c "! '$STRATA' call instance.grow '$p' 2>/dev/null"
done
for p in '{}' "{\"id\": $A}" "{\"id\": $A, \"ranks\": \"x\"}" "{\"id\": $A, \"ranks\": \"$NEW\", \"drain\": 1}"; do
    check "instance.shrink $p refused" bash -c "! '$STRATA' call instance.shrink '$p' 2>/dev/null"
done
check "instance.end of a job this stratad runs itself refused" \
    bash -c "! '$STRATA' call instance.end '{\"id\": $A, \"exitcode\": 0}' 2>/dev/null"
check "instance.end bad exit code refused" \
    bash -c "! '$STRATA' call instance.end '{\"id\": $A, \"exitcode\": 300}' 2>/dev/null"
for p in '{}' '{"R": {}}' '{"R": {"scheduling": {"graph": 5}}}'; do
    check "resource.attach $p refused" bash -c "! '$STRATA' --uri '$AURI' call resource.attach '$p' 2>/dev/null"
done
for p in '{}' '{"ranks": "x"}' '{"ranks": "5000"}' '{"ranks": "0", "drain": "yes"}'; do
    check "resource.shrink $p refused" bash -c "! '$STRATA' --uri '$AURI' call resource.shrink '$p' 2>/dev/null"
done
check "nothing changed by the refusals" consistent "$A"

# ---- the grant ends with the job ----------------------------------------------------
"$STRATA" cancel "$A" >/dev/null
check "A ended" wait_state "$A" inactive 100
check "root: every allocation (grants too) freed" test "$(allocated)" = " 0"
check "a new 1000-node job fits" \
    test "$("$STRATA" run -N1000 --exclusive --noexec -t 0 true >/dev/null; echo $?)" = 0
check "no process of the hierarchy left but the root" no_procs_but "$D_PID"

# ---- a child stratad restarted on its own keeps its grown/shrunk resources ----------
# (not through its wrapper: the same command line on the same state directory)
res_sets() {  # URI: the child's resources per state: ranks and core count
    "$STRATA" --uri "$1" call resource.list |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s=%s/%s" % (k, d[k]["ranks"], d[k]["ncores"]) for k in sorted(d)))'
}
B=$("$STRATA" batch -N2 --exclusive "$TMP/hold.sh") || fail "batch B"
BURI=$(wait_uri "$ROOT" "$B") || fail "B registered"
"$STRATA" instance grow "$B" -N1 --exclusive >/dev/null && ok "B grown by a node" || fail "grow B"
BR=$(info_field "$ROOT" "$B" ranks)
"$STRATA" instance shrink "$B" "${BR%%[,-]*}" >/dev/null && ok "B shrunk by rank ${BR%%[,-]*}" ||
    fail "shrink B"
"$STRATA" instance grow "$B" -c3 >/dev/null && ok "B grown by 3 cores" || fail "grow B by cores"
check "B: R and child agree" consistent "$B"
BRANKS=$(info_field "$ROOT" "$B" ranks)
BJ=$("$STRATA" --uri "$BURI" submit -N2 -c2 -t 5m true) || fail "a job in B"
check "B's job runs" wait_state_at "$BURI" "$BJ" run
BJR=$(info_field "$BURI" "$BJ" ranks)
before=$(res_sets "$BURI")
BPID=$(info_field "$ROOT" "$B" child_pid)
BSD=$(info_field "$ROOT" "$B" statedir)
check "the child keeps its changes in its state directory" test -s "$BSD/resize.json"
mapfile -d '' BARGS </proc/"$BPID"/cmdline
kill -9 "$BPID"
check "B's child is gone" wait_gone "$BPID" 50
check "B ends with its child" wait_state "$B" inactive 100
"${BARGS[@]}" >"$TMP/child2.out" 2>"$TMP/child2.err" &
C2=$!
PIDS+=("$C2")
check "the child restarts alone" wait_for 100 "$STRATA" --uri "$BURI" ping
after=$(res_sets "$BURI")
echo "   before: $before"
echo "   after:  $after"
check "the restarted child has the resources it had (not its first R)" \
    test -n "$before" -a "$after" = "$before"
check "  those of the parent's last R of the job ($BRANKS)" test "$(
    "$STRATA" --uri "$BURI" call resource.list | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(",".join(d[k]["ranks"] for k in sorted(d) if d[k]["ranks"]))' |
    python3 -c '
import sys
out = set()
for part in filter(None, sys.stdin.read().strip().split(",")):
    a, _, b = part.partition("-"); out.update(range(int(a), int(b or a) + 1))
print(sorted(out))')" = "$(python3 -c '
import sys
out = set()
for part in filter(None, sys.argv[1].split(",")):
    a, _, b = part.partition("-"); out.update(range(int(a), int(b or a) + 1))
print(sorted(out))' "$BRANKS")"
check "  its job was restored on them (ranks $BJR)" \
    test "$(info_field "$BURI" "$BJ" state) $(info_field "$BURI" "$BJ" ranks)" = "run $BJR"
"$STRATA" --uri "$BURI" shutdown >/dev/null
check "the restarted child stops" wait_gone "$C2" 50
check "a bad resize.json stops a restart with its place" bash -c "
    echo '{\"changes\": [{\"attach\": 5}]}' >'$BSD/resize.json'
    ! timeout 20 ${BARGS[*]@Q} >/dev/null 2>'$TMP/child3.err'"
check "  naming the file and the change" grep -q "resize.json: change 1: " "$TMP/child3.err"
daemon_stop
finish
