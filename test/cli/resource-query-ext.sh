#!/usr/bin/env bash
# resource-query behaviours beyond the shipped conformance cases, each
# asserted on the -t output: find emits the ancestors of what matches (so
# that rv1/rlite can name the node), predicate values are case-insensitive,
# a node with nothing but memory found is no R_lite entry; an R naming a
# host number beyond int64 is refused; jobspec labels reach JGF.
set -uo pipefail

src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
conf=${STRATA_CONFORMANCE:-$src/../shared/conformance}
data=$conf/data/resource
rq=$(command -v resource-query || echo "${STRATA_BUILDDIR:-$src/build}/tools/resource-query")
tiny=$data/grugs/tiny.graphml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

check() { # description, command...
    n=$((n + 1))
    if "${@:2}"; then
        echo "ok $n - $1"
    else
        failed=$((failed + 1))
        echo "not ok $n - $1"
    fi
}

# run FORMAT CMD... : commands on stdin, -t output in $tmp/out
run() {
    local fmt=$1
    shift
    printf '%s\n' "$@" quit >"$tmp/cmds"
    "$rq" -L "$tiny" -F "$fmt" -S CA -P high -t "$tmp/out" <"$tmp/cmds" >"$tmp/stdout" 2>"$tmp/err"
}

# jobspec FILE: write a version-1 jobspec to FILE whose resources are the
# list read from stdin (indented as under "resources:"), with one task per
# slot labelled s and a one-hour duration.
jobspec() {
    {
        printf 'version: 1\nresources:\n'
        cat
        cat <<'YAML'
tasks:
  - command: [ "app" ]
    slot: s
    count:
      per_slot: 1
attributes:
  system:
    duration: 3600
YAML
    } >"$1"
}

# slot_node_core FILE COUNT: COUNT slots of a node with one socket's core
# each (the node exclusive, as a slot's member).
slot_node_core() {
    jobspec "$1" <<YAML
  - type: slot
    count: $2
    label: s
    with:
      - type: node
        count: 1
        with:
          - type: socket
            count: 1
            with:
              - type: core
                count: 1
YAML
}

# One whole node with its two sockets (18 cores, 1 gpu, 4 memory units each).
cat >"$tmp/node.yaml" <<'YAML'
version: 1
resources:
  - type: node
    count: 1
    with:
      - type: slot
        count: 1
        label: task
        with:
          - type: socket
            count: 2
            with:
              - type: core
                count: 18
              - type: gpu
                count: 1
              - type: memory
                count: 4
attributes:
  system:
    duration: 3600
tasks:
  - command: [ "app" ]
    slot: task
    count:
      per_slot: 1
YAML

core0=/tiny0/rack0/node0/socket0/core0
run simple "set-status $core0 down" "find status=down"
check "find status=down on a core shows its ancestors (simple)" \
    grep -qx -- '      ---------node0\[1:x\]' "$tmp/out"
check "find on a core: the core itself" grep -q -- '---core0\[1:x\]' "$tmp/out"
check "find on a core: only the down core" test "$(grep -c 'core' "$tmp/out")" = 1

run rv1_nosched "set-status $core0 down" "set-status ${core0%0}7 down" "find status=down"
check "find status=down in rv1_nosched names the rank and cores" \
    grep -q '"R_lite": \[{"rank": "0", "children": {"core": "0,7"}}\], "nodelist": \["node0"\]' "$tmp/out"

run jgf "set-status $core0 down" "find status=down"
check "find in jgf emits the containment edges of the path" \
    grep -q '"edges": \[{"source": "4", "target": "8"}' "$tmp/out"

run rlite "set-status /tiny0/rack0/node0 down" "find status=UP or status=Down"
check "predicate values are case-insensitive" \
    grep -q '^\[{"rank": "0-1", "children": {"core": "0-35", "gpu": "0-1"}}\]$' "$tmp/out"

