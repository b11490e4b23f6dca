#!/usr/bin/env bash
# resource-query keeps the last parsed jobspec while its file is unchanged
# (tools/rq_cmds.c, jobspec_get).  This checks that the cache never serves a
# stale jobspec: the same path, rewritten between two matches (a different
# size, then the same size), must be parsed again each time; an unchanged
# file gives the same answer as a fresh session.
set -uo pipefail

src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
rq=$(command -v resource-query || echo "${STRATA_BUILDDIR:-$src/build}/tools/resource-query")
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
failed=0
# 2 nodes of 40 cores
grug=$tmp/two.graphml
python3 "$src/test/bench/gen-grug" --racks 1 --nodes-per-rack 2 --sockets 1 --cores 40 \
    --gpus 0 --memory 0 -o "$grug" || exit 1

check() {
    n=$((n + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $n - $1"
    else
        failed=$((failed + 1))
        echo "not ok $n - $1: want '$3', got '$2'"
    fi
}

# jobspec: COUNT cores (exclusive node), written in place
write_js() {
    cat > "$tmp/js.yaml" <<YAML
version: 9999
resources:
  - type: node
    count: 1
    with:
      - type: slot
        count: 1
        label: default
        with:
          - type: core
            count: $1
attributes:
  system:
    duration: 3600
tasks:
  - command: [ "app" ]
    slot: default
    count:
      per_slot: 1
YAML
}

# Wait (bounded) until the session has printed its k-th ELAPSE line: the
# k-th match is done, so rewriting the file now cannot race with it.
wait_matches() {
    for _ in $(seq 200); do
        [ "$(grep -c ELAPSE "$tmp/stdout")" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "# session did not answer" >&2
    return 1
}

# cores per match, in order, from the simple writer output

mkfifo "$tmp/in"
# stdbuf makes the -e lines appear as each match ends; it preloads a library,
# which an ASan build accepts only without its link-order check.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    stdbuf -oL "$rq" -L "$grug" -e -F simple -t "$tmp/out" < "$tmp/in" > "$tmp/stdout" 2> "$tmp/stderr" &
pid=$!
exec 3> "$tmp/in"
write_js 1
echo "match allocate $tmp/js.yaml" >&3
wait_matches 1
echo "match allocate $tmp/js.yaml" >&3 # unchanged: may come from the cache
wait_matches 2
write_js 22 # another size
echo "match allocate $tmp/js.yaml" >&3
wait_matches 3
write_js 33 # same size as 22: only the modification time tells
touch -d '2000-01-01' "$tmp/js.yaml"
echo "match allocate $tmp/js.yaml" >&3
wait_matches 4
echo quit >&3
exec 3>&-
wait "$pid"
check "session exit status" "$?" 0
pid=
# one block per match: RESOURCES lines then the JOBID rule; count the cores of each
got=$(awk '/INFO: JOBID=/ { print c; c = 0; next } /core[0-9]+\[/ { c++ }' "$tmp/out" | tr '\n' ' ')
check "cores per match (1, 1 from cache, 22 and 33 re-read)" "$got" "1 1 22 33 "

# a fresh session on the last file agrees
"$rq" -L "$grug" -F simple -t "$tmp/out2" > /dev/null 2>&1 <<CMDS
match allocate $tmp/js.yaml
quit
CMDS
got=$(awk '/INFO: JOBID=/ { print c; c = 0; next } /core[0-9]+\[/ { c++ }' "$tmp/out2" | tr '\n' ' ')
check "fresh session reads the same file" "$got" "33 "

echo "1..$n"
[ "$failed" -eq 0 ]
