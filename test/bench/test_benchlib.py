"""Unit tests of the benchmark harness: benchlib parsing/statistics/process control,
gen-grug, and the driver's formatting.  Run: python3 -m unittest -v test_benchlib
(from test/bench), or through test/cli/bench-smoke.sh.  No test asserts a timing."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
import fake_rq  # noqa: E402

SHARED = os.environ.get('STRATA_SHARED', os.path.join(HERE, '..', '..', '..', 'shared'))
GEN = os.path.join(HERE, 'gen-grug')
NS = '{http://graphml.graphdrawing.org/xmlns}'


def load_driver():
    loader = importlib.machinery.SourceFileLoader('bench_run', os.path.join(HERE, 'run'))
    spec = importlib.util.spec_from_loader('bench_run', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


RUN = load_driver()

# What Fluxion's resource-query prints on stdout with -e and -t OUT (reference §1.1, §1.4).
RQ_STDOUT = """\
INFO: Graph Load Time: 0.912345
INFO: Vertex Count: 59051
INFO: Edge Count: 59050
INFO: by_type Key-Value Pairs: 7
INFO: by_name Key-Value Pairs: 1071
INFO: by_path Key-Value Pairs: 59051
INFO: number of vertices with rank -1: 58051
INFO: ELAPSE=0.000464
INFO: PREORDER VISIT COUNT=118
INFO: POSTORDER VISIT COUNT=60
INFO: ELAPSE=0.000500
INFO: PREORDER VISIT COUNT=120
INFO: POSTORDER VISIT COUNT=61
INFO: ELAPSE=0.000900
INFO: PREORDER VISIT COUNT=130
INFO: POSTORDER VISIT COUNT=70
INFO: Num. of Jobs Matched: 3
INFO: Min. Match Time: 0.000464
INFO: Max. Match Time: 0.000900
INFO: Avg. Match Time: 0.000621
"""

RULE = 'INFO: ' + '=' * 29
OUT_FILE = '\n'.join([
    '      ---------core0[1:x]', '      ---node0[1:x]', RULE, 'INFO: JOBID=1',
    'INFO: RESOURCES=ALLOCATED', 'INFO: SCHEDULED AT=Now', RULE,
    RULE, 'INFO: No matching resources found', 'INFO: JOBID=2', RULE,
    '      ---node0[1:x]', RULE, 'INFO: JOBID=3', 'INFO: RESOURCES=RESERVED',
    'INFO: SCHEDULED AT=3600', RULE,
    RULE, 'INFO: EXPRESSION="sched-now=allocated"', RULE,
    '      ---node1[1:x]', RULE, 'INFO: JOBID=4', 'INFO: RESOURCES=RESERVED',
    'INFO: SCHEDULED AT=7200', RULE]) + '\n'

TIME_V = """\
\tCommand being timed: "resource-query -L g -e -d -t out"
\tUser time (seconds): 1.25
\tSystem time (seconds): 0.10
\tPercent of CPU this job got: 98%
\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03.5
\tMaximum resident set size (kbytes): 349184
\tExit status: 0
"""

CACHEGRIND = """\
==123== Cachegrind, a cache and branch-prediction profiler
==123== Command: resource-query -L g
==123==
==123== I   refs:      12,345,678
"""


class TestStats(unittest.TestCase):
    def test_median(self):
        self.assertEqual(benchlib.median([3, 1, 2]), 2)
        self.assertEqual(benchlib.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(benchlib.median([7]), 7)

    def test_percentile_nearest_rank(self):
        vals = list(range(1, 101))            # 1..100
        self.assertEqual(benchlib.percentile(vals, 99), 99)
        self.assertEqual(benchlib.percentile(vals, 100), 100)
        self.assertEqual(benchlib.percentile(vals, 50), 50)
        self.assertEqual(benchlib.percentile(list(range(10)), 99), 9)
        self.assertEqual(benchlib.percentile([5.0], 99), 5.0)

    def test_badparam(self):
        self.assertRaises(ValueError, benchlib.median, [])
        self.assertRaises(ValueError, benchlib.percentile, [], 99)
        self.assertRaises(ValueError, benchlib.percentile, [1], 0)
        self.assertRaises(ValueError, benchlib.percentile, [1], 101)


class TestRqOutput(unittest.TestCase):
    def test_stdout(self):
        r = benchlib.parse_rq_stdout(RQ_STDOUT)
        self.assertAlmostEqual(r['load_s'], 0.912345)
        self.assertEqual(r['vertices'], 59051)
        self.assertEqual(r['edges'], 59050)
        self.assertEqual(r['elapses'], [0.000464, 0.0005, 0.0009])
        self.assertEqual(r['preorder'], [118, 120, 130])
        self.assertEqual(r['postorder'], [60, 61, 70])
        self.assertEqual(r['stat']['jobs_matched'], 3)
        self.assertAlmostEqual(r['stat']['avg'], 0.000621)
        self.assertIsNone(r['bytes_per_vertex'])

    def test_stdout_tool_extras(self):
        r = benchlib.parse_rq_stdout('INFO: Memory: 212.5 bytes per vertex: 212.5\n'
                                     'noise\nINFO: ELAPSE=1e-05\n')
        self.assertEqual(r['bytes_per_vertex'], 212.5)
        self.assertEqual(r['elapses'], [1e-05])

    def test_stdout_badparam(self):
        r = benchlib.parse_rq_stdout('')
        self.assertIsNone(r['load_s'])
        self.assertEqual(r['elapses'], [])
        r = benchlib.parse_rq_stdout('INFO: ELAPSE=\nINFO: Vertex Count: many\n')
        self.assertEqual(r['elapses'], [])
        self.assertIsNone(r['vertices'])

    def test_outcomes(self):
        self.assertEqual(benchlib.parse_match_outcomes(OUT_FILE),
                         ['ALLOCATED', 'FAILED', 'RESERVED', 'RESERVED'])
        self.assertEqual(benchlib.parse_match_outcomes(''), [])

    def test_assign(self):
        ops = ['allocate', 'allocate', 'allocate_orelse_reserve', 'allocate_orelse_reserve']
        outcomes = benchlib.parse_match_outcomes(OUT_FILE)
        per_op, notes = benchlib.assign_elapses(ops, outcomes, [0.1, 0.2, 0.3])
        self.assertEqual(notes, [])
        self.assertEqual(per_op['allocate'], {'elapses': [0.1], 'sent': 2, 'ok': 1,
                                              'failed': 1})
        self.assertEqual(per_op['allocate_orelse_reserve']['elapses'], [0.2, 0.3])

    def test_assign_inconsistent(self):
        ops = ['allocate'] * 3
        per_op, notes = benchlib.assign_elapses(ops, ['ALLOCATED'] * 3, [0.1])
        self.assertEqual(per_op['allocate']['elapses'], [0.1])
        self.assertTrue(any('1 ELAPSE lines for 3' in n for n in notes))
        per_op, notes = benchlib.assign_elapses(ops, ['ALLOCATED'], [0.1])
        self.assertTrue(any('only 1 of 3' in n for n in notes))
        per_op, notes = benchlib.assign_elapses(ops, [], [0.1, 0.2])
        self.assertEqual(per_op['allocate']['elapses'], [0.1, 0.2])
        self.assertTrue(any('assigned in order' in n for n in notes))

    def test_assign_failures_timed(self):
        ops = ['allocate'] * 3
        per_op, notes = benchlib.assign_elapses(ops, ['ALLOCATED', 'FAILED', 'ALLOCATED'],
                                                [0.1, 0.2, 0.3])
        self.assertEqual(per_op['allocate']['elapses'], [0.1, 0.3])
        self.assertTrue(any('failed matches too' in n for n in notes))

    def test_assign_badparam(self):
        per_op, notes = benchlib.assign_elapses([], [], [])
        self.assertEqual(per_op, {})
        self.assertEqual(notes, [])

    def test_match_ops(self):
        self.assertEqual(benchlib.match_ops(['match allocate a.yaml', 'cancel 1', 'stat',
                                             'm allocate_orelse_reserve b.yaml',
                                             'match satisfiability c.yaml', 'match allocate']),
                         ['allocate', 'allocate_orelse_reserve'])


class TestTimeAndValgrind(unittest.TestCase):
    def test_time_v(self):
        t = benchlib.parse_time_v(TIME_V)
        self.assertEqual(t['max_rss_kib'], 349184)
        self.assertAlmostEqual(t['wall_s'], 3723.5)
        self.assertEqual(t['user_s'], 1.25)
        self.assertEqual(t['sys_s'], 0.10)
        self.assertEqual(t['exit_status'], 0)

    def test_time_v_signal(self):
        t = benchlib.parse_time_v('\tCommand terminated by signal 9\n'
                                  '\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:01.50\n')
        self.assertEqual(t['signal'], 9)
        self.assertAlmostEqual(t['wall_s'], 1.5)

    def test_time_badparam(self):
        self.assertEqual(benchlib.parse_time_v(''), {})
        self.assertEqual(benchlib.parse_time_v('Maximum resident set size (kbytes): x'), {})
        self.assertRaises(ValueError, benchlib.parse_clock, '12')
        self.assertRaises(ValueError, benchlib.parse_clock, 'a:b')

    def test_instructions(self):
        self.assertEqual(benchlib.parse_instructions(CACHEGRIND), 12345678)
        self.assertIsNone(benchlib.parse_instructions('no count here'))

    def test_cg_annotate(self):
        text = """\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
