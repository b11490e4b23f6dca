"""benchlib: parsing, statistics and process control for the strata benchmark driver.

test/bench/run drives `resource-query` through workloads and reports figures.  Everything
that turns raw output into numbers lives here, so that it can be tested on hand-made
output (test/bench/test_benchlib.py) without a working resource-query:

- parse_rq_stdout():   the `-e` lines on stdout (load time, vertex count, ELAPSE per
                       successful match, visit counts, `stat`);
- parse_match_outcomes(): the `-t OUT` file: one outcome per match command, in order;
- assign_elapses():    pairs ELAPSE lines with the match commands that succeeded;
- parse_time_v():      GNU `/usr/bin/time -v` reports (peak RSS, wall, user, sys);
- parse_instructions(): the "I refs" total of a cachegrind run;
- median(), percentile(): nearest-rank statistics;
- Session:             runs the tool with stdin fed in phases and samples the process's
                       RSS whenever it has consumed a phase and waits on stdin.
"""
import array
import fcntl
import math
import os
import platform
import re
import signal
import subprocess
import termios
import threading
import time

# ---------------------------------------------------------------------------------------
# Statistics


def median(values):
    """Median of a non-empty sequence (mean of the middle two for even lengths)."""
    if not values:
        raise ValueError('median of no values')
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of values <= it.

    p99 of 100 values is the 99th smallest; of 10 values, the largest.  No
    interpolation, so the figure is always a measured value.
    """
    if not values:
        raise ValueError('percentile of no values')
    if not 0 < p <= 100:
        raise ValueError('percentile p must be in (0, 100], got %r' % (p,))
    s = sorted(values)
    rank = max(1, int(math.ceil(p / 100.0 * len(s))))
    return s[rank - 1]


# ---------------------------------------------------------------------------------------
# resource-query output

_RE_LOAD = re.compile(r'^INFO: Graph Load Time:\s*([0-9.eE+-]+)')
_RE_VCOUNT = re.compile(r'^INFO: Vertex Count:\s*(\d+)')
_RE_ECOUNT = re.compile(r'^INFO: Edge Count:\s*(\d+)')
_RE_ELAPSE = re.compile(r'^INFO: ELAPSE=\s*([0-9.eE+-]+)')
_RE_PRE = re.compile(r'^INFO: PREORDER VISIT COUNT=\s*(\d+)')
_RE_POST = re.compile(r'^INFO: POSTORDER VISIT COUNT=\s*(\d+)')
_RE_BPV = re.compile(r'^INFO: .*bytes per vertex.*?:\s*([0-9.]+)', re.IGNORECASE)
_STAT = {
    'INFO: Num. of Jobs Matched:': 'jobs_matched',
    'INFO: Min. Match Time:': 'min',
    'INFO: Max. Match Time:': 'max',
    'INFO: Avg. Match Time:': 'avg',
}


def parse_rq_stdout(text):
    """Parse resource-query's stdout under -e (match output itself goes to -t OUT).

    Returns a dict: load_s (float or None), vertices, edges (int or None), elapses
    (list of seconds, one per successful match, in order), preorder, postorder
    (lists of visit counts), stat (dict of the `stat` figures found), bytes_per_vertex
    (float or None: only if the tool prints such a line itself).  Unknown lines are
    ignored, so a tool that prints more than Fluxion's lines still parses.
    """
    res = {'load_s': None, 'vertices': None, 'edges': None, 'elapses': [],
           'preorder': [], 'postorder': [], 'stat': {}, 'bytes_per_vertex': None}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith('INFO:'):
            continue
        m = _RE_ELAPSE.match(line)
        if m:
            res['elapses'].append(float(m.group(1)))
            continue
        m = _RE_PRE.match(line)
        if m:
            res['preorder'].append(int(m.group(1)))
            continue
        m = _RE_POST.match(line)
        if m:
            res['postorder'].append(int(m.group(1)))
            continue
        for regex, key, conv in ((_RE_LOAD, 'load_s', float), (_RE_VCOUNT, 'vertices', int),
                                 (_RE_ECOUNT, 'edges', int), (_RE_BPV, 'bytes_per_vertex', float)):
            m = regex.match(line)
            if m:
                res[key] = conv(m.group(1))
                break
        else:
            for prefix, key in _STAT.items():
                if line.startswith(prefix):
                    try:
                        res['stat'][key] = float(line[len(prefix):].strip())
                    except ValueError:
                        pass
    return res


def parse_match_outcomes(text):
    """Outcomes of the match commands in a `-t OUT` file, in order.

    Each allocate-type match ends in one INFO block: `INFO: RESOURCES=ALLOCATED`
    (or RESERVED, MATCHED) when it succeeded, `INFO: No matching resources found`
    when it did not.  Returns a list of 'ALLOCATED' | 'RESERVED' | 'MATCHED' | 'FAILED'.
    Writer output and `find` blocks contribute nothing.
    """
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('INFO: RESOURCES='):
            out.append(line[len('INFO: RESOURCES='):].strip() or 'UNKNOWN')
        elif line == 'INFO: No matching resources found':
            out.append('FAILED')
    return out


def assign_elapses(ops, outcomes, elapses):
    """Pair ELAPSE values with the match commands that produced them.

    ops: the op of each match command sent, in order (e.g. 'allocate').
    outcomes: parse_match_outcomes() of the OUT file (may be shorter if the tool died).
    elapses: the ELAPSE values in order; only successful matches print one.

    Returns (per_op, notes): per_op maps op -> {'elapses': [...], 'sent': n,
    'ok': n, 'failed': n}; notes lists inconsistencies found (empty when the counts
    agree).  If the OUT file has no outcomes at all (a tool that writes none), every
    command is taken as successful, in order, and a note says so.
    """
    notes = []
    per_op = {}
    for op in ops:
        per_op.setdefault(op, {'elapses': [], 'sent': 0, 'ok': 0, 'failed': 0})
        per_op[op]['sent'] += 1
    if not outcomes and elapses:
        notes.append('no match outcomes in the output file; ELAPSE lines assigned in order')
        outcomes = ['UNKNOWN'] * min(len(ops), len(elapses))
    if len(outcomes) > len(ops):
        notes.append('%d match outcomes for %d match commands' % (len(outcomes), len(ops)))
    ok = sum(1 for o in outcomes[:len(ops)] if o != 'FAILED')
    # Fluxion prints ELAPSE for successful matches only; a tool that times failures
    # too prints one per command, and then the pairing is one to one.
    every = len(elapses) == min(len(outcomes), len(ops)) and ok != len(elapses)
    if every:
        notes.append('ELAPSE printed for failed matches too; those are left out')
    elif len(elapses) != ok:
        notes.append('%d ELAPSE lines for %d successful matches' % (len(elapses), ok))
    it = iter(elapses)
    for op, outcome in zip(ops, outcomes):
        rec = per_op[op]
        value = next(it, None) if every or outcome != 'FAILED' else None
        if outcome == 'FAILED':
            rec['failed'] += 1
            continue
        rec['ok'] += 1
        if value is not None:
            rec['elapses'].append(value)
    if len(outcomes) < len(ops):
        notes.append('only %d of %d match commands completed' % (len(outcomes), len(ops)))
    return per_op, notes


# ---------------------------------------------------------------------------------------
# /usr/bin/time -v and valgrind


def parse_clock(text):
    """Seconds from GNU time's "h:mm:ss" or "m:ss.ss" wall clock field."""
    parts = text.strip().split(':')
    if not 2 <= len(parts) <= 3:
        raise ValueError('bad wall clock %r' % text)
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    return secs


