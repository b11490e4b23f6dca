#!/usr/bin/env bash
# strata-sim end to end: exact schedules of a hand-made SWF trace under each
# queue policy (counting backend and the real matcher), gzip input, JSON-lines
# workloads with named queues, errors with line numbers and --lenient,
# --compare, plots, and the pyss EASY fidelity on SDSC-SP2 (every job's wait
# and the whole-trace figures of the predictsim reference).
set -euo pipefail

src=${STRATA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${STRATA_BUILDDIR:-$src/build}
shared=${STRATA_SHARED:-$src/../shared}
sim=$build/tools/strata-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
fail() { echo "strata-sim.sh: FAIL: $*" >&2; exit 1; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }

# starts CSV: "id:start" for every job, in id order.
starts() {
  python3 - "$1" <<'PY'
import csv, sys
rows = sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: int(r['id']))
print(' '.join('%s:%s' % (r['id'], r['start']) for r in rows))
PY
}

# Four jobs on 6 processors: J4 fits in EASY's "extra" and delays J3;
# conservative reserves J3 first; fcfs never backfills.
cat >"$tmp/c.swf" <<'EOF'
; MaxProcs: 6
1 0 -1 10 4 -1 -1 4 10 -1 1 -1 -1 -1 -1 -1 -1 -1
2 1 -1 10 4 -1 -1 4 10 -1 1 -1 -1 -1 -1 -1 -1 -1
3 2 -1 10 5 -1 -1 5 10 -1 1 -1 -1 -1 -1 -1 -1 -1
4 3 -1 30 2 -1 -1 2 30 -1 1 -1 -1 -1 -1 -1 -1 -1
EOF

expect_fcfs="1:0 2:10 3:20 4:30"
expect_easy="1:0 2:10 3:33 4:3"
expect_cons="1:0 2:10 3:20 4:30"
for backend in count match; do
  for sem in fluxion pyss; do
    for pol in fcfs easy hybrid conservative; do
      extra=()
      want=$expect_easy
      case $pol in
        fcfs) want=$expect_fcfs ;;
        conservative) want=$expect_cons ;;
        hybrid) extra=(--reservation-depth 2); want=$expect_cons ;;
      esac
      "$sim" --trace "$tmp/c.swf" --procs 6 --queue-policy $pol --semantics $sem \
        --backend $backend "${extra[@]}" --jobs-out "$tmp/j.csv" -q \
        || fail "$backend/$sem/$pol: exit status"
      got=$(starts "$tmp/j.csv")
      [ "$got" = "$want" ] || fail "$backend/$sem/$pol: starts '$got', expected '$want'"
    done
  done
  ok "exact schedules, $backend backend, fcfs/easy/hybrid/conservative, both semantics"
done

# How each job started, and the allocation summary from the matcher.
"$sim" --trace "$tmp/c.swf" --procs 6 --queue-policy easy --jobs-out "$tmp/j.csv" -q
python3 - "$tmp/j.csv" <<'PY' || fail "start kinds / alloc column"
import csv, sys
rows = {r['id']: r for r in csv.DictReader(open(sys.argv[1]))}
assert [rows[i]['how'] for i in '1234'] == ['immediate', 'reservation', 'reservation', 'backfill'], rows
assert rows['3']['alloc'].startswith('5 core'), rows['3']['alloc']
assert rows['4']['wait'] == '0' and rows['3']['wait'] == '31', rows
PY
ok "how started (immediate/reservation/backfill) and allocation summary"

# gzip input gives the same result; summary.json holds the figures.
gzip -c "$tmp/c.swf" >"$tmp/c.swf.gz"
"$sim" --trace "$tmp/c.swf.gz" --procs 6 --queue-policy easy --jobs-out "$tmp/jz.csv" \
  --summary-out "$tmp/s.json" -q
[ "$(starts "$tmp/jz.csv")" = "$expect_easy" ] || fail "gzip trace"
python3 - "$tmp/s.json" <<'PY' || fail "summary.json"
import json, sys
s = json.load(open(sys.argv[1]))
assert s['jobs'] == 4 and s['started'] == 4, s
# waits 0, 9, 31, 0; makespan 0..43; area 40+40+50+60 = 190 over 6 x 43
assert abs(s['wait']['mean'] - 10.0) < 1e-9, s['wait']
assert abs(s['utilization'] - 190 / (6 * 43)) < 1e-9, s['utilization']
assert s['makespan'] == 43 and s['settings']['queue_policy'] == 'easy', s
PY
ok "gzip input and summary.json figures"