5,258,647 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                file:function
--------------------------------------------------------------------------------
488,407 ( 9.29%)  ???:???
452,560 ( 8.61%)  ./malloc/./malloc/malloc.c:_int_malloc
 -1,200 (-0.02%)  /src/strata/build/../match/traverse.c:explore.constprop.0

--------------------------------------------------------------------------------
-- Auto-annotated source: /src/strata/match/traverse.c
--------------------------------------------------------------------------------
    10 ( 0.00%)  int x;
"""
        rows = benchlib.parse_cg_annotate(text)
        self.assertEqual(rows, [(488407, 9.29, '???:???'),
                                (452560, 8.61, './malloc/./malloc/malloc.c:_int_malloc'),
                                (-1200, -0.02,
                                 '/src/strata/build/../match/traverse.c:explore.constprop.0')])
        self.assertEqual(benchlib.short_function(rows[2][2], '/src/strata'),
                         'match/traverse.c:explore.constprop.0')
        self.assertEqual(benchlib.short_function(rows[1][2], '/src/strata'),
                         'malloc/malloc/malloc.c:_int_malloc')
        self.assertEqual(benchlib.short_function('???:???', '/src/strata'), '???:???')

    def test_cg_annotate_badparam(self):
        self.assertEqual(benchlib.parse_cg_annotate(''), [])
        self.assertEqual(benchlib.parse_cg_annotate('488,407 ( 9.29%)  ???:???'), [])
        self.assertEqual(benchlib.short_function('nocolon', '/x'), 'nocolon')
        rows, err = benchlib.cachegrind_profile('/nonexistent/a', '/nonexistent/b')
        self.assertIsNone(rows)
        self.assertTrue(err)

    def test_syscall_line(self):
        self.assertEqual(benchlib.parse_syscall_line('0 0x0 0x55 0x2000 0 0 0 0x7f 0x7f'),
                         (0, 0))
        self.assertEqual(benchlib.parse_syscall_line('7 0x3 0x1'), (7, 3))
        self.assertIsNone(benchlib.parse_syscall_line('running'))
        self.assertIsNone(benchlib.parse_syscall_line(''))
        self.assertIsNone(benchlib.parse_syscall_line('x y'))

    def test_pipe_pending(self):
        r, w = os.pipe()
        try:
            self.assertEqual(benchlib.pipe_pending(w), 0)
            os.write(w, b'match allocate x\n')
            self.assertEqual(benchlib.pipe_pending(w), 17)
            self.assertEqual(benchlib.pipe_pending(r), 17)
        finally:
            os.close(r)
            os.close(w)
        self.assertIsNone(benchlib.pipe_pending(w))    # closed fd

    def test_proc_badparam(self):
        # A pid that cannot exist (above pid_max): no figures, no exception.
        self.assertEqual(benchlib.proc_rss_kib(1 << 30), (None, None))
        self.assertIsNone(benchlib.child_pid(1 << 30, timeout=0.01))


class TestSession(unittest.TestCase):
    """Session against the fake tool: phases, RSS samples, failure paths."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.graph = os.path.join(self.tmp.name, 'g.graphml')
        subprocess.run([sys.executable, GEN, '--racks', '1', '--nodes-per-rack', '2',
                        '-o', self.graph], check=True)

    def tearDown(self):
        self.tmp.cleanup()

    def argv(self, out):
        return [sys.executable, os.path.join(HERE, 'fake_rq.py'), '-L', self.graph, '-e',
                '-d', '-t', out]

    def test_phases(self):
        out = os.path.join(self.tmp.name, 'out')
        js = os.path.join(HERE, 'workloads', 'core1.yaml')
        phases = [benchlib.Phase('load', []),
                  benchlib.Phase('allocate', ['match allocate %s' % js] * 3),
                  benchlib.Phase('reserve', ['match allocate_orelse_reserve %s' % js] * 2)]
        s = benchlib.Session(self.argv(out), phases, timeout=60)
        res = s.run(os.path.join(self.tmp.name, 'time'))
        self.assertIsNone(res.error)
        self.assertEqual(res.returncode, 0)
        self.assertEqual([x[0] for x in res.samples], ['load', 'allocate', 'reserve'])
        self.assertTrue(all(x[2] and x[2] > 0 for x in res.samples))
        self.assertEqual(sorted(res.phase_wall), ['allocate', 'load', 'reserve'])
        self.assertGreater(res.time_v.get('max_rss_kib', 0), 0)
        self.assertEqual(res.ops, ['allocate'] * 3 + ['allocate_orelse_reserve'] * 2)
        parsed = benchlib.parse_rq_stdout(res.stdout)
        with open(out) as f:
            outcomes = benchlib.parse_match_outcomes(f.read())
        # 2 nodes: 2 allocations, 1 failure, then 2 reservations.
        self.assertEqual(outcomes, ['ALLOCATED', 'ALLOCATED', 'FAILED', 'RESERVED',
                                    'RESERVED'])
        per_op, notes = benchlib.assign_elapses(res.ops, outcomes, parsed['elapses'])
        self.assertEqual(notes, [])
        self.assertEqual(len(per_op['allocate']['elapses']), 2)
        self.assertEqual(len(per_op['allocate_orelse_reserve']['elapses']), 2)

    def test_tool_fails(self):
        env_before = os.environ.get('FAKE_RQ_FAIL')
        os.environ['FAKE_RQ_FAIL'] = 'cannot load the graph'
        try:
            res = benchlib.Session(self.argv('/dev/null'), [benchlib.Phase('load', [])],
                                   timeout=60).run(os.path.join(self.tmp.name, 'time'))
        finally:
            if env_before is None:
                del os.environ['FAKE_RQ_FAIL']
            else:
                os.environ['FAKE_RQ_FAIL'] = env_before
        self.assertEqual(res.returncode, 1)
        self.assertIn('cannot load the graph', res.error)
        self.assertEqual(res.samples, [])

    def test_no_such_tool(self):
        res = benchlib.Session([os.path.join(self.tmp.name, 'nope')], [], timeout=5,
                               time_path=None).run(os.path.join(self.tmp.name, 'time'))
        self.assertIn('cannot run', res.error)

    def test_timeout(self):
        # A tool that never reads stdin nor exits is killed at the timeout.
        res = benchlib.Session(['sleep', '30'], [benchlib.Phase('load', ['x'])],
                               timeout=0.5).run(os.path.join(self.tmp.name, 'time'))
        self.assertTrue(res.timed_out)
        self.assertIn('timed out', res.error)