run rlite "find status=Sideways"
check "a bad predicate value is still refused" grep -q 'invalid predicate' "$tmp/err"

# After a whole node is allocated, node1's only free vertices on it are
# memory pools; node0 is free.  The R_lite lists node0 alone.
run rlite "match allocate $tmp/node.yaml" "find sched-now=free"
check "a node found for its memory alone is no R_lite entry" \
    grep -q '^\[{"rank": "0", "children": {"core": "0-35", "gpu": "0-1"}}\]$' "$tmp/out"

# An R whose host number does not fit an int64_t cannot be loaded; one that
# does (10 digits) loads and matches.
r_of() {
    printf '{"version": 1, "execution": {"R_lite": [{"rank": "0-1", "children": {"core": "0-3"}}], "starttime": 0, "expiration": 0, "nodelist": ["%s"]}}\n' "$1"
}
r_of 'fluke1,fluke9223372036854775808' >"$tmp/huge.json"
printf 'quit\n' >"$tmp/cmds"
"$rq" -L "$tmp/huge.json" -f rv1exec <"$tmp/cmds" >/dev/null 2>"$tmp/err"
check "a node number beyond int64 fails to load" test $? -ne 0
check "the load error names the host" grep -q 'fluke9223372036854775808: node number too large' "$tmp/err"
r_of 'fluke[1,6204000000]' >"$tmp/big.json"
"$rq" -L "$tmp/big.json" -f rv1exec -e <"$tmp/cmds" >"$tmp/stdout" 2>&1
check "a 10-digit node number loads" grep -q 'Vertex Count: 11' "$tmp/stdout"

# Jobspec labels reach JGF as "ephemeral": {"label": L} on the vertices
# their request matched (escaped as JSON); ancestors and slots carry none.
cat >"$tmp/labels.yaml" <<'YAML'
version: 9999
resources:
  - type: node
    count: 1
    label: "n\"q"
    with:
      - type: socket
        count: 2
        label: bravo
        with:
          - type: slot
            label: default
            count: 2
            with:
              - type: core
                count: 1
                label: charlie
attributes:
  system:
    duration: 3600
tasks:
  - command: [ "app" ]
    slot: default
    count:
      per_slot: 1
YAML
run jgf "match allocate $tmp/labels.yaml" "match allocate $tmp/node.yaml"
head -1 "$tmp/out" | jq -r '.graph.nodes[] | .metadata | .ephemeral.label' | sort | uniq -c |
    tr -s ' ' >"$tmp/counts"
printf ' 2 bravo\n 4 charlie\n 1 n"q\n 2 null\n' >"$tmp/want"
check "labels reach JGF ephemeral" cmp -s "$tmp/counts" "$tmp/want"
check "a jobspec without labels emits no ephemeral" \
    test "$(grep -v INFO "$tmp/out" | sed -n 2p | grep -c ephemeral)" = 0

