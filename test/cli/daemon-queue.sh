#!/bin/bash
# Queue policies live, on tiny.graphml (2 nodes) in noexec mode:
#   job A holds one node for 4 s; job B needs both nodes (waits for A);
#   job C needs one node for 1 s (the free one).  fcfs keeps C behind B; the backfilling
#   policies (easy, hybrid, conservative) start C at once, because it ends
#   before B's reservation.  When A ends, B runs, then everything completes.
. "$(dirname "$0")/daemon-lib.sh"
GRUG=$SHARED/conformance/data/resource/grugs/tiny.graphml

for policy in fcfs easy hybrid conservative; do
    daemon_start -L "$GRUG" --noexec -Q "$policy"
    a=$("$STRATA" submit -N 1 --exclusive -t 4 true)
    wait_state "$a" run 50 || fail "$policy: A runs"
    b=$("$STRATA" submit -N 2 --exclusive -t 2 true)
    c=$("$STRATA" submit -N 1 --exclusive -t 1 true)
    sleep 0.5
    check "$policy: B pending" test "$(job_field "$b" state)" = pending
    if [ "$policy" = fcfs ]; then
        check "$policy: C waits behind B" test "$(job_field "$c" state)" = pending
    else
        check "$policy: C backfilled" test "$(job_field "$c" state)" != pending
    fi
    q=$("$STRATA" queue --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
    check "$policy: queue reports its policy" test "$q" = "$policy"
    check "$policy: B completes after A" wait_state "$b" inactive 100
    check "$policy: C completes" wait_state "$c" inactive 50
    ta=$(job_field "$a" t | python3 -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())["inactive"])')
    tb=$(job_field "$b" t | python3 -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())["run"])')
    check "$policy: B started after A ended" python3 -c "import sys; sys.exit(0 if $tb >= $ta - 0.001 else 1)"
    check "$policy: all completed" test "$(job_field "$b" result)$(job_field "$c" result)" = completedcompleted
    daemon_stop || fail "$policy: shutdown"
done

# The same settings from a YAML config file; the command line wins.
printf 'queue-policy: conservative\nqueue-depth: 8\nnoexec: true\nload: %s\n' "$GRUG" >"$TMP/c.yaml"
daemon_start -C "$TMP/c.yaml"
q=$("$STRATA" queue --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
check "config: queue policy from the file" test "$q" = conservative
n=$("$STRATA" resource list | awk '$1 == "free" { print $2 }')
check "config: resources from the file ($n nodes)" test "$n" = 2
daemon_stop
daemon_start --config "$TMP/c.yaml" -Q easy
q=$("$STRATA" queue --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
check "config: the command line overrides" test "$q" = easy
daemon_stop
# Two named queues of different policies, from the config file, live:
# batch (easy) is first, so it takes jobs without --queue; debug is fcfs.
#   A batch: 1 node for 6 s (runs)     D debug: 2 nodes (waits for A)
#   E debug: 1 node for 1 s: fcfs keeps it behind D although a node is free
#   B batch: 2 nodes (waits for A)     C batch: 1 node for 3 s: easy backfills it
cat >"$TMP/q.yaml" <<EOF
load: $GRUG
noexec: true
queues:
  batch: {policy: easy, queue-depth: 16}
  debug:
    policy: fcfs
EOF
daemon_start -C "$TMP/q.yaml"
a=$("$STRATA" submit -N 1 --exclusive -t 6 true)
wait_state "$a" run 50 || fail "queues: A runs"
d=$("$STRATA" submit --queue debug -N 2 --exclusive -t 2 true)
e=$("$STRATA" submit --queue debug -N 1 --exclusive -t 1 true)
b=$("$STRATA" submit --queue batch -N 2 --exclusive -t 2 true)
c=$("$STRATA" submit -N 1 --exclusive -t 3 true)
sleep 0.3
check "queues: A went to the first queue" test "$(job_field "$a" queue)" = batch
check "queues: debug (fcfs) keeps E behind D" test "$(job_field "$e" state)" = pending
check "queues: batch (easy) backfills C" test "$(job_field "$c" start)" = backfill
"$STRATA" queue >"$TMP/q.out"
check "queues: strata queue lists batch (easy, 16 deep, 1 pending, 2 running)" \
    grep -Eq "^batch +easy +16 +1 +1 +2$" "$TMP/q.out"
check "queues: and debug (fcfs, 2 pending, 0 running)" grep -Eq "^debug +fcfs +32 +0 +2 +0$" "$TMP/q.out"
check "queues: a job without -t is not refused while every node is held" \
    "$STRATA" submit -q --queue debug true
ids=$("$STRATA" jobs -q debug -s pending --json | python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in json.load(sys.stdin)["jobs"]))')
check "queues: jobs -q debug ($ids)" test "$ids" = "$((c + 1)) $e $d"
check "queues: jobs shows a QUEUE column" sh -c "'$STRATA' jobs | grep -Eq '^ *$e .* debug +PD '"
"$STRATA" submit --queue nosuch true 2>"$TMP/err" && fail "queues: unknown queue accepted"
check "queues: unknown queue refused, with the queues named" grep -q 'no queue named "nosuch" (queues: batch, debug)' "$TMP/err"
for j in $a $b $c $d $e; do
    wait_state "$j" inactive 150 || fail "queues: job $j ends"
done
check "queues: all completed" test "$(for j in $a $b $c $d $e; do job_field "$j" result; done | sort -u)" = completed
daemon_stop
daemon_start -C "$TMP/q.yaml" --queue solo:policy=conservative
q=$("$STRATA" queue --json | python3 -c 'import json,sys; print(" ".join(q["name"] + ":" + q["policy"] for q in json.load(sys.stdin)["queues"]))')
check "queues: --queue on the command line replaces the file's queues ($q)" test "$q" = "solo:conservative"
daemon_stop
"$STRATAD" --queue "a:policy=lifo" 2>"$TMP/err"
check "queues: unknown policy in --queue refused" grep -q "unknown queue policy in --queue 'a:policy=lifo'" "$TMP/err"
"$STRATAD" --queue "a:depth=3" 2>"$TMP/err"
check "queues: unknown parameter refused" grep -q "bad 'depth=3'" "$TMP/err"
printf 'queues:\n  a: {policy: easy, color: red}\n' >"$TMP/bad.yaml"
"$STRATAD" -C "$TMP/bad.yaml" 2>"$TMP/err"
check "queues: unknown queue parameter in the file, with its place" grep -q "bad.yaml:2:.*unknown queue parameter color" "$TMP/err"

printf 'queue-policy: easy\nqueue-dept: 8\n' >"$TMP/bad.yaml"
"$STRATAD" -C "$TMP/bad.yaml" 2>"$TMP/err"; rc=$?
check "config: unknown key refused with its place (rc $rc)" grep -q "bad.yaml:2:1: unknown key queue-dept" "$TMP/err"
printf 'queue-policy: [easy]\n' >"$TMP/bad.yaml"
"$STRATAD" -C "$TMP/bad.yaml" 2>"$TMP/err"
check "config: non-scalar refused" grep -q "bad.yaml:1:.*scalars" "$TMP/err"
finish
