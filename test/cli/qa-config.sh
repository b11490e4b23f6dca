#!/bin/bash
# qa-config: a bad value in stratad's config file (-C FILE) is one line
# naming FILE:LINE:COL and the key, exit 2, before anything is made (it was
# the command line's "--queue-depth: 'abc' ..." with no place); a good file
# still starts, with its values; a bad command-line value with -C is the
# command line's error, exit 2 (under ASan: with nothing leaked).
source "$(dirname "$0")/daemon-lib.sh"
G=${STRATA_CONFORMANCE:?}/data/resource/grugs/tiny.graphml

# expect RC FIRST-STDERR-LINE FILE-TEXT [ARGS...]: stratad -C FILE ARGS
expect() {
    local want_rc=$1 want=$2 text=$3
    shift 3
    local run="$TMP/r.$RANDOM"
    printf '%b' "$text" >"$TMP/c.yaml"
    timeout 20 "$STRATAD" -C "$TMP/c.yaml" --rundir "$run" --statedir "$run/state" -L "$G" \
        "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$? got
    got=$(head -1 "$TMP/err")
    if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ] && [ ! -e "$run" ]; then
        ok "config '${text:0:50}'"
    else
        fail "config '${text:0:50}': exit $rc, '$got' (want $want_rc, '$want'; run dir made? $([ -e "$run" ] && echo yes))"
    fi
}

C=$TMP/c.yaml
expect 2 "stratad: --queue-depth: 'abc' is not 1..1000000" 'noexec: true\n' --queue-depth abc
expect 2 "stratad: $C:1:14: queue-depth: 'abc' is not 1..1000000" 'queue-depth: abc\n'
expect 2 "stratad: $C:2:20: reservation-depth: '0' is not 1..100000" \
    'noexec: true\nreservation-depth: 0\n'
expect 2 "stratad: $C:1:13: kill-grace: '-1' is not 0..3600 seconds" 'kill-grace: -1\n'
expect 2 "stratad: $C:1:22: journal-max-records: '8' is not 0 or 16 and more" \
    'journal-max-records: 8\n'
expect 2 "stratad: $C:1:15: queue-policy: 'fifo' is not a queue policy (fcfs, easy, hybrid, conservative)" \
    'queue-policy: fifo\n'
expect 2 "stratad: $C:1:14: load-format: 'xml' is not a format (grug, jgf, hwloc, rv1exec)" \
    'load-format: xml\n'
# a match policy's error is the policy module's own words, after the place
expect 2 "stratad: $C:1:15: match-policy: unknown match policy: bogus" \
    'match-policy: bogus\n'
# queues' parameters: the place of the value
expect 2 "stratad: $C:3:18: queue-depth: 'lots' is not 1..1000000" \
    'queues:\n  batch:\n    queue-depth: lots\n'
expect 2 "stratad: $C:2:19: policy: 'fifo' is not a queue policy (fcfs, easy, hybrid, conservative)" \
    'queues:\n  batch: {policy: fifo}\n  debug: fcfs\n'
expect 2 "stratad: $C:3:10: policy: 'fifo' is not a queue policy (fcfs, easy, hybrid, conservative)" \
    'queues:\n  batch: {policy: easy}\n  debug: fifo\n'
# unknown keys had a place already: same style
expect 2 "stratad: $C:2:1: unknown key queue-dept" 'noexec: true\nqueue-dept: 3\n'

# a good file starts, and its values are used
printf 'queue-depth: 7\nqueues:\n  batch: {policy: easy, reservation-depth: 1}\n' >"$TMP/good.yaml"
daemon_start -C "$TMP/good.yaml" -L "$G" --noexec
check "a good config file starts" "$STRATA" ping >/dev/null
"$STRATA" queue --json >"$TMP/q" 2>&1
check "its queue is there, with the file's depths" python3 -c '
import json, sys
qs = json.load(open(sys.argv[1]))
qs = qs.get("queues", qs) if isinstance(qs, dict) else qs
b = [q for q in qs if q.get("name") == "batch"]
assert len(b) == 1 and b[0].get("queue_depth") == 7 and b[0].get("reservation_depth") == 1, qs
' "$TMP/q"
daemon_stop
finish