# find agfilter=true on a one-node hwloc topology (node,core kept): the node
# and the root carry their filter text, joined by their containment edge.
{
    a='nodeset="0x1" complete_nodeset="0x1" allowed_nodeset="0x1"'
    echo '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE topology SYSTEM "hwloc.dtd"><topology>'
    echo "<object type=\"Machine\" os_index=\"0\" cpuset=\"0xffff\" complete_cpuset=\"0xffff\" online_cpuset=\"0xffff\" allowed_cpuset=\"0xffff\" $a>"
    echo '<info name="HostName" value="cab1234"/>'
    echo "<object type=\"NUMANode\" os_index=\"0\" cpuset=\"0xffff\" complete_cpuset=\"0xffff\" online_cpuset=\"0xffff\" allowed_cpuset=\"0xffff\" $a local_memory=\"1073741824\">"
    echo "<object type=\"Package\" os_index=\"0\" cpuset=\"0xffff\" complete_cpuset=\"0xffff\" online_cpuset=\"0xffff\" allowed_cpuset=\"0xffff\" $a>"
    for i in $(seq 0 15); do
        m=$(printf '0x%x' $((1 << i)))
        echo "<object type=\"Core\" os_index=\"$i\" cpuset=\"$m\" complete_cpuset=\"$m\" online_cpuset=\"$m\" allowed_cpuset=\"$m\" $a>"
        echo "<object type=\"PU\" os_index=\"$i\" cpuset=\"$m\" complete_cpuset=\"$m\" online_cpuset=\"$m\" allowed_cpuset=\"$m\" $a/></object>"
    done
    echo '</object></object></object></topology>'
} >"$tmp/cab.xml"
printf 'find agfilter=true\nquit\n' >"$tmp/cmds"
"$rq" -d -L "$tmp/cab.xml" -f hwloc -F jgf -S CA -P high -W node,core -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
want='{"graph": {"nodes": [{"id": "1", "metadata": {"type": "node", "basename": "cab", "id": 1234, "rank": 0, "exclusive": true, "paths": {"containment": "/cluster0/cab1234"}, "agfilter": {"core": "used:0, total:16"}}}, {"id": "0", "metadata": {"type": "cluster", "id": 0, "rank": -1, "exclusive": true, "paths": {"containment": "/cluster0"}, "agfilter": {"core": "used:0, total:16", "node": "used:0, total:1"}}}], "edges": [{"source": "0", "target": "1"}]}}'
check "find agfilter=true in jgf: filtered vertices and their edge" test "$(head -1 "$tmp/out")" = "$want"

# -e visit counts are those of a full walk (the reference's): under high, a
# gpu slot per socket never saturates cores, so every allocation visits all
# 100 vertices of tiny; the postorder count drops by the vertices a job
# leaves unusable.  ELAPSE still times the (early-stopping) match itself.
jobspec "$tmp/cg.yaml" <<'YAML'
  - type: node
    count: 1
    with:
      - type: socket
        count: 1
        with:
          - type: slot
            count: 1
            label: s
            with:
              - type: core
                count: 1
              - type: gpu
                count: 1
YAML
jobspec "$tmp/h18.yaml" <<'YAML'
  - type: slot
    count: 1
    label: s
    with:
      - type: core
        count: 18
YAML
visits() { # policy, jobspec, extra options...
    local pol=$1 js=$2
    shift 2
    printf 'match allocate %s\n' "$js" "$js" "$js" "$js" >"$tmp/cmds"
    echo quit >>"$tmp/cmds"
    "$rq" -L "$tiny" -S CA -P "$pol" -e "$@" -t "$tmp/out" <"$tmp/cmds" 2>/dev/null |
        sed -n 's/^INFO: \(PRE\|POST\)ORDER VISIT COUNT=//p' | tr '\n' ' '
}
check "-e under high counts the full walk" \
    test "$(visits high "$tmp/cg.yaml")" = "100 84 100 81 100 77 100 74 "
check "-e under high with a gpu filter prunes used sockets" \
    test "$(visits high "$tmp/cg.yaml" -p ALL:gpu)" = "100 84 77 64 52 43 29 23 "
check "-e under first counts its early stop" \
    test "$(visits first "$tmp/cg.yaml" -p ALL:gpu)" = "10 6 10 6 10 6 10 6 "
check "a slot below an omitted prefix prunes a full socket" \
    test "$(visits high "$tmp/h18.yaml")" = "100 80 77 61 54 42 29 22 "
visits high "$tmp/cg.yaml" >/dev/null
grep -v INFO "$tmp/out" >"$tmp/with-e"
"$rq" -L "$tiny" -S CA -P high -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
grep -v INFO "$tmp/out" >"$tmp/without-e"
check "-e selections equal those without -e" cmp -s "$tmp/with-e" "$tmp/without-e"
check "-e selections: four jobs" test "$(grep -c -- '-gpu[01]\[1:x\]' "$tmp/with-e")" = 4