# Cleaning: too big for the machine, no procs, no run time, no estimate in a
# trace that has estimates, run cut to the requested time.
cat >"$tmp/clean.swf" <<'EOF'
1 0 -1 10 8 -1 -1 8 10 -1 1 -1 -1 -1 -1 -1 -1 -1
2 0 -1 0 1 -1 -1 1 10 -1 1 -1 -1 -1 -1 -1 -1 -1
3 0 -1 50 -1 -1 -1 2 20 -1 1 -1 -1 -1 -1 -1 -1 -1
4 0 -1 7 1 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1
5 0 -1 7 0 -1 -1 0 9 -1 1 -1 -1 -1 -1 -1 -1 -1
EOF
"$sim" --trace "$tmp/clean.swf" --procs 4 --jobs-out "$tmp/j.csv" --summary-out "$tmp/s.json" -q
python3 - "$tmp/j.csv" "$tmp/s.json" <<'PY' || fail "cleaning rules"
import csv, json, sys
rows = {r['id']: r for r in csv.DictReader(open(sys.argv[1]))}
assert sorted(rows) == ['3'], rows
assert rows['3']['run'] == '20' and rows['3']['procs'] == '2', rows['3']
c = json.load(open(sys.argv[2]))['cleaning']
assert c == {'malformed': 0, 'no_procs': 1, 'too_big': 1, 'no_time': 2, 'run_truncated': 1}, c
PY
# A trace without any estimate (model traces) runs with the run times.
cat >"$tmp/noest.swf" <<'EOF'
1 0 -1 7 1 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1
2 0 -1 5 2 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1
EOF
"$sim" --trace "$tmp/noest.swf" --procs 2 --jobs-out "$tmp/j.csv" -q
[ "$(cut -d, -f1,6,7 "$tmp/j.csv" | tr '\n' ' ')" = "id,run,requested 1,7,7 2,5,5 " ] \
  || fail "no-estimate trace: $(cat "$tmp/j.csv")"
ok "cleaning rules"

# A malformed line is an error naming its line, or skipped under --lenient.
cp "$tmp/c.swf" "$tmp/bad.swf"
echo "5 4 -1 ten 1 -1 -1 1 10 -1 1 -1 -1 -1 -1 -1 -1 -1" >>"$tmp/bad.swf"
echo "6 5 -1 1 1" >>"$tmp/bad.swf"
if "$sim" --trace "$tmp/bad.swf" --procs 6 -q 2>"$tmp/err"; then fail "malformed accepted"; fi
grep -q "bad.swf:6:.*field 4 ('ten') is not a number" "$tmp/err" || fail "error text: $(cat "$tmp/err")"
"$sim" --trace "$tmp/bad.swf" --procs 6 --lenient --summary-out "$tmp/s.json" --no-progress >/dev/null 2>"$tmp/err"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['cleaning']['malformed']==2 and s['jobs']==4, s" \
  "$tmp/s.json" || fail "--lenient count"
grep -q "skipped 2 malformed" "$tmp/err" || fail "--lenient message"
ok "malformed lines: error with line number, --lenient skips and counts"