def parse_time_v(text):
    """Parse a GNU `time -v` report.

    Returns a dict with any of: max_rss_kib (int), wall_s, user_s, sys_s (float),
    exit_status (int), signal (int, when the command was killed).
    """
    res = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('Command terminated by signal'):
            res['signal'] = int(line.split()[-1])
            continue
        key, sep, val = line.rpartition(': ')
        if not sep:
            continue
        try:
            if key == 'Maximum resident set size (kbytes)':
                res['max_rss_kib'] = int(val)
            elif key.startswith('Elapsed (wall clock) time'):
                res['wall_s'] = parse_clock(val)
            elif key == 'User time (seconds)':
                res['user_s'] = float(val)
            elif key == 'System time (seconds)':
                res['sys_s'] = float(val)
            elif key == 'Exit status':
                res['exit_status'] = int(val)
        except ValueError:
            continue
    return res


_RE_IREFS = re.compile(r'==\d+==\s+I\s+refs:\s+([0-9,]+)')


def parse_instructions(text):
    """Total instructions ("I refs") from a cachegrind run's stderr, or None."""
    m = None
    for m in _RE_IREFS.finditer(text):
        pass
    return int(m.group(1).replace(',', '')) if m else None


# ---------------------------------------------------------------------------------------
# Process state from /proc