# Slot members are consumed as whole vertices: a pdu's 10-unit power pools
# cover one slot each, so the best-first stop (high) must gather a vertex
# per slot, not stop at 2 x 2 units; pdu3 (highest) holds both slots.
jobspec "$tmp/pdu.yaml" <<'YAML'
  - type: powerpanel
    count: 1
    with:
      - type: pdu
        count: 1
        with:
          - type: slot
            count: 2
            label: s
            with:
              - type: power
                count: 2
              - type: node
                count: 1
YAML
printf 'match allocate %s\nquit\n' "$tmp/pdu.yaml" >"$tmp/cmds"
"$rq" -L "$data/jgfs/power.json" -f jgf -S PA -P high -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
check "high packs whole pool vertices into slots (pdu3 chosen)" \
    test "$(grep -o 'pdu[0-9]' "$tmp/out" | sort -u | tr '\n' ' ')" = "pdu3 "
check "one 10-unit pool per slot" \
    test "$(grep -c -- '---------power3[89]\[10:x\]' "$tmp/out")" = 2

# A node held exclusively (in a slot) is allocated with its whole subtree
# for find, as in the reference (t3008 052, t3035 005), though only core0
# was matched: 49 vertices of node and the 2 ancestors; none of them free.
slot_node_core "$tmp/xnode.yaml" 1
run simple "match allocate $tmp/xnode.yaml" "find sched-now=allocated"
check "find sched-now=allocated lists an exclusive node's subtree" \
    test "$(sed -n '/JOBID=1/,$p' "$tmp/out" | grep -c -- '-core\|-gpu\|-memory\|-socket\|-node\|-rack\|-tiny')" = 51
check "the match itself emitted one core" test "$(sed -n '1,/JOBID=1/p' "$tmp/out" | grep -c -- '-core')" = 1
run simple "match allocate $tmp/xnode.yaml" "find sched-now=free"
check "no vertex of the held node is free" \
    test "$(sed -n '/JOBID=1/,$p' "$tmp/out" | grep -c -- '-node1')" = 0

# Property constraints over an rv1exec R with properties (t3034's machine):
# a node carries each of its rank's properties under the full name
# ("arm-v9@core"), which jobspec constraints ask for; hinodex picks the
# highest matching node.
cat >"$tmp/hetero.json" <<'JSON'
{"version": 1, "execution": {"R_lite": [{"rank": "0", "children": {"core": "0-1", "gpu": "0-1"}}, {"rank": "1", "children": {"core": "0"}}, {"rank": "2-3", "children": {"core": "0-1", "gpu": "0-1"}}], "nodelist": ["foo2", "foo3", "foo[1,4]"], "properties": {"arm-v9@core": "0,2-3", "arm-v8@core": "1", "amd-mi60@gpu": "2-3"}, "starttime": 0, "expiration": 0}}
JSON
pjs() { # file slots cores gpus constraint-list
    local with="{\"type\": \"core\", \"count\": $3}" c=""
    [ "$4" -gt 0 ] && with="$with, {\"type\": \"gpu\", \"count\": $4}"
    [ -n "$5" ] && c=", \"constraints\": {\"properties\": [$5]}"
    echo "{\"version\": 1, \"resources\": [{\"type\": \"slot\", \"count\": $2, \"label\": \"task\", \"with\": [$with]}], \"tasks\": [{\"command\": [\"hostname\"], \"slot\": \"task\", \"count\": {\"per_slot\": 1}}], \"attributes\": {\"system\": {\"duration\": 0$c}}}" >"$tmp/$1"
}
pjs arm9.json 1 1 0 '"arm-v9@core"'
pjs arm8mi60.json 1 1 0 '"arm-v8@core", "amd-mi60@gpu"'
pjs arm9gpu.json 2 1 2 '"arm-v9@core"'
pjs notarm9.json 1 1 0 '"^arm-v9@core"'
hosts() { # jobspec [format]
    printf 'match allocate %s\nquit\n' "$tmp/$1" >"$tmp/cmds"
    "$rq" -L "$tmp/hetero.json" -f rv1exec -S CA -P hinodex -F "${2:-rv1_nosched}" \
        -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
    grep -v INFO "$tmp/out" | grep -o '"nodelist": \["[^"]*"\]'
}
check "arm-v9@core: highest such node" test "$(hosts arm9.json)" = '"nodelist": ["foo4"]'
check "arm-v8@core and amd-mi60@gpu: no node has both" test -z "$(hosts arm8mi60.json)"
check "two slots with 2 gpus on arm-v9 nodes" test "$(hosts arm9gpu.json)" = '"nodelist": ["foo[2,4]"]'
check "^arm-v9@core: the one other node" test "$(hosts notarm9.json)" = '"nodelist": ["foo3"]'
hosts arm9.json rv1 >/dev/null
check "rv1's JGF lists the node's full property names" \
    test "$(grep -v INFO "$tmp/out" | grep -o '"type": "node"[^}]*"properties": {[^}]*}' | grep -o '"[a-z0-9-]*@[a-z]*"' | tr '\n' ' ')" = '"amd-mi60@gpu" "arm-v9@core" '

