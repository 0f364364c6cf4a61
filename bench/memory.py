#!/usr/bin/env python3
"""Where our server's memory goes: a short suite on one store, with the JVM's own accounts.

    python3 bench/memory.py                          bin/mailserver's default JVM options
    python3 bench/memory.py --java-opts='-Xmx768m -XX:+UseG1GC'
    python3 bench/memory.py --idle-count 0 --large-mb 0   accept only

Our server only (no reference), on its own ports (23525 SMTP, 23110 POP3) and work directory
(bench/work-memory/), so it can run beside bench/run.sh. The server runs with
-XX:NativeMemoryTracking=summary added (a few MB of its own). In the order a store lives:

1. fresh: 10 s after the start (and the domain and users made with bin/mailctl);
2. accept: smtp-source, 20 sessions x 5,000 messages of 10 KB to one user (as bench/run.sh's
   accept-20), peak PSS and thread count sampled every 20 ms; then POP3 RETR + DELE of all;
3. large: one 50 MB message in by SMTP and out by POP3;
4. idle connections: 10,000 SMTP connections opened and held, then closed;
5. after: the server rests --rest seconds (60), then the same figures as 1.

For each point: PSS and RSS (/proc), threads, heap used and committed (jcmd GC.heap_info),
and the committed memory of each NMT category (heap, class = metaspace, code, thread =
stacks, GC, internal, other = direct buffers, ...). Prints a Markdown table.
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import clients  # noqa: E402
import procmem  # noqa: E402
from ourserver import OurServer, default_java_opts  # noqa: E402

DOMAIN = 'bench.test'
PASSWORD = 'bench-password-1'
USERS = ['acc', 'big']
PORTS = (23525, 23110, 23600)
NMT_ROWS = ['Java Heap', 'Class', 'Thread', 'Code', 'GC', 'Compiler', 'Internal', 'Other', 'Symbol',
            'Shared class space', 'Arena Chunk', 'Metaspace']


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def threads(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return 0


def nmt(pid):
    """{category: committed MiB} from jcmd VM.native_memory summary, plus 'Total'."""
    out = subprocess.run(['jcmd', str(pid), 'VM.native_memory', 'summary'], capture_output=True,
                         text=True, timeout=60).stdout
    result = {}
    for m in re.finditer(r'^-?\s*([A-Za-z][A-Za-z ]*?) \(reserved=\d+KB, committed=(\d+)KB\)', out, re.M):
        result[m.group(1).strip()] = int(m.group(2)) / 1024
    total = re.search(r'^Total: reserved=\d+KB, committed=(\d+)KB', out, re.M)
    if total:
        result['Total'] = int(total.group(1)) / 1024
    return result


def smaps_by_file(pid, top=8):
    """PSS (MiB) by mapped file, anonymous memory as one entry: where NMT's accounts and PSS part."""
    totals, name = {}, None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            fields = line.split()
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                name = fields[5] if len(fields) > 5 else '[anonymous]'
            elif fields[0] == 'Pss:':
                totals[name] = totals.get(name, 0) + int(fields[1]) / 1024
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def thread_names(pid):
    """Live threads by name, digits folded (smtp-handler, pop3-worker-N, ...), most frequent first."""
    counts = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                name = re.sub(r'\d+', 'N', f.read().strip())
        except OSError:
            continue
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def heap(pid):
    """(used MiB, committed MiB) of the Java heap, without forcing a collection."""
    out = subprocess.run(['jcmd', str(pid), 'GC.heap_info'], capture_output=True, text=True,
                         timeout=60).stdout
    # G1: one "garbage-first heap" line; Serial: a "new" and a "tenured" generation
    parts = re.findall(r'(?:heap|generation)\s+total (\d+)K, used (\d+)K', out)
    return sum(int(u) for _, u in parts) / 1024, sum(int(t) for t, _ in parts) / 1024


def point(srv):
    pid = srv.java_pid
    rss, pss, _ = procmem.snapshot([pid])
    used, committed = heap(pid)
    return {'PSS': pss, 'RSS': rss, 'threads': threads(pid), 'heap used': used,
            'heap committed': committed, 'nmt': nmt(pid)}


class ThreadPeak:
    """The highest thread count of a process while the block runs, sampled every 20 ms."""

    def __init__(self, pid):
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        return False

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, threads(self.pid))
            self._stop.wait(0.02)


