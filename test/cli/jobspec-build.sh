#!/bin/bash
# jobspec-validate --build: jobspecs from a command shape (flux submit -N -n -c -g -t).
set -u
JV=${JOBSPEC_VALIDATE:-jobspec-validate}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Golden: -N2 -n4 -c2 -t 2m sleep 120 (YAML).
cat >"$TMP/want.yaml" <<'YAML'
version: 1
resources:
- type: node
  count: 2
  with:
  - type: slot
    count: 2
    label: task
    with:
    - type: core
      count: 2
tasks:
- command: [sleep, "120"]
  slot: task
  count:
    per_slot: 1
attributes:
  system:
    duration: 120
YAML
"$JV" --build -N2 -n4 -c2 -t 2m -- sleep 120 >"$TMP/got.yaml" && diff -u "$TMP/want.yaml" "$TMP/got.yaml" \
    && ok || bad "golden yaml"
# The output is itself a valid jobspec.
"$JV" "$TMP/got.yaml" && ok || bad "built yaml does not validate"

# Golden JSON, and the command keeps its own options without "--".
want='{"version":1,"resources":[{"type":"slot","count":3,"label":"task","with":[{"type":"core","count":1},{"type":"gpu","count":1}]}],"tasks":[{"command":["hostname","-s"],"slot":"task","count":{"per_slot":1}}],"attributes":{"system":{"duration":5400}}}'
got=$("$JV" --build -n3 -g1 -t 1.5h --json hostname -s)
[ "$got" = "$want" ] && ok || bad "golden json: $got"

# -N alone runs one task per node.
"$JV" --build -N3 --json app | grep -q '"type":"node","count":3,"with":\[{"type":"slot","count":1,' \
    && ok || bad "-N alone"

# Uneven spread: total task count.
"$JV" --build -N2 -n3 --json true | grep -q '"count":{"total":3}' && ok || bad "uneven -> total"

# Options end up where flux puts them.
got=$("$JV" --build -N1 --exclusive --queue debug --requires foo,^bar --setattr user.p=1 \
      --env A=b --json app)
for frag in '"exclusive":true' '"queue":"debug"' '"properties":["foo","^bar"]' '"user":{"p":1}' \
            '"environment":{"A":"b"}'; do
    [[ "$got" == *"$frag"* ]] && ok || bad "missing $frag in $got"
done

# Durations.
for d in 30s:30 2m:120 1.5h:5400 1d:86400 45:45; do
    got=$("$JV" --build -t "${d%%:*}" --json a)
    [[ "$got" == *"\"duration\":${d##*:}}"* ]] && ok || bad "duration $d: $got"
done

# Unsatisfiable shapes and bad values: exit non-zero with a clear message.
check_err() {
    local want=$1; shift
    out=$("$JV" --build "$@" 2>&1 >/dev/null)
    rc=$?
    [[ $rc -ne 0 && "$out" == *"$want"* ]] && ok || bad "$*: exit $rc '$out'"
}
check_err "more nodes than tasks" -N4 -n2 app
check_err "-n: count must be >= 1" -n0 app
check_err "-N: count must be >= 1" -N0 app
check_err "-c: count must be >= 1" -c0 app
check_err "-c: invalid count" -c x app
check_err "-g: invalid count" -g -1 app
"$JV" --build -g0 --json app | grep -q '"with":\[{"type":"core","count":1}\]' && ok || bad "-g0"
check_err "-t: invalid duration" -t 5y app
check_err "invalid property name" --requires 'a|b' app
check_err "--build needs a command" -n2

echo "jobspec-build: $pass passed, $fails failed"
[ $fails -eq 0 ]