# Replaying a containment R with the power subsystem dominant (t3023): the
# R names no vertex of the power tree's root, so the update emits nothing,
# yet its nodes are held: a power job then avoids them.
slot_node_core "$tmp/ca.yaml" 36
jobspec "$tmp/pa.yaml" <<'YAML'
  - type: slot
    count: 36
    label: s
    with:
      - type: node
        count: 1
        exclusive: true
YAML
pj=(-L "$data/jgfs/power.json" -f jgf -P high)
printf 'match allocate %s\nquit\n' "$tmp/ca.yaml" >"$tmp/cmds"
"$rq" "${pj[@]}" -S CA -F jgf -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
grep -v INFO "$tmp/out" >"$tmp/r_ca.json"
printf 'update allocate jgf %s 1 0 3600\nmatch allocate %s\nquit\n' "$tmp/r_ca.json" "$tmp/pa.yaml" >"$tmp/cmds"
"$rq" "${pj[@]}" -S PA -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
check "a containment R replayed under PA emits nothing" \
    test "$(sed -n '1,/JOBID=1/p' "$tmp/out" | grep -c -- '---')" = 0
check "its nodes stay held: the power job takes pdu0 and pdu1" \
    test "$(grep -o 'pdu[0-9]\[' "$tmp/out" | sort -u | tr '\n' ' ')" = "pdu0[ pdu1[ "

# The first policy's early stop packs slot members whole: each 12-unit pool
# of chassis1 covers one slot's 5 units but cannot be split between the two
# slots, so the stop must wait for a second pool (counting units, it
# stopped after one and nothing matched).  chassis0 holds pools only.
jgf_v() { # id type name/"" extra-metadata path
    printf '{"id":"%s","metadata":{"type":"%s",%s%s"paths":{"containment":"%s"}}}' \
        "$1" "$2" "${3:+\"name\":\"$3\",}" "$4" "$5"
}
{
    printf '{"graph":{"directed":false,"nodes":['
    jgf_v 0 cluster lab '' /lab
    printf ,; jgf_v 1 chassis '' '"id":0,' /lab/chassis0
    for i in 0 1; do printf ,; jgf_v $((2 + i)) ssd '' "\"id\":$i,\"size\":12," /lab/chassis0/ssd$i; done
    printf ,; jgf_v 4 chassis '' '"id":1,' /lab/chassis1
    for i in 0 1; do
        printf ,; jgf_v $((5 + 2 * i)) node n$i "\"id\":$i," /lab/chassis1/n$i
        printf ,; jgf_v $((6 + 2 * i)) core '' '"id":0,' /lab/chassis1/n$i/core0
    done
    for i in 2 3; do printf ,; jgf_v $((7 + i)) ssd '' "\"id\":$i,\"size\":12," /lab/chassis1/ssd$i; done
    printf '],"edges":['
    sep=''
    for e in 0:1 1:2 1:3 0:4 4:5 5:6 4:7 7:8 4:9 4:10; do
        printf '%s{"source":"%s","target":"%s"}' "$sep" "${e%%:*}" "${e##*:}"
        sep=,
    done
    printf ']}}\n'
} >"$tmp/pools.json"
jobspec "$tmp/pools.yaml" <<'YAML'
  - type: slot
    count: 2
    label: s
    with:
      - type: node
        count: 1
        exclusive: true
        with:
          - type: core
            count: 1
      - type: ssd
        count: 5
        exclusive: true