def smtp_source(srv, sessions, count, to, size):
    cmd = ['smtp-source', '-s', str(sessions), '-m', str(count), '-l', str(size), '-M', 'client.test',
           '-f', 'sender@client.test', '-t', to, f'127.0.0.1:{srv.smtp_port}']
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def wait_count(srv, user, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.mailbox_count(user) >= n:
            return
        time.sleep(0.2)
    raise RuntimeError(f'{user}: fewer than {n} messages after {timeout} s')


def retrieve_all(srv, user):
    """RETR and DELE every message, QUIT: the mailbox is empty afterwards."""
    p = clients.Pop3('127.0.0.1', srv.pop3_port, timeout=300)
    try:
        p.login(f'{user}@{DOMAIN}', PASSWORD)
        count, _ = p.stat()
        for n in range(1, count + 1):
            p.multi(f'RETR {n}', keep=False)
            p.cmd(f'DELE {n}')
        p.cmd('QUIT')
    finally:
        p.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--java-opts', help="JVM options (default: bin/mailserver's)")
    ap.add_argument('--sessions', type=int, default=20)
    ap.add_argument('--accept-count', type=int, default=5000)
    ap.add_argument('--large-mb', type=float, default=50)
    ap.add_argument('--idle-count', type=int, default=10000)
    ap.add_argument('--rest', type=float, default=60)
    ap.add_argument('--histogram', type=int, default=0, metavar='N',
                    help='at the end, the N classes with most live heap (after a full GC)')
    ap.add_argument('--work', default=os.path.join(HERE, 'work-memory'))
    args = ap.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)

    # bin/mailserver adds its jvm_always options to any JAVA_OPTS; default_java_opts() has them
    java_opts = ('-XX:+ExitOnOutOfMemoryError ' + args.java_opts if args.java_opts else default_java_opts()) \
        + ' -XX:NativeMemoryTracking=summary'
    shutil.rmtree(args.work, ignore_errors=True)
    srv = OurServer(args.work, PORTS, DOMAIN, USERS, PASSWORD, java_opts=java_opts)
    srv.setup()
    points = {}
    log(f'JVM options: {java_opts}; load average {os.getloadavg()[0]:.1f}')
    try:
        srv.start()
        time.sleep(10)
        points['fresh'] = point(srv)
        log(f'fresh: PSS {points["fresh"]["PSS"]:.0f} MiB')

        with procmem.PeakSampler([srv.java_pid], srv.java_pid) as s, ThreadPeak(srv.java_pid) as t:
            smtp_source(srv, args.sessions, args.accept_count, f'acc@{DOMAIN}', 10240)
            wait_count(srv, 'acc', args.accept_count, 120)
            points['accept'] = point(srv)
        points['accept'].update({'PSS': s.peak_pss, 'RSS': s.peak_rss, 'threads': t.peak, 'heap used': s.peak_heap})
        log(f'accept-{args.sessions}: peak PSS {s.peak_pss:.0f} MiB, {t.peak} threads; load {os.getloadavg()[0]:.1f}')
        retrieve_all(srv, 'acc')

        if args.large_mb > 0:
            with procmem.PeakSampler([srv.java_pid], srv.java_pid) as s:
                smtp_source(srv, 1, 1, f'big@{DOMAIN}', int(args.large_mb * 1e6))
                wait_count(srv, 'big', 1, 120)
                retrieve_all(srv, 'big')
            points['large'] = point(srv)
            points['large'].update({'PSS': s.peak_pss, 'RSS': s.peak_rss, 'heap used': s.peak_heap})
            log(f'large: peak PSS {s.peak_pss:.0f} MiB')

        if args.idle_count > 0:
            greeted, failed, socks, _ = clients.open_idle('127.0.0.1', srv.smtp_port, args.idle_count, 10,
                                                          [f'127.0.0.{i}' for i in range(2, 102)])
            time.sleep(2)
            points['idle conns'] = point(srv)
            clients.close_all(socks)
            log(f'idle connections: {greeted} greeted, {failed} failed; PSS {points["idle conns"]["PSS"]:.0f} MiB')

        log(f'resting {args.rest:g} s')
        time.sleep(args.rest)
        points['after'] = point(srv)
        log(f'after: PSS {points["after"]["PSS"]:.0f} MiB; load {os.getloadavg()[0]:.1f}')
        print('PSS by mapping after the rest: ' + ', '.join(f'{os.path.basename(n)} {v:.1f}'
                                                           for n, v in smaps_by_file(srv.java_pid)))
        print('threads after the rest: ' + ', '.join(f'{n} {c}' for n, c in thread_names(srv.java_pid)))
        if args.histogram:
            # a full collection first (GC.class_histogram does one): what is live, by class
            out = subprocess.run(['jcmd', str(srv.java_pid), 'GC.class_histogram'], capture_output=True,
                                 text=True, timeout=120).stdout.splitlines()
            print('\n'.join(out[:args.histogram + 4]))
            used, committed = heap(srv.java_pid)
            log(f'live heap after a full GC: {used:.0f} MiB used of {committed:.0f} MiB committed')
    finally:
        srv.stop()

    names = list(points)
    print()
    print('| MiB | ' + ' | '.join(names) + ' |')
    print('|---|' + '---|' * len(names))
    for key in ('PSS', 'RSS', 'threads', 'heap used', 'heap committed'):
        print(f'| {key} | ' + ' | '.join(f'{points[n][key]:,.0f}' for n in names) + ' |')
    for key in ['Total'] + NMT_ROWS:
        if any(key in points[n]['nmt'] for n in names):
            print(f'| NMT {key} | ' + ' | '.join(f'{points[n]["nmt"].get(key, 0):,.1f}' for n in names) + ' |')
    print('\n(accept and large: PSS, RSS, threads and heap used are peaks; the rest at the end of the phase)')


if __name__ == '__main__':
    main()