def gen(*args):
    return subprocess.run([sys.executable, GEN] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def recipe_summary(path):
    """A recipe's generators and edges as comparable sets (ids, order and comments aside)."""
    g = ET.parse(path).getroot().find(NS + 'graph')
    nodes = set()
    for n in g.findall(NS + 'node'):
        data = {d.get('key'): d.text for d in n.findall(NS + 'data')}
        nodes.add((n.get('id'), tuple(sorted(data.items()))))
    edges = set()
    for e in g.findall(NS + 'edge'):
        data = {d.get('key'): d.text for d in e.findall(NS + 'data')}
        edges.add((e.get('source'), e.get('target'), tuple(sorted(data.items()))))
    return nodes, edges


class TestGenGrug(unittest.TestCase):
    def test_counts(self):
        self.assertEqual(gen('--racks', '50', '--nodes-per-rack', '20', '--count').stdout,
                         'vertices=59051 edges=59050 nodes=1000\n')
        self.assertEqual(gen('--nodes', '4000', '--count').stdout,
                         'vertices=236201 edges=236200 nodes=4000\n')
        self.assertEqual(gen('--racks', '0', '--nodes-per-rack', '3', '--sockets', '0',
                             '--node-gpus', '4', '--count').stdout,
                         'vertices=16 edges=15 nodes=3\n')

    def test_same_recipe_as_bench1000(self):
        ref = os.path.join(SHARED, 'bench', 'bench1000.graphml')
        if not os.path.exists(ref):
            self.skipTest('no %s' % ref)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'b.graphml')
            p = gen('--name', 'bench1000', '--racks', '50', '--nodes-per-rack', '20', '-o', path)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(recipe_summary(path), recipe_summary(ref))

    def test_expansion_matches_count(self):
        # fake_rq expands MULTIPLY recipes independently of gen-grug's arithmetic.
        cases = [['--nodes', '64', '--nodes-per-rack', '32', '--cores', '8', '--gpus', '0',
                  '--memory', '0'],
                 ['--racks', '2', '--nodes-per-rack', '4', '--gpus', '0', '--memory', '2',
                  '--node-gpus', '4'],
                 ['--racks', '0', '--nodes-per-rack', '5', '--sockets', '1', '--cores', '1']]
        with tempfile.TemporaryDirectory() as tmp:
            for args in cases:
                path = os.path.join(tmp, 'g.graphml')
                self.assertEqual(gen(*(args + ['-o', path])).returncode, 0)
                fields = dict(kv.split('=') for kv in gen(*(args + ['--count'])).stdout.split())
                self.assertEqual(fake_rq.recipe_counts(path),
                                 (int(fields['vertices']), int(fields['nodes'])), args)

    def test_badparam(self):
        for args in (['--nodes', '30', '--nodes-per-rack', '20'], ['--cores', '-1'],
                     ['--nodes-per-rack', '0'], ['--name', 'a b'], ['--name', ''],
                     ['--memory', '2', '--memory-size', '0']):
            p = gen(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn('gen-grug:', p.stderr)
            self.assertEqual(p.stdout, '')
        p = gen('-o', '/nonexistent-dir/x.graphml')
        self.assertEqual(p.returncode, 1)


class TestDriverFormatting(unittest.TestCase):
    def test_fmt_num(self):
        self.assertEqual(RUN.fmt_num(None), '—')
        self.assertEqual(RUN.fmt_num(0), '0')
        self.assertEqual(RUN.fmt_num(0.0213456), '0.0213')
        self.assertEqual(RUN.fmt_num(17.84), '17.8')
        self.assertEqual(RUN.fmt_num(1.5), '1.50')
        self.assertEqual(RUN.fmt_num(341.2), '341')
        self.assertEqual(RUN.fmt_num(1148000), '1,148,000')
        self.assertEqual(RUN.fmt_int(59051), '59,051')

    def test_ratio(self):
        self.assertEqual(RUN.fmt_ratio(7.1, 0.5), '14× ✓')
        self.assertEqual(RUN.fmt_ratio(1.0, 0.5), '2.0×')
        self.assertEqual(RUN.fmt_ratio(None, 0.5), '—')
        self.assertEqual(RUN.fmt_ratio(1.0, 0), '—')

    def test_select(self):
        wls = RUN.all_workloads(False)
        names = [w.name for w in RUN.select(wls, 'scale-*')]
        self.assertEqual(names, ['scale-1k', 'scale-4k', 'scale-16k', 'scale-64k'])
        self.assertEqual([w.name for w in RUN.select(wls, 'mem-10k,sierra-node1')],
                         ['sierra-node1', 'mem-10k'])
        self.assertEqual(RUN.select(wls, 'nonesuch'), [])
        self.assertEqual(len(RUN.select(wls, None)), len(wls))

    def test_readme_workloads_follow_readme(self):
        by = {w.name: w for w in RUN.all_workloads(False)}
        self.assertEqual(set(RUN.FLUXION) - set(by), set())
        self.assertEqual(by['bench1000-node1'].counts, 'N=1000 M=3000')
        self.assertEqual(by['sierra-node1-lonodex'].policy, 'lonodex')

    def test_evaluate(self):
        # A hand-made session: 59,051 vertices, 21 MiB after load against a 8 MiB
        # baseline on 4 vertices; two allocations (one failed), one reservation.
        res = benchlib.SessionResult()
        res.ops = ['allocate', 'allocate', 'allocate_orelse_reserve']
        res.stdout = RQ_STDOUT
        res.time_v = {'max_rss_kib': 40 * 1024, 'user_s': 1.0, 'sys_s': 0.5}
        res.samples = [('load', 1.0, 21 * 1024, 21 * 1024), ('allocate', 2.0, 22 * 1024, 0),
                       ('reserve', 2.5, 23 * 1024, 0)]
        res.phase_wall = {'load': 1.0, 'allocate': 1.0, 'reserve': 0.5}
        res.wall_s = 3.0
        out = '\n'.join([RULE, 'INFO: JOBID=1', 'INFO: RESOURCES=ALLOCATED', RULE,
                         RULE, 'INFO: No matching resources found', RULE,
                         RULE, 'INFO: JOBID=3', 'INFO: RESOURCES=RESERVED', RULE])
        phases = [benchlib.Phase('load', []),
                  benchlib.Phase('allocate', ['match allocate x'] * 2),
                  benchlib.Phase('reserve', ['match allocate_orelse_reserve x'])]
        wl = RUN.Workload('w', 'readme', 'bench1000', 'what', None)
        baseline = {'rss_kib': 8 * 1024, 'vertices': 4}
        r = RUN.evaluate(None, wl, phases, res, out, baseline, 59051)
        # RQ_STDOUT has 3 ELAPSEs for 2 successes; 3 == outcomes: failures timed too.
        self.assertEqual(r['alloc_n'], 1)
        self.assertAlmostEqual(r['alloc_median_ms'], 0.464)
        self.assertAlmostEqual(r['reserve_median_ms'], 0.9)
        self.assertAlmostEqual(r['bytes_per_vertex'], 13 * 1024 * 1024 / 59047.0)
        self.assertAlmostEqual(r['peak_rss_mib'], 40.0)
        self.assertAlmostEqual(r['rss_after_load_mib'], 21.0)
        self.assertAlmostEqual(r['matches_per_s'], 3 / 1.5)
        self.assertAlmostEqual(r['wall_per_match_ms'], (3.0 - 1.0) / 3 * 1e3)
        self.assertAlmostEqual(r['load_s'], 0.912345)
        self.assertEqual(r['visits_median'], 120)
        self.assertEqual(r['phase_wall_s']['reserve'], 0.5)
        self.assertEqual(r['notes'], ['ELAPSE printed for failed matches too; those are left out'])

    def test_evaluate_without_time(self):
        res = benchlib.SessionResult()
        res.samples = [('load', 1.0, 20 * 1024, 30 * 1024), ('allocate', 2.0, 21 * 1024,
                                                              35 * 1024)]
        wl = RUN.Workload('w', 'readme', 'bench1000', 'what', None)
        r = RUN.evaluate(None, wl, [], res, '', {'rss_kib': None, 'vertices': 4}, None)
        self.assertAlmostEqual(r['peak_rss_mib'], 35.0)
        self.assertIn('peak RSS from VmHWM (no /usr/bin/time report)', r['notes'])

    def test_evaluate_badparam(self):
        # A run that produced nothing: every figure is None, nothing raises.
        res = benchlib.SessionResult()
        res.error = 'exit status 1: boom'
        wl = RUN.Workload('w', 'readme', 'bench1000', 'what', None)
        r = RUN.evaluate(None, wl, [], res, '', {'rss_kib': None, 'vertices': 4}, 59051)
        for key in ('load_s', 'bytes_per_vertex', 'alloc_median_ms', 'matches_per_s',
                    'peak_rss_mib', 'wall_per_match_ms'):
            self.assertIsNone(r[key], key)
        self.assertEqual(r['error'], 'exit status 1: boom')
        self.assertEqual(sorted(r), sorted(RUN.skipped(wl, 'x')))

    def test_compare(self):
        old = {'results': [{'name': 'a', 'load_s': 1.0, 'instr_alloc': 200.0,
                            'alloc_median_ms': None},
                           {'name': 'gone', 'load_s': 1.0}]}
        new = [{'name': 'a', 'load_s': 0.5, 'instr_alloc': 300.0, 'alloc_median_ms': 0.1},
               {'name': 'new', 'load_s': 2.0}]
        table = RUN.compare_table(new, old)
        self.assertIn('| a | load s | 1.00 | 0.500 | -50% |', table)
        self.assertIn('| a | instr/alloc | 200 | 300 | +50% |', table)
        self.assertNotIn('alloc median', table)
        self.assertNotIn('gone', table)
        self.assertNotIn('| new |', table)
        self.assertEqual(RUN.compare_table(new, {}).count('\n'), 1)   # header only

    def test_fluxion_figures_match_readme(self):
        # The driver's copy of Fluxion's table must be the README's, row by row.
        readme = os.path.join(SHARED, 'bench', 'README.md')
        if not os.path.exists(readme):
            self.skipTest('no %s' % readme)
        import re
        rows = [line for line in open(readme) if re.match(r'\| (bench|sierra)\d*,', line)]
        names = [w.name for w in RUN.readme_workloads(False)]
        self.assertEqual(len(rows), len(names))
        for name, row in zip(names, rows):
            f = RUN.FLUXION[name]
            cells = [c.strip() for c in row.strip().strip('|').split('|')]
            number = re.compile(r'(?<![\w.])[\d,]*\.?\d+')     # not the 99 of "p99"
            nums = [[float(x.replace(',', '')) for x in number.findall(c)] for c in cells[1:]]
            self.assertEqual(nums[0][0], f['load'], name)
            self.assertEqual(nums[2][:2], [f['alloc'][1], f['alloc_p99']], name)
            self.assertEqual(nums[3][0], f['reserve'][1], name)
            if f['alloc'][0] == 'median':
                self.assertEqual(nums[1][0], f['rss'], name)
                self.assertEqual(nums[3][1], f['reserve_p99'], name)
            # The N and M of the run are those of the README row (or flagged as cut).
            w = [x for x in RUN.readme_workloads(False) if x.name == name][0]
            n, m = re.search(r'N=(\d+) M=(\d+)', cells[0]).groups()
            self.assertTrue(w.counts.startswith('N=%s M=%s' % (n, m)) or
                            'README: M=%s' % m in w.counts, (name, w.counts))

    def test_tables(self):
        r = {'name': 'sierra-node1', 'kind': 'readme', 'counts': 'N=1 M=1', 'error': None,
             'load_s': 0.5, 'peak_rss_mib': 100.0, 'alloc_median_ms': 0.2,
             'alloc_mean_ms': 0.2, 'alloc_p99_ms': 0.5, 'reserve_median_ms': 3.0,
             'reserve_mean_ms': 3.0, 'reserve_p99_ms': 4.0, 'alloc_n': 1,
             'bytes_per_vertex': 250.0}
        table = RUN.readme_table([r], quick=False)
        self.assertIn('| sierra-node1 | N=1 M=1 | strata | 0.500 | 100 | 0.200 |', table)
        self.assertIn('| Fluxion ÷ strata | 14× ✓ | 11× ✓ | 33× ✓ |', table)
        targets = RUN.targets_table([r])
        self.assertIn('| Sierra load | ≤ 0.700 s | 0.500 s | met |', targets)
        self.assertIn('| Sierra reserve median | ≤ 2.00 ms | 3.00 ms | NOT met |', targets)
        self.assertIn('| bench1000 high median | ≤ 0.200 ms | — | not run |', targets)
        failed = dict(r, error='exit status 1: boom', alloc_n=0)
        self.assertIn('resource-query failed: exit status 1: boom',
                      RUN.readme_table([failed], quick=False))


if __name__ == '__main__':
    unittest.main()