# read(2) is syscall 0 on x86_64 and 63 on aarch64; /proc/PID/syscall shows the number
# and arguments of the call a blocked process sleeps in.
_READ_NR = {'x86_64': 0, 'aarch64': 63}.get(platform.machine())


def proc_rss_kib(pid):
    """(VmRSS, VmHWM) of pid in KiB, or (None, None) if it is gone."""
    rss = hwm = None
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    rss = int(line.split()[1])
                elif line.startswith('VmHWM:'):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        return None, None
    return rss, hwm


def parse_syscall_line(text):
    """(number, first argument) from a /proc/PID/syscall line, or None if running."""
    fields = text.split()
    if not fields or fields[0] == 'running':
        return None
    try:
        return int(fields[0]), int(fields[1], 16) if len(fields) > 1 else None
    except ValueError:
        return None


def waiting_on_stdin(pid):
    """True if pid sleeps reading its fd 0; None if that cannot be told.

    A process blocked in read(0) with its stdin pipe empty has consumed and handled
    every command written so far; that is the moment to sample its memory.
    """
    if _READ_NR is not None:
        try:
            with open('/proc/%d/syscall' % pid) as f:
                call = parse_syscall_line(f.read())
            return call is not None and call[0] == _READ_NR and call[1] == 0
        except OSError:
            pass
    try:
        with open('/proc/%d/wchan' % pid) as f:
            wchan = f.read()
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        if wchan and wchan != '0':
            return state == 'S' and 'pipe_read' in wchan
    except (OSError, IndexError):
        pass
    return None


def pipe_pending(fd):
    """Bytes waiting in the pipe behind fd (either end), or None if not a pipe."""
    buf = array.array('i', [0])
    try:
        fcntl.ioctl(fd, termios.FIONREAD, buf, True)
    except OSError:
        return None
    return buf[0]


