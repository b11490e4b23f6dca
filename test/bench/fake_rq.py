#!/usr/bin/env python3
"""fake_rq.py: a stand-in for resource-query that speaks its benchmark protocol.

It exists to test the benchmark driver (test/bench/run) without a working
resource-query: it accepts `-L GRUG -e -d -t OUT [-P POLICY] [-F FMT]`, prints the `-e`
lines of Fluxion's resource-query on stdout (load time, vertex count, one
ELAPSE/PREORDER/POSTORDER triple per successful match, `stat`) and writes one INFO block
per match to OUT.  It knows nothing about jobspecs: every job takes one node of the
recipe, `allocate` fails once all nodes are taken, `allocate_orelse_reserve` then
reserves at the next free hour.  It holds ~64 bytes per vertex so that the driver's
memory figures move with graph size.

FAKE_RQ_FAIL=MSG in the environment makes it print MSG to stderr and exit 1 at load,
like a tool that cannot read its graph.
"""
import os
import sys
import time
import xml.etree.ElementTree as ET

NS = '{http://graphml.graphdrawing.org/xmlns}'
RULE = 'INFO: ' + '=' * 29


def recipe_counts(path):
    """(vertices, nodes) a MULTIPLY-only GRUG recipe expands to."""
    g = ET.parse(path).getroot().find(NS + 'graph')
    types, root = {}, None
    for n in g.findall(NS + 'node'):
        data = {d.get('key'): d.text for d in n.findall(NS + 'data')}
        types[n.get('id')] = data.get('type')
        if data.get('root') == '1':
            root = n.get('id')
    count = {root: 1}
    for e in g.findall(NS + 'edge'):
        data = {d.get('key'): d.text for d in e.findall(NS + 'data')}
        scale = int(data.get('multi_scale', '1'))
        count[e.get('target')] = count.get(e.get('source'), 0) * scale
    nodes = sum(c for gid, c in count.items() if types.get(gid) == 'node')
    return sum(count.values()), nodes


def parse_argv(argv):
    opts = {'-e': False, '-t': None, '-L': None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ('-e', '-d'):
            opts[a] = True
        elif a in ('-L', '-t', '-P', '-F', '-S', '-p', '-f'):
            i += 1
            opts[a] = argv[i] if i < len(argv) else None
        i += 1
    return opts


class Fake:
    def __init__(self, nodes, out, elapse):
        self.free = nodes
        self.nodes = nodes
        self.out = out
        self.elapse = elapse
        self.jobid = 1
        self.jobs = {}            # jobid -> 'A' (holds a node now) | 'R'
        self.reserved_at = 0
        self.times = []

    def match(self, sub, path):
        if not os.path.exists(path):
            print('ERROR: can\'t open %s' % path, file=sys.stderr)
            return
        t = time.perf_counter()
        at = None
        if self.free > 0:
            self.free -= 1
            at = 0
            self.jobs[self.jobid] = 'A'
        elif sub == 'allocate_orelse_reserve':
            self.reserved_at += 3600
            at = self.reserved_at
            self.jobs[self.jobid] = 'R'
        dt = time.perf_counter() - t
        self.out.write('      ---node0[1:x]\n')
        if at is None:
            self.out.write('%s\nINFO: No matching resources found\nINFO: JOBID=%d\n%s\n'
                           % (RULE, self.jobid, RULE))
        else:
            state, when = ('ALLOCATED', 'Now') if at == 0 else ('RESERVED', str(at))
            self.out.write('%s\nINFO: JOBID=%d\nINFO: RESOURCES=%s\nINFO: SCHEDULED AT=%s\n'
                           % (RULE, self.jobid, state, when))
            if self.elapse:
                print('INFO: ELAPSE=%f' % dt)
                print('INFO: PREORDER VISIT COUNT=%d' % 5)
                print('INFO: POSTORDER VISIT COUNT=%d' % 5)
                self.times.append(dt)
            self.out.write(RULE + '\n')
        self.jobid += 1

    def cancel(self, jobid):
        state = self.jobs.pop(jobid, None)
        if state is None:
            print('cancel: ERROR: nonexistent job %d' % jobid, file=sys.stderr)
        elif state == 'A':
            self.free += 1

    def stat(self):
        t = self.times or [0.0]
        print('INFO: Num. of Jobs Matched: %d' % len(self.times))
        print('INFO: Min. Match Time: %f' % min(t))
        print('INFO: Max. Match Time: %f' % max(t))
        print('INFO: Avg. Match Time: %f' % (sum(t) / len(t)))


def main(argv):
    opts = parse_argv(argv)
    if os.environ.get('FAKE_RQ_FAIL'):
        print(os.environ['FAKE_RQ_FAIL'], file=sys.stderr)
        return 1
    t = time.perf_counter()
    try:
        vertices, nodes = recipe_counts(opts['-L'])
    except (OSError, ET.ParseError, TypeError, AttributeError) as e:
        print(': Runtime error: cannot load %s: %s' % (opts['-L'], e), file=sys.stderr)
        return 1
    ballast = bytearray(64 * vertices)  # noqa: F841 (memory that scales with the graph)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    if opts['-e']:
        print('INFO: Graph Load Time: %f' % (time.perf_counter() - t))
        print('INFO: Vertex Count: %d' % vertices)
        print('INFO: Edge Count: %d' % (vertices - 1))
    out = open(opts['-t'], 'w') if opts['-t'] else sys.stdout
    fake = Fake(nodes, out, opts['-e'])
    for line in sys.stdin:
        tok = line.split()
        if not tok:
            continue
        if tok[0] in ('quit', 'q'):
            break
        if tok[0] in ('match', 'm') and len(tok) == 3:
            fake.match(tok[1], tok[2])
        elif tok[0] in ('cancel', 'c') and len(tok) >= 2:
            fake.cancel(int(tok[1]))
        elif tok[0] in ('find', 'f'):
            out.write('%s\nINFO: EXPRESSION="%s"\n%s\n' % (RULE, ' '.join(tok[1:]), RULE))
        elif tok[0] in ('stat', 's'):
            fake.stat()
        out.flush()
        sys.stdout.flush()
    out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