# JSON lines: shapes, jobspecs and named queues (debug is fcfs, batch easy).
cat >"$tmp/w.jsonl" <<'EOF'
{"id": 1, "submit": 0, "run": 10, "requested": 10, "shape": {"ntasks": 2}}
{"id": 2, "submit": 1, "run": 10, "requested": 10, "shape": {"ntasks": 4}, "queue": "debug"}
{"id": 3, "submit": 2, "run": 5, "requested": 5, "shape": {"ntasks": 2}, "queue": "debug"}
{"id": 4, "submit": 3, "run": 5, "requested": 5, "procs": 2, "queue": "batch"}
{"id": 5, "submit": 4, "run": 1, "requested": 1, "procs": 1, "queue": "nope"}
{"id": 6, "submit": 40, "run": 3, "jobspec": {"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 3}]}], "tasks": [{"command": ["x"], "slot": "task", "count": {"per_slot": 1}}], "attributes": {"system": {"duration": 3}}}}
EOF
for backend in count match; do
  "$sim" --trace "$tmp/w.jsonl" --procs 4 --queues batch:easy,debug:fcfs --backend $backend \
    --jobs-out "$tmp/j.csv" -q || fail "jsonl run ($backend)"
  got=$(starts "$tmp/j.csv")
  [ "$got" = "1:0 2:10 3:20 4:3 5:-1 6:40" ] || fail "jsonl queues ($backend): $got"
done
grep -q '^5,.*,nope,rejected,' "$tmp/j.csv" || fail "unknown queue not rejected"
echo '{"id": 1, "submit": 0}' >"$tmp/bad.jsonl"
if "$sim" --trace "$tmp/bad.jsonl" --procs 4 -q 2>"$tmp/err"; then fail "bad jsonl accepted"; fi
grep -q "bad.jsonl:1:" "$tmp/err" || fail "jsonl error text: $(cat "$tmp/err")"
ok "JSON lines with shapes, jobspecs, procs and named queues"

# --compare prints one column per policy; plots are drawn by gnuplot.
"$sim" --trace "$tmp/c.swf" --procs 6 --compare fcfs,easy,conservative -q >"$tmp/cmp.txt"
head -1 "$tmp/cmp.txt" | grep -q "fcfs.*easy.*conservative" || fail "compare header"
grep -q "^wait mean (s) *13.50 *10.00 *13.50$" "$tmp/cmp.txt" || fail "compare waits: $(cat "$tmp/cmp.txt")"
[ "$(grep -c '' "$tmp/cmp.txt")" -ge 10 ] || fail "compare rows"
ok "--compare table"
if command -v gnuplot >/dev/null; then
  "$sim" --trace "$tmp/c.swf" --procs 6 --queue-policy easy --plot-dir "$tmp/plots" -q
  for f in utilization queue waits; do
    [ -s "$tmp/plots/$f.png" ] || fail "plot $f.png missing"
  done
  ok "plots"
fi

# Bad command lines.
for args in "" "--trace $tmp/c.swf --queue-policy lifo" "--trace $tmp/c.swf --semantics x" \
            "--trace $tmp/c.swf --procs -3" "--trace $tmp/missing.swf"; do
  if "$sim" $args -q 2>/dev/null; then fail "accepted: $args"; fi
done
ok "bad options are refused"

# Fidelity: pyss EASY on SDSC-SP2 reproduces every reference wait.
ref=$shared/workloads/predictsim_SDSC-SP2_EASY_pyss_output.swf.gz
if [ -f "$ref" ]; then
  for backend in count match; do
    "$sim" --trace "$ref" --procs 128 --queue-policy easy --semantics pyss --backend $backend \
      --jobs-out "$tmp/sp2.csv" --summary-out "$tmp/sp2.json" -q
    python3 - "$ref" "$tmp/sp2.csv" "$tmp/sp2.json" <<'PY' || fail "SDSC-SP2 fidelity ($backend)"
import csv, gzip, json, sys
ref = {}
for line in gzip.open(sys.argv[1], 'rt'):
    if not line.startswith(';'):
        f = line.split()
        ref[int(f[0])] = int(f[2])
rows = list(csv.DictReader(open(sys.argv[2])))
same = sum(1 for r in rows if int(r['wait']) == ref[int(r['id'])])
assert len(rows) == 54006 and same / len(rows) >= 0.999, (len(rows), same)
s = json.load(open(sys.argv[3]))
assert round(s['bsld_mean'], 2) == 87.87, s['bsld_mean']
assert abs(s['wait']['mean'] - 20497.76) < 0.01, s['wait']['mean']
assert round(s['utilization'], 3) == 0.823, s['utilization']
print('# %s: %d/%d waits equal' % (sys.argv[2], same, len(rows)))
PY
    ok "SDSC-SP2 pyss EASY fidelity ($backend backend)"
  done
fi
echo "1..$n"
