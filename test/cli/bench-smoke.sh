#!/usr/bin/env bash
# Smoke test of the benchmark harness (test/bench/): its unit tests, then the driver end
# to end in --quick mode (small generated graphs), first against the fake tool
# (test/bench/fake_rq.py), then against the built resource-query.  It checks that every
# figure is produced, never what the figures are: no timing is asserted.
set -euo pipefail

src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${STRATA_BUILDDIR:-$src/build}
bench=$src/test/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "bench-smoke: FAIL: $*" >&2; exit 1; }

echo "# unit tests of the harness"
(cd "$bench" && python3 -m unittest test_benchlib) || fail "harness unit tests"

# check_results DIR WHAT: every selected workload ran and produced its figures.
check_results() {
  python3 - "$1/results.json" "$2" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
what = sys.argv[2]
bad = []
if data['baseline'].get('rss_kib') is None:
    bad.append('baseline RSS missing')
for r in data['results']:
    need = ['load_s', 'vertices', 'peak_rss_mib', 'rss_after_load_mib', 'bytes_per_vertex',
            'alloc_median_ms', 'alloc_p99_ms', 'matches_per_s', 'wall_s']
    if r['name'] not in ('fill-cores', 'mem-10k', 'cancel-mix', 'find-busy'):
        need += ['reserve_median_ms', 'reserve_p99_ms']
    if r['error']:
        bad.append('%s: %s' % (r['name'], r['error']))
        continue
    bad += ['%s: no %s' % (r['name'], k) for k in need if r.get(k) is None]
    if r.get('instr_error'):
        bad.append('%s: %s' % (r['name'], r['instr_error']))
    if r['kind'] == 'extra' and not r['extra']:
        bad.append('%s: no workload-specific figures' % r['name'])
if not data['results']:
    bad.append('no results')
for b in bad:
    print('bench-smoke: %s: %s' % (what, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

echo "# driver against the fake resource-query (every workload)"
"$bench/run" "$build" --quick --no-instr --rq "$bench/fake_rq.py" --out "$tmp/fake" \
  > "$tmp/fake.md" || fail "driver exit status $? against the fake tool"
[ -s "$tmp/fake/results.md" ] || fail "no results.md written"
cmp -s "$tmp/fake.md" "$tmp/fake/results.md" || fail "stdout and results.md differ"
grep -q '^| bench1000-node1 | N=8 M=4 on quick | strata | [0-9]' "$tmp/fake.md" ||
  fail "no figures in the README table"
grep -q '^| scale-128 | ' "$tmp/fake.md" || fail "no scale series"
check_results "$tmp/fake" fake || fail "figures missing (fake tool)"

echo "# --compare adds a before/now table"
"$bench/run" "$build" --quick --no-instr --rq "$bench/fake_rq.py" --out "$tmp/again" \
  --only bench1000-node1 --compare "$tmp/fake/results.json" > "$tmp/again.md" ||
  fail "driver exit status $? with --compare"
grep -q '^| bench1000-node1 | alloc median ms | [0-9.]* | [0-9.]* | ' "$tmp/again.md" ||
  fail "no before/now figures with --compare"

echo "# a failing tool is reported per workload, and the exit status says so"
if FAKE_RQ_FAIL="cannot read graph" "$bench/run" "$build" --quick --no-instr \
    --rq "$bench/fake_rq.py" --out "$tmp/failing" --only 'bench1000-node1,mem-10k' \
    > "$tmp/failing.md" 2>/dev/null; then
  fail "driver exit status 0 although every run failed"
fi
[ "$(grep -c 'resource-query failed: exit status 1: cannot read graph' "$tmp/failing.md")" = 2 ] ||
  fail "failures not reported per workload"

echo "# driver against $build/tools/resource-query (a few workloads)"
"$bench/run" "$build" --quick --out "$tmp/real" \
  --only 'bench1000-node1,sierra-node1,half-machine,cancel-mix,find-busy,mem-10k,scale-32' \
  > "$tmp/real.md" || { cat "$tmp/real.md"; fail "driver exit status against resource-query"; }
check_results "$tmp/real" resource-query || { cat "$tmp/real.md"; fail "figures missing"; }
echo "bench-smoke: ok"