def child_pid(pid, timeout=5.0):
    """The first child of pid (the tool under /usr/bin/time), waiting for the fork."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        except OSError:
            return None
        time.sleep(0.001)
    return None


# ---------------------------------------------------------------------------------------
# A resource-query session fed in phases


class Phase:
    """A batch of stdin lines; after it the driver waits for the tool to go idle."""

    def __init__(self, label, lines, ops=None):
        self.label = label
        self.lines = list(lines)
        # The op of each match command in lines, in order; used to attribute ELAPSEs.
        self.ops = ops if ops is not None else match_ops(self.lines)


def match_ops(lines):
    """The subcommand of every `match` line that takes a job id, in order."""
    ops = []
    for line in lines:
        tok = line.split()
        if len(tok) == 3 and tok[0] in ('match', 'm') and tok[1].startswith('allocate'):
            ops.append(tok[1])
    return ops


class SessionResult:
    """What one run of the tool produced; see Session.run()."""

    def __init__(self):
        self.returncode = None
        self.timed_out = False
        self.error = None        # why the run failed, for the report
        self.stdout = ''
        self.stderr = ''
        self.time_v = {}
        self.samples = []        # (label, seconds since start, VmRSS KiB, VmHWM KiB)
        self.phase_wall = {}     # label -> seconds from first write to idle
        self.wall_s = None       # spawn to exit, measured by the driver
        self.ops = []


class Session:
    """Run argv (resource-query) under /usr/bin/time -v, feeding stdin phase by phase.

    After each phase (the first one is usually empty: just the load), the session waits
    until the tool blocks reading an empty stdin, records VmRSS and the phase's wall time,
    then sends the next phase.  After the last phase it sends `quit`, closes stdin and
    waits.  stdout and stderr are drained by threads so the tool never blocks on them.
    """

    def __init__(self, argv, phases, timeout, time_path='/usr/bin/time', cwd=None):
        self.argv = list(argv)
        self.phases = phases
        self.timeout = timeout
        self.time_path = time_path if time_path and os.access(time_path, os.X_OK) else None
        self.cwd = cwd

    def run(self, time_file):
        res = SessionResult()
        res.ops = [op for ph in self.phases for op in ph.ops]
        argv = self.argv
        if self.time_path:
            argv = [self.time_path, '-v', '-o', time_file] + argv
        t0 = time.monotonic()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=self.cwd,
                                    start_new_session=True)
        except OSError as e:
            res.error = 'cannot run %s: %s' % (self.argv[0], e.strerror)
            return res
        out_chunks, err_chunks = [], []
        readers = [threading.Thread(target=_drain, args=(proc.stdout, out_chunks), daemon=True),
                   threading.Thread(target=_drain, args=(proc.stderr, err_chunks), daemon=True)]
        for t in readers:
            t.start()
        killer = threading.Timer(self.timeout, _kill_group, args=(proc, res))
        killer.start()
        try:
            tool = child_pid(proc.pid) if self.time_path else proc.pid
            self._feed(proc, tool, res, t0)
            proc.wait()
            res.wall_s = time.monotonic() - t0
        finally:
            killer.cancel()
            for t in readers:
                t.join(timeout=10)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
        res.returncode = proc.returncode
        res.stdout = b''.join(out_chunks).decode(errors='replace')
        res.stderr = b''.join(err_chunks).decode(errors='replace')
        if self.time_path and os.path.exists(time_file):
            with open(time_file, errors='replace') as f:
                res.time_v = parse_time_v(f.read())
        if self.time_path and 'exit_status' in res.time_v:
            res.returncode = res.time_v['exit_status']
        if res.timed_out:
            res.error = 'timed out after %g s' % self.timeout
        elif res.returncode != 0 and res.error is None:
            last = res.stderr.strip().splitlines()[-1:] or ['no message']
            res.error = 'exit status %s: %s' % (res.returncode, last[0][:200])
        return res

    def _feed(self, proc, tool, res, t0):
        for ph in self.phases:
            start = time.monotonic()
            if not _write(proc, ph.lines):
                return
            if not self._wait_idle(proc, tool):
                return
            now = time.monotonic()
            res.phase_wall[ph.label] = now - start
            rss, hwm = proc_rss_kib(tool) if tool else (None, None)
            res.samples.append((ph.label, now - t0, rss, hwm))
        _write(proc, ['quit'])
        try:
            proc.stdin.close()
        except OSError:
            pass

    def _wait_idle(self, proc, tool):
        # Idle: blocked in read(0) with the pipe empty.  A reader just woken by our
        # write still shows as blocked in read(0) until it runs, hence the pipe check.
        # If /proc cannot tell, fall back to 20 consecutive polls with an empty pipe.
        # Poll quickly at first (short phases), then back off to keep the driver off
        # the tool's CPU.
        delay = 0.0002
        quiet = 0
        fd = proc.stdin.fileno()
        while proc.poll() is None:
            idle = waiting_on_stdin(tool) if tool else None
            pending = pipe_pending(fd)
            if not pending:
                if idle:
                    return True
                if idle is None:
                    quiet += 1
                    if quiet >= 20:
                        return True
            time.sleep(delay)
            delay = min(delay * 2, 0.005)
        return False


def _drain(stream, chunks):
    while True:
        data = stream.read1(65536) if hasattr(stream, 'read1') else stream.read(65536)
        if not data:
            break
        chunks.append(data)


def _write(proc, lines):
    if not lines:
        return proc.poll() is None
    try:
        proc.stdin.write(('\n'.join(lines) + '\n').encode())
        proc.stdin.flush()
        return True
    except (BrokenPipeError, OSError, ValueError):
        return False


def _kill_group(proc, res):
    res.timed_out = True
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


_RE_CG_FN = re.compile(r'^\s*(-?[\d,]+)\s+\(\s*(-?[\d.]+)%\)\s+(\S.*)$')


def parse_cg_annotate(text):
    """Per-function rows of a cg_annotate report: [(Ir, percent, 'file:function')].

    Only the function table (after the "file:function" header) is read; the program
    total and the per-line annotations are not.  Ir may be negative in a cg_diff.
    """
    rows = []
    in_table = False
    for line in text.splitlines():
        if line.rstrip().endswith('file:function'):
            in_table = True
            continue
        if not in_table:
            continue
        if line.startswith('-----') and rows:
            break
        m = _RE_CG_FN.match(line)
        if m:
            rows.append((int(m.group(1).replace(',', '')), float(m.group(2)), m.group(3)))
    return rows


def short_function(name, top):
    """'path/file.c:fn' with the path made relative to top (or normalized) for reports."""
    path, sep, fn = name.rpartition(':')
    if not sep or path.startswith('???'):
        return name
    path = os.path.normpath(path)
    if os.path.isabs(path) and path.startswith(top.rstrip('/') + '/'):
        path = os.path.relpath(path, top)
    return '%s:%s' % (path, fn)


def cachegrind_profile(before, after, timeout=120):
    """Functions by instructions executed in `after` minus `before` (cachegrind outputs).

    Returns (rows of parse_cg_annotate(), None) or (None, why).  Subtracting a run that
    only loads the graph leaves what the commands themselves cost.
    """
    try:
        diff = subprocess.run(['cg_diff', before, after], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
        if diff.returncode != 0:
            return None, 'cg_diff failed: %s' % diff.stderr.decode(errors='replace')[:200]
        dfile = after + '.diff'
        with open(dfile, 'wb') as f:
            f.write(diff.stdout)
        ann = subprocess.run(['cg_annotate', dfile], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, 'cannot annotate: %s' % e
    if ann.returncode != 0:
        return None, 'cg_annotate failed: %s' % ann.stderr.decode(errors='replace')[:200]
    return parse_cg_annotate(ann.stdout.decode(errors='replace')), None


def run_cachegrind(argv, stdin_text, timeout, valgrind='valgrind', cwd=None,
                   out_file='/dev/null'):
    """Instructions executed by argv fed stdin_text, counted by cachegrind.

    Returns (instructions or None, error message or None).  Cache simulation is off,
    so this is only the instruction count: stable across runs, unlike time.  The
    per-function counts go to out_file (for cachegrind_profile()).
    """
    vg = [valgrind, '--tool=cachegrind', '--cache-sim=no',
          '--cachegrind-out-file=' + out_file] + list(argv)
    try:
        p = subprocess.run(vg, input=stdin_text.encode(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return None, 'valgrind timed out after %g s' % timeout
    except OSError as e:
        return None, 'cannot run valgrind: %s' % e.strerror
    err = p.stderr.decode(errors='replace')
    n = parse_instructions(err)
    if p.returncode != 0 or n is None:
        last = err.strip().splitlines()[-1:] or ['no output']
        return None, 'valgrind run failed (exit %d): %s' % (p.returncode, last[0][:200])
    return n, None
