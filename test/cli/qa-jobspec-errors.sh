#!/bin/bash
# qa-jobspec-errors: jobspec-validate's usage errors are one line and a
# pointer to --help (exit 2), not the whole usage text; shape options
# without --build are refused (they were silently ignored); a shape value
# the jobspec rules refuse names the field, without the line and column of
# the internal JSON ("<shape>:1:214: ...").
set -u
JV=${JOBSPEC_VALIDATE:-jobspec-validate}
. "$(dirname "$0")/qa-lib.sh"
qa_tap

# expect RC STDERR ARGS...: exit code and the whole of stderr.
qa_run() { "$JV" "$@"; }
qa_err() { sed "s|^.*jobspec-validate: unrecognized|jobspec-validate: unrecognized|" "$TMP/err"; }
TRY="Try 'jobspec-validate --help'."

expect 2 "jobspec-validate: unrecognized option '--bogus'
$TRY" --bogus x.yaml
expect 2 "jobspec-validate: give one or more jobspec files (\"-\" reads stdin), or --build
$TRY"
expect 2 "jobspec-validate: -N, -n, -c, -g, -t and the other shape options need --build
$TRY" -n 2 x.yaml
expect 2 "jobspec-validate: --build needs a command
$TRY" --build -n 2
expect 2 "jobspec-validate: -n: count must be >= 1
$TRY" --build -n 0 true
expect 1 "jobspec-validate: attributes.system.queue must not be empty" --build --queue= true
expect 1 "jobspec-validate: attributes.system.constraints.hostlist[0] is not a valid hostlist: \"n[\"" \
    --build --requires=host:n[ true
expect 1 "jobspec-validate: cannot run 2 tasks on 3 nodes: more nodes than tasks" --build -N 3 -n 2 true
# Good uses are unchanged: validating a built jobspec, and --help on stdout.
"$JV" --build -N 2 -n 4 -t 1m true >"$TMP/j.yaml" && "$JV" "$TMP/j.yaml" && ok "build then validate" ||
    fail "build then validate"
"$JV" --help | grep -q '^Usage: jobspec-validate' && ok "--help" || fail "--help"

qa_tap_end
