"""Memory of a server as the kernel sees it: RSS and PSS summed over a process tree.

A Java server is one process; Postfix + Dovecot are two masters with many children. Both are
measured the same way: every process under the given root pids, read from /proc.
"""
import os
import subprocess
import threading
import time


def _children_map():
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        # the command name is in parentheses and may contain spaces: split after the last ')'
        fields = stat[stat.rfind(b')') + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree(roots):
    """All live pids under (and including) the given root pids."""
    children = _children_map()
    seen, todo = [], [p for p in roots if p and os.path.exists(f'/proc/{p}')]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(children.get(pid, []))
    return seen


def _kib(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pids):
    return sum(_kib(f'/proc/{p}/status', 'VmRSS:') for p in pids)


def pss_kib(pids):
    return sum(_kib(f'/proc/{p}/smaps_rollup', 'Pss:') for p in pids)


def snapshot(roots):
    """(rss MiB, pss MiB, process count) of the whole tree now."""
    pids = tree(roots)
    return rss_kib(pids) / 1024, pss_kib(pids) / 1024, len(pids)


class PeakSampler:
    """Samples tree RSS and PSS (and, for a JVM, used heap via jstat) in the background; keeps the peak."""

    def __init__(self, roots, java_pid=None, interval=0.02):
        self.roots, self.java_pid, self.interval = roots, java_pid, interval
        self.peak_rss = 0.0
        self.peak_pss = 0.0
        self.peak_heap = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._jstat = None

    def __enter__(self):
        if self.java_pid:
            self._jstat = subprocess.Popen(
                ['jstat', '-gc', str(self.java_pid), str(max(10, int(self.interval * 1000)))],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            threading.Thread(target=self._read_jstat, daemon=True).start()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        if self._jstat:
            self._jstat.terminate()
            try:
                self._jstat.wait(5)
            except subprocess.TimeoutExpired:
                self._jstat.kill()
        return False

    def _run(self):
        pids, refreshed = tree(self.roots), time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - refreshed > 0.2:  # Postfix/Dovecot fork per connection
                pids, refreshed = tree(self.roots), time.monotonic()
            self.peak_rss = max(self.peak_rss, rss_kib(pids) / 1024)
            self.peak_pss = max(self.peak_pss, pss_kib(pids) / 1024)
            self._stop.wait(self.interval)

    def _read_jstat(self):
        header = None
        for line in self._jstat.stdout:
            cols = line.split()
            if not cols:
                continue
            if cols[0] == 'S0C':
                header = cols
                continue
            if header and len(cols) == len(header):
                row = dict(zip(header, cols))
                try:
                    used = sum(float(row[k]) for k in ('S0U', 'S1U', 'EU', 'OU'))
                except (KeyError, ValueError):
                    continue
                self.peak_heap = max(self.peak_heap, used / 1024)


def java_heap_used_mib(java_pid):
    """Used heap right now (young + old, live and not yet collected), MiB."""
    out = subprocess.run(['jstat', '-gc', str(java_pid)], capture_output=True, text=True,
                         timeout=30).stdout.split('\n')
    header, row = out[0].split(), out[1].split()
    values = dict(zip(header, row))
    return sum(float(values[k]) for k in ('S0U', 'S1U', 'EU', 'OU')) / 1024


def java_heap_after_gc_mib(java_pid):
    """Live heap: force a full GC with jcmd, then read the used heap."""
    subprocess.run(['jcmd', str(java_pid), 'GC.run'], capture_output=True, timeout=60)
    return java_heap_used_mib(java_pid)


_TICK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(roots):
    """CPU time (user + system) of the whole tree so far, including children it has reaped
    (Postfix's and Dovecot's masters reap their exited workers, so those count too)."""
    total = 0
    for pid in tree(roots):
        try:
            with open(f'/proc/{pid}/stat', 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b')') + 2:].split()
        # fields from state (index 0): utime 11, stime 12, cutime 13, cstime 14
        total += sum(int(x) for x in fields[11:15])
    return total / _TICK
