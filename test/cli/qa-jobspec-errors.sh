#!/bin/bash
# qa-jobspec-errors: jobspec-validate's usage errors are one line and a
# pointer to --help (exit 2), not the whole usage text; shape options
# without --build are refused (they were silently ignored); a shape value
# the jobspec rules refuse names the field, without the line and column of
# the internal JSON ("<shape>:1:214: ...").
set -u
JV=${JOBSPEC_VALIDATE:-jobspec-validate}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

# expect RC STDERR ARGS...: exit code and the whole of stderr.
expect() {
    local want_rc=$1 want=$2
    shift 2
    "$JV" "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$? got
    got=$(sed "s|^.*jobspec-validate: unrecognized|jobspec-validate: unrecognized|" "$TMP/err")
    if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]; then
        ok "$*"
    else
        not_ok "$*: exit $rc, '$got' (want $want_rc, '$want')"
    fi
}
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
    not_ok "build then validate"
"$JV" --help | grep -q '^Usage: jobspec-validate' && ok "--help" || not_ok "--help"

echo "1..$n"
[ "$fails" -eq 0 ]
