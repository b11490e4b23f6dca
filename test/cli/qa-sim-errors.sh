#!/bin/bash
# qa-sim-errors: strata-sim's command-line and trace errors are one clear
# line naming the option (or FILE:LINE and the field), with exit 2 for a bad
# command line and 1 for a bad input, and are found before the trace is read.
set -u
SIM=${STRATA_SIM:-strata-sim}
. "$(dirname "$0")/qa-lib.sh"
qa_tap
cd "$TMP" || exit 1

# expect RC FIRST-LINE ARGS...: exit code and first stderr line.
qa_run() { "$SIM" "$@"; }

printf '; MaxProcs: 4\n1 0 0 10 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n' >ok.swf
: >empty.swf

expect 2 "strata-sim: --procs: '0' is not a whole number from 1 to 1000000" --trace ok.swf --procs 0
expect 2 "strata-sim: --procs: '99999999999' is not a whole number from 1 to 1000000" \
    --trace ok.swf --procs 99999999999
expect 2 "strata-sim: --nodes: '-2' is not a whole number from 1 to 1000000" --trace ok.swf --nodes -2
expect 2 "strata-sim: --cores-per-node: 'x' is not a whole number from 1 to 1000000" \
    --trace ok.swf --nodes 2 --cores-per-node x
expect 2 "strata-sim: --queue-depth: '0' is not a whole number from 1 to 1000000" \
    --trace ok.swf --queue-depth 0
expect 2 "strata-sim: --max-jobs: '0' is not a whole number from 1 to 9223372036854775807" \
    --trace ok.swf --max-jobs 0
expect 2 "strata-sim: give only one of --procs, --nodes and --machine" --trace ok.swf --procs 1 --nodes 2
# bad options in our words (getopt's named the binary's path)
expect 2 "strata-sim: unrecognized option '--bogus'" --trace ok.swf --bogus
expect 2 "strata-sim: option '--trace' requires an argument" --trace
expect 2 "strata-sim: option '--quiet=1' takes no value" --trace ok.swf --quiet=1
expect 2 "strata-sim: --format needs --machine FILE" --trace ok.swf --format grug
expect 2 "strata-sim: unknown --format 'bogus' (grug, jgf, jgf_shorthand, hwloc, rv1exec)" \
    --trace ok.swf --machine x --format bogus
expect 2 "strata-sim: unknown --plot-format 'bogus' (png or svg)" --trace ok.swf --plot-format bogus
expect 2 "strata-sim: unknown queue policy 'bogus' (fcfs, easy, hybrid or conservative)" \
    --trace ok.swf --queue-policy bogus
expect 2 "strata-sim: unknown queue policy 'bogus' (fcfs, easy, hybrid or conservative)" \
    --trace ok.swf --compare easy,bogus
expect 2 "strata-sim: --queues: bad item 'a:bogus' (NAME[:fcfs|easy|hybrid|conservative])" \
    --trace ok.swf --queues a:bogus
expect 2 "strata-sim: a comma list of policies needs --compare" --trace ok.swf --match-policy high,low
expect 2 "strata-sim: invalid --semantics 'x' (fluxion or pyss)" --trace ok.swf --semantics x
expect 2 "strata-sim: unexpected argument 'extra'" --trace ok.swf extra
expect 2 "strata-sim: --trace FILE is required" --procs 4
# A bad match policy is refused before the (missing) trace is even opened.
expect 2 "strata-sim: unknown match policy 'bogus' (first, firstnodex, high, low, hinode, lonode, hinodex, lonodex, locality, variation or key=value words)" \
    --trace nonexistent.swf --match-policy bogus
# Inputs: exit 1, naming the file (and line, field).
expect 1 "strata-sim: nonexistent.swf: No such file or directory" --trace nonexistent.swf --procs 4
expect 1 "strata-sim: $TMP: Is a directory" --trace "$TMP" --procs 4
expect 1 "strata-sim: $TMP: Is a directory" --trace ok.swf --machine "$TMP"
expect 1 "strata-sim: empty.swf: no '; MaxProcs:' or '; MaxNodes:' header: give --procs N, --nodes N [--cores-per-node C] or --machine FILE" \
    --trace empty.swf
# Only MaxNodes (as the Lublin traces): a flat machine of that many cores, said.
printf '; MaxNodes: 4\n1 0 0 10 4 -1 -1 -1 -1 -1 1 1 1 1 1 -1 -1 -1\n2 0 0 10 5 -1 -1 -1 -1 -1 1 1 1 1 1 -1 -1 -1\n' >nodes.swf
expect 0 "strata-sim: nodes.swf has no MaxProcs: a flat machine of its MaxNodes (4) cores" \
    --trace nodes.swf --summary-out nodes.json
grep -q '"too_big": 1' nodes.json && ok "MaxNodes limits job sizes" || fail "MaxNodes limit: $(cat nodes.json)"
# Outputs that cannot be written are found before the simulation runs.
expect 2 "strata-sim: --summary-out $TMP/no/x.json: No such file or directory" --trace ok.swf -q \
    --summary-out "$TMP/no/x.json"
expect 2 "strata-sim: --jobs-out $TMP: is a directory" --trace ok.swf -q --jobs-out "$TMP"
expect 2 "strata-sim: --plot-dir ok.swf: not a directory" --trace ok.swf -q --plot-dir ok.swf
"$SIM" --trace ok.swf -q --jobs-out jobs.csv --summary-out sum.json && [ -s jobs.csv ] && [ -s sum.json ] &&
    ok "outputs written" || fail "outputs written"
printf '{"submit": 0, "run": 5, "procs": 1}\n{"submit": "x", "run": 1, "procs": 1}\n' >t1.jsonl
expect 1 'strata-sim: t1.jsonl:2: "submit" must be an integer' --trace t1.jsonl --procs 4
printf '{"submit": 0, "procs": 1}\n' >t2.jsonl
expect 1 'strata-sim: t2.jsonl:1: "run" is required' --trace t2.jsonl --procs 4
printf '{"submit": 0, "run": 1, "procs": 1, "ub": 2}\n' >t3.jsonl
expect 1 'strata-sim: t3.jsonl:1: unknown field "ub" (id, submit, run, requested, procs, priority, jobspec, shape, queue)' \
    --trace t3.jsonl --procs 4
printf '[1]\n' >t4.jsonl
expect 1 'strata-sim: t4.jsonl:1: a job must be a JSON object' --trace t4.jsonl --procs 4

# Good runs still work: a custom policy string and a valid JSON job.
printf '{"id": 3, "submit": 0, "run": 1, "requested": 2, "procs": 1, "priority": 0}\n' >good.jsonl
"$SIM" --trace good.jsonl --procs 4 --match-policy "policy=high" -q && ok "good run" || fail "good run"

qa_tap_end
