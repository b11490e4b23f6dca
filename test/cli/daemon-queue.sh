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
    q=$("$STRATA" queue | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
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
q=$("$STRATA" queue | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
check "config: queue policy from the file" test "$q" = conservative
n=$("$STRATA" resource list | awk '$1 == "free" { print $2 }')
check "config: resources from the file ($n nodes)" test "$n" = 2
daemon_stop
daemon_start --config "$TMP/c.yaml" -Q easy
q=$("$STRATA" queue | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')
check "config: the command line overrides" test "$q" = easy
daemon_stop
printf 'queue-policy: easy\nqueue-dept: 8\n' >"$TMP/bad.yaml"
"$STRATAD" -C "$TMP/bad.yaml" 2>"$TMP/err"; rc=$?
check "config: unknown key refused with its place (rc $rc)" grep -q "bad.yaml:2:1: unknown key queue-dept" "$TMP/err"
printf 'queue-policy: [easy]\n' >"$TMP/bad.yaml"
"$STRATAD" -C "$TMP/bad.yaml" 2>"$TMP/err"
check "config: non-scalar refused" grep -q "bad.yaml:1:.*scalars" "$TMP/err"
finish
