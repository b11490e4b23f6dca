#!/usr/bin/env bash
# resource-query error paths: bad options and option values (usage, exit 1),
# unloadable graphs, and the error texts of the interactive commands
# (missing or malformed jobspec, unknown job id, unknown path, malformed
# command, unknown subcommand/reader/status/command).  No error ends the
# session: each case ends with a command that must still run.
#
# Outputs are compared with test/cli/golden/errors-<name>.{out,err};
# STRATA_UPDATE_GOLDEN=1 rewrites them.
golden_prefix=errors

# The match overhead in info/list lines differs from run to run.
mask() {
    sed -E -e 's/^(INFO: -?[0-9]+, [A-Z]+, -?[0-9]+, .*, )[^,]*$/\1<time>/'
}

. "$(dirname "$0")/rq-golden-lib.sh"

# usage_error NAME ARGS...: exit 1, a one-line diagnostic then the usage on
# stderr, nothing on stdout.
usage_error() {
    local name=$1
    shift
    (cd "$data" && "$rq" "$@" < /dev/null > "$tmp/$name.out" 2> "$tmp/$name.err")
    local rc=$?
    if [ "$rc" -eq 1 ] && [ ! -s "$tmp/$name.out" ] &&
        head -n 1 "$tmp/$name.err" > "$tmp/$name.first" &&
        compare "$name" err "$tmp/$name.first" &&
        grep -q '^usage: resource-query' "$tmp/$name.err"; then
        ok "$name"
    else
        not_ok "$name (exit status $rc)"
        cat "$tmp/$name.err"
    fi
}

tiny=(-L grugs/tiny.graphml -S CA -P high)
js=jobspecs/basics/test001.yaml

usage_error bad-match-format "${tiny[@]}" -F yaml
usage_error bad-load-format -L grugs/tiny.graphml -f xml
usage_error bad-subsystems "${tiny[@]}" -S XYZ
usage_error bad-traverser "${tiny[@]}" -T greedy
usage_error bad-graph-format "${tiny[@]}" -g png
usage_error bad-reserve "${tiny[@]}" -r lots
usage_error positional "${tiny[@]}" extra
usage_error missing-file -L grugs/no-such.graphml
usage_error directory -L grugs
usage_error unknown-option "${tiny[@]}" --frobnicate
usage_error unknown-short-option "${tiny[@]}" -Z
usage_error missing-value "${tiny[@]}" -F

# Out-of-range -r only warns (Fluxion ignores the hint).
check reserve-range 0 "${tiny[@]}" -r 0 <<EOF
get-status /tiny0
EOF

# A file of the wrong format does not load: exit 1, "Runtime error".
(cd "$data" && "$rq" -L grugs/tiny.graphml -f jgf < /dev/null > "$tmp/load.out" 2> "$tmp/load.err")
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^resource-query: Runtime error: ' "$tmp/load.err" &&
    [ ! -s "$tmp/load.out" ]; then
    ok "unloadable graph"
else
    not_ok "unloadable graph (exit status $rc)"
fi

# An unknown policy cannot build a matcher.
(cd "$data" && "$rq" -L grugs/tiny.graphml -P nosuchpolicy < /dev/null > /dev/null 2> "$tmp/pol.err")
rc=$?
if [ "$rc" -eq 1 ] && grep -q "Runtime error: can't create matcher" "$tmp/pol.err"; then
    ok "unknown policy"
else
    not_ok "unknown policy (exit status $rc)"
fi

check command-errors 0 "${tiny[@]}" <<EOF
match allocate jobspecs/basics/no-such.yaml
match allocate
match allocate $js extra
match allocate_sometimes $js
multi-match allocate $js
info 7
info seven
cancel 7
cancel
partial-cancel 7 rv1exec rv1exec/cancel/rank1_cancel.json
partial-cancel 1 yaml rv1exec/cancel/rank1_cancel.json
update allocate yaml rv1exec/cancel/rank1_cancel.json 5 0 10
update allocate rv1exec rv1exec/cancel/rank1_cancel.json 5 -1 10
update allocate rv1exec rv1exec/cancel/rank1_cancel.json 5 0 0
update allocate rv1exec rv1exec/cancel/no-such.json 5 0 10
update sometimes rv1exec rv1exec/cancel/rank1_cancel.json 5 0 10
get-status /tiny0/rack9
set-status /tiny0/rack9 down
set-status /tiny0/rack0 sideways
set-status /tiny0/rack0 DOWN
set-property /tiny0/rack9 class=1
set-property /tiny0/rack0 class
set-property /tiny0/rack0 =1
get-property /tiny0/rack9
get-property
cat jobspecs/basics/no-such.yaml
help frobnicate
remove /tiny0/rack0 maybe
stat extra
list extra
match allocate $js
info 1
cancel 1
cancel 1
get-status /tiny0/rack0
EOF

# A malformed jobspec: the parser's message (file:line:col) after Fluxion's
# prefix, the no-match block on out, and no job id consumed.
printf 'version: 9999\nresources:\n  - type: node\n    count: [1\n' > "$tmp/bad.yaml"
(cd "$data" && "$rq" "${tiny[@]}" > "$tmp/badjs.out" 2> "$tmp/badjs.err") <<EOF
match allocate $tmp/bad.yaml
match allocate $js
quit
EOF
if grep -q "^match_allocate: ERROR: Jobspec error for 1: $tmp/bad.yaml:[0-9]*:[0-9]*: " \
    "$tmp/badjs.err" && [ "$(wc -l < "$tmp/badjs.err")" -eq 1 ] &&
    compare malformed-jobspec out "$tmp/badjs.out"; then
    ok "malformed jobspec"
else
    not_ok "malformed jobspec"
    cat "$tmp/badjs.err"
fi

# R files that do not parse: update names the file given (not "R");
# partial-cancel prints the reference's one line only (its stderr is fixed);
# files that cannot be read say why (match and attach keep the reference's
# bare text: t3028 008 compares attach's stderr).
printf '{bad\n' > "$tmp/bad.json"
printf '{"version": 1}\n' > "$tmp/noexec.json"
(cd "$data" && "$rq" "${tiny[@]}" > "$tmp/rfile.out" 2> "$tmp/rfile.err") <<EOF
update allocate rv1exec $tmp/bad.json 5 0 10
update allocate rv1exec $tmp/noexec.json 5 0 10
update allocate jgf grugs 5 0 10
match allocate $js
partial-cancel 1 rv1exec $tmp/bad.json
partial-cancel 1 rv1exec $tmp/no-such.json
attach $tmp/no-such.json
match allocate $tmp/no-such.json
info 1
quit
EOF
cat > "$tmp/rfile.want" <<EOF
ERROR: can't update job 5: $tmp/bad.json:1:4: string or '}' expected near 'bad'
ERROR: can't update job 5: $tmp/noexec.json: missing "execution" object
ERROR: can't open grugs: Is a directory
ERROR: error encountered while removing job 1
ERROR: can't open $tmp/no-such.json: No such file or directory
ERROR: can't open $tmp/no-such.json
ERROR: can't open $tmp/no-such.json
EOF
if diff -u "$tmp/rfile.want" "$tmp/rfile.err" &&
    grep -q "^INFO: 1, ALLOCATED, 0, $js, " "$tmp/rfile.out"; then
    ok "R file errors name the file"
else
    not_ok "R file errors name the file"
fi

echo "1..$n"

echo "resource-query-errors: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
