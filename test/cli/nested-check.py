#!/usr/bin/env python3
"""nested-check.py STRATA ROOT_URI [--active]: walk a hierarchy of strata
instances and check that every job at every level got resources inside each
of its ancestors' allocations (--active: only jobs still active, for an
instance that was shrunk: a job that ended before was inside what it had).  A job's resources are compared two ways: the
containment paths of the cores in its R's JGF (an instance job's R has one;
other jobs' R is rv1_nosched: R_lite only), and the (rank, core id) pairs
of its R_lite.  Prints one line per level ("level N: J jobs checked") and
"violation: ..." lines; exits 1 on any violation."""
import json
import subprocess
import sys


def expand(ids):
    out = set()
    for part in filter(None, str(ids).split(',')):
        a, _, b = part.partition('-')
        out.update(range(int(a), int(b or a) + 1))
    return out


def res_sets(R):
    if isinstance(R, str):
        R = json.loads(R)
    paths = None
    if 'scheduling' in R:
        paths = {v['metadata']['paths']['containment']
                 for v in R['scheduling']['graph']['nodes']
                 if v['metadata'].get('type') == 'core'}
    lite = set()
    for e in R['execution']['R_lite']:
        for r in expand(e['rank']):
            for c in expand(e['children'].get('core', '')):
                lite.add((r, c))
    return paths, lite


def call(strata, uri, *args):
    return json.loads(subprocess.run([strata, '--uri', uri, *args], check=True,
                                     capture_output=True, text=True).stdout)


def walk(strata, uri, ancestors, level, counts, bad):
    jobs = call(strata, uri, 'call', 'jobs')['jobs']
    for j in jobs:
        if ACTIVE and j.get('state') == 'inactive':
            continue
        info = call(strata, uri, 'job', 'info', str(j['id']))
        if not info.get('R'):
            continue
        mine = res_sets(info['R'])
        counts[level] = counts.get(level, 0) + 1
        if info.get('instance') and mine[0] is None:
            bad.append(f'level {level} job {j["id"]} at {uri}: an instance job without JGF')
        if mine[0] == set() or not mine[1]:
            bad.append(f'level {level} job {j["id"]} at {uri}: no cores in R')
        for depth, (anc_uri, anc_id, anc) in enumerate(ancestors):
            for kind, a, b in (('JGF core paths', mine[0], anc[0]),
                               ('R_lite rank/core', mine[1], anc[1])):
                if a is not None and not a <= b:
                    bad.append(f'level {level} job {j["id"]} at {uri}: {kind} '
                               f'{sorted(a - b)[:3]} outside job {anc_id} at {anc_uri}')
        if info.get('uri') and info.get('state') == 'run':
            walk(strata, info['uri'], ancestors + [(uri, j['id'], mine)], level + 1,
                 counts, bad)


ACTIVE = '--active' in sys.argv[3:]


def main():
    strata, root = sys.argv[1], sys.argv[2]
    counts, bad = {}, []
    walk(strata, root, [], 1, counts, bad)
    for level in sorted(counts):
        print(f'level {level}: {counts[level]} jobs checked')
    for b in bad:
        print('violation:', b)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':  # nested-resize.sh takes expand() from here
    main()
