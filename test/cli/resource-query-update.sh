#!/bin/bash
# resource-query-update.sh: `update ... rv1exec` replays on the shipped
# rv1exec/tiny_rv1exec.json (node0, node1: core0-15, gpu0-3 each).
#  * an R naming all of a node's resources holds the node exclusively
#    (node0[1:x]) and find sched-now=free no longer lists it;
#  * an R naming part of a node shares it (two jobs on node1);
#  * an R naming what the node lacks (an asic) is refused: the error on
#    stderr and the no-match block in -t, and nothing is held (the same
#    node is then replayed whole).
set -uo pipefail
src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
conf=${STRATA_CONFORMANCE:-$src/../shared/conformance}
rq=$(command -v resource-query || echo "${STRATA_BUILDDIR:-$src/build}/tools/resource-query")
graph=$conf/data/resource/rv1exec/tiny_rv1exec.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

r() { # r FILE RANK CHILDREN-JSON
    printf '{"version": 1, "execution": {"R_lite": [{"rank": "%s", "children": {%s}}], "nodelist": ["node%s"], "starttime": 0, "expiration": 0}}\n' \
        "$2" "$3" "$2" > "$tmp/$1"
}
r whole0.json 0 '"core": "0-15", "gpu": "0-3"'
r asic0.json 0 '"core": "0-15", "gpu": "0-3", "asic": "0"'
r part1.json 1 '"core": "0-7"'
r rest1.json 1 '"core": "8-15", "gpu": "0-3"'

cat > "$tmp/cmds" <<EOF2
update allocate rv1exec $tmp/asic0.json 1 0 3600
update allocate rv1exec $tmp/whole0.json 2 0 3600
update allocate rv1exec $tmp/part1.json 3 0 3600
update allocate rv1exec $tmp/rest1.json 4 0 3600
find sched-now=free
quit
EOF2
"$rq" -L "$graph" -f rv1exec -S CA -P high -t "$tmp/out" < "$tmp/cmds" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok "resource-query exits 0" || not_ok "resource-query exits $rc"

# the refused replay: one error line, then the no-match block for job 1
if [ "$(grep -c "^ERROR: can't update job 1: " "$tmp/err")" -eq 1 ] &&
    [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
    head -4 "$tmp/out" | diff - <(printf 'INFO: =============================\nINFO: No matching resources found\nINFO: JOBID=1\nINFO: =============================\n') > /dev/null; then
    ok "an R naming an asic the node lacks is refused (no-match block)"
else
    not_ok "an R naming an asic the node lacks is refused (no-match block)"
    cat "$tmp/err" "$tmp/out"
fi

# job 2 holds node0 exclusively; jobs 3 and 4 share node1
if grep -q '^      ------node0\[1:x\]$' "$tmp/out" &&
    [ "$(grep -c '^      ------node1\[1:s\]$' "$tmp/out")" -eq 2 ] &&
    [ "$(grep -c 'RESOURCES=ALLOCATED' "$tmp/out")" -eq 3 ]; then
    ok "a whole node is held exclusively, part of a node is shared"
else
    not_ok "a whole node is held exclusively, part of a node is shared"
    cat "$tmp/out"
fi

# after the four commands node0 is not free; node1, shared, is listed
free=$(sed -n '/^INFO: JOBID=4$/,$p' "$tmp/out" | grep -- '------node')
if [ "$free" = "      ------node1[1:x]" ]; then
    ok "find sched-now=free lists node1 only"
else
    not_ok "find sched-now=free lists node1 only: $free"
fi

echo "1..$n"
echo "resource-query-update: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