YAML
printf 'match allocate %s\nquit\n' "$tmp/pools.yaml" >"$tmp/cmds"
"$rq" -L "$tmp/pools.json" -f jgf -S CA -P first -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
check "first: two slots of whole pools match" grep -q 'RESOURCES=ALLOCATED' "$tmp/out"
check "first: both nodes and both chassis1 pools, one each per slot" \
    test "$(grep -o -- '-[a-z]*[0-9]*\[[0-9]*:x\]' "$tmp/out" | sort | tr '\n' ' ')" = \
    "-core0[1:x] -core0[1:x] -n0[1:x] -n1[1:x] -ssd2[12:x] -ssd3[12:x] "
"$rq" -L "$tmp/pools.json" -f jgf -S CA -P firstnodex -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>&1
check "firstnodex: the same request matches" grep -q 'RESOURCES=ALLOCATED' "$tmp/out"

# attach grows the graph while a job holds a node: the job keeps it, the
# grafted node is found up and free and the next job takes it (lab is the
# pools graph above; the graft names the same root, so lab is reused).
{
    printf '{"graph":{"directed":false,"nodes":['
    jgf_v 0 cluster lab '' /lab
    printf ,; jgf_v 11 chassis '' '"id":2,' /lab/chassis2
    printf ,; jgf_v 12 node n7 '"id":7,' /lab/chassis2/n7
    printf ,; jgf_v 13 core '' '"id":0,' /lab/chassis2/n7/core0
    printf '],"edges":[{"source":"0","target":"11"},{"source":"11","target":"12"},'
    printf '{"source":"12","target":"13"}]}}\n'
} >"$tmp/graft.json"
jobspec "$tmp/onenode.yaml" <<'YAML'
  - type: slot
    count: 1
    label: s
    with:
      - type: node
        count: 1
        with:
          - type: core
            count: 1
YAML
printf '%s\n' "match allocate $tmp/onenode.yaml" "match allocate $tmp/onenode.yaml" \
    "match allocate $tmp/onenode.yaml" "attach $tmp/graft.json" "find sched-now=free" \
    "match allocate $tmp/onenode.yaml" "find sched-now=allocated" quit >"$tmp/cmds"
"$rq" -L "$tmp/pools.json" -f jgf -S CA -P low -t "$tmp/out" <"$tmp/cmds" >/dev/null 2>"$tmp/err"
check "attach with jobs running: no error" test ! -s "$tmp/err"
check "attach with jobs running: before it, the third job found nothing" \
    test "$(grep -c 'No matching resources found' "$tmp/out")" = 1
check "attach with jobs running: the grafted node is free" \
    bash -c "sed -n '/JOBID=3/,/sched-now=free/p' '$tmp/out' | grep -q -- '-n7\\['"
check "attach with jobs running: the next job takes the grafted node" \
    bash -c "sed -n '/sched-now=free/,/JOBID=4/p' '$tmp/out' | grep -q -- '-n7\\[1:x\\]'"
check "attach with jobs running: the earlier jobs keep their nodes" \
    test "$(sed -n '/JOBID=4/,$p' "$tmp/out" | grep -o -- '-n[0-9]*\[' | sort | tr '\n' ' ')" = "-n0[ -n1[ -n7[ "

echo "1..$n"
[ "$failed" = 0 ]
