#!/usr/bin/env python3
"""Benchmarks: the project's mail server against Postfix + Dovecot, in the same go.

Run through bench/run.sh (it installs Postfix and Dovecot if missing and raises limits).
Every benchmark runs on both servers, interleaved repetition by repetition (so a busy moment on
the machine hits both alike), and the table shows min / median / max and the ratio of medians.
All traffic stays on 127.0.0.0/8; every wait is bounded.
"""
import argparse
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
import procmem  # noqa: E402
from ourserver import OurServer  # noqa: E402
from refserver import ReferenceServer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = 'bench.test'
PASSWORD = 'bench-secret-1'
POP_USERS_10 = ['pop'] + [f'{i}pop' for i in range(2, 11)]  # smtp-source -r 11 names them so
POP_USER_1 = '11pop'
USERS = ['acc', 'big'] + POP_USERS_10 + [POP_USER_1]
MSG_SIZE = 10240
IDLE_SOURCES = [f'127.0.0.{i}' for i in range(2, 102)]  # 100 loopback source addresses

# port triples (smtp, pop3, sink), offset from the standard ports
PORTS = {'ref': (12525, 12110, 12600), 'ours': (22525, 22110, 22600)}


class BenchError(Exception):
    pass


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


# ---------------------------------------------------------------- helpers

def smtp_source(srv, sessions, count, to, sender, size=MSG_SIZE, recipients=1, timeout=None,
                keep_connection=False):
    """Sends `count` messages of `size` octets to `srv` with Postfix's smtp-source; returns the
    monotonic times of its start and exit. Adds to the traffic the server has carried."""
    port = srv.smtp_port
    cmd = ['smtp-source', '-s', str(sessions), '-m', str(count), '-l', str(size),
           '-M', 'client.test', '-f', sender, '-t', to]
    if recipients > 1:
        cmd += ['-r', str(recipients)]
    if keep_connection:
        cmd.append('-d')
    cmd.append(f'127.0.0.1:{port}')
    timeout = timeout or (120 + count * recipients / 5)
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd='/tmp')
    except subprocess.TimeoutExpired:
        raise BenchError(f'smtp-source did not finish within {timeout:.0f}s: {" ".join(cmd)}')
    t1 = time.monotonic()
    if r.returncode != 0:
        raise BenchError(f'smtp-source exit {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}'
                         f' (command: {" ".join(cmd)})')
    srv.traffic['messages'] += count
    srv.traffic['deliveries'] += count * recipients
    srv.traffic['octets'] += count * size
    return t0, t1


def empty_maildrop(srv, user):
    if srv.mailbox_count(user):
        clients.drain('127.0.0.1', srv.pop3_port, f'{user}@{DOMAIN}', PASSWORD)
        n = srv.mailbox_count(user)
        if n:
            raise BenchError(f'{user}: {n} messages left after deleting all')


def wait_count(srv, user, want, deadline, interval=0.02):
    """Polls the mailbox until it holds `want` messages. Returns (time of the observation, server
    CPU seconds sampled just before the poll that saw them all). The reference's Maildir is
    counted on disk (what Dovecot would list); ours is asked by POP3 STAT, whose login (a PBKDF2
    hash) is thus outside the CPU figure but inside the time, by at most one login."""
    count = -1
    while time.monotonic() < deadline:
        cpu = procmem.cpu_seconds(srv.root_pids())
        count = srv.mailbox_count(user)
        if count >= want:
            break
        time.sleep(interval)
    if count != want:
        raise BenchError(f'{user}@{DOMAIN}: the mailbox holds {count} messages, expected {want}')
    return time.monotonic(), cpu


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f'nothing listens on 127.0.0.1:{port}')


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# ---------------------------------------------------------------- benchmarks
# Each returns {metric key: value} for one repetition on one server.

def bench_accept(srv, cfg, sessions):
    n = cfg.accept_count
    empty_maildrop(srv, 'acc')
    c0 = procmem.cpu_seconds(srv.root_pids())
    # memory while the sessions come in: PSS of the whole tree, sampled twice a second
    # (PSS charges shared pages pro rata, so Postfix's and Dovecot's many processes are not
    # counted once per process as RSS would)
    with procmem.PeakSampler(srv.root_pids(), interval=0.5) as mem:
        t0, t1 = smtp_source(srv, sessions, n, f'acc@{DOMAIN}', 'sender@client.test',
                             keep_connection=cfg.keep_connection)
        t2, c2 = wait_count(srv, 'acc', n, t1 + 60 + n / 10)
    empty_maildrop(srv, 'acc')
    return {f'accept.{sessions}.accepted': n / (t1 - t0),
            f'accept.{sessions}.delivered': n / (t2 - t0),
            f'accept.{sessions}.cpu': (c2 - c0) * 1000 / n,
            f'accept.{sessions}.pss': mem.peak_pss}


class Sink:
    """A Postfix smtp-sink that exits once it has received `count` messages."""

    def __init__(self, work, port, count):
        self.out = open(os.path.join(work, f'sink-{port}.out'), 'ab')
        self.proc = subprocess.Popen(['smtp-sink', '-u', 'nobody', '-M', str(count),
                                      f'127.0.0.1:{port}', '1024'],
                                     stdout=self.out, stderr=subprocess.STDOUT, cwd='/tmp',
                                     start_new_session=True)
        STARTED.append(self.proc)

    def wait(self, deadline):
        try:
            self.proc.wait(max(0.1, deadline - time.monotonic()))
            return time.monotonic()
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.out.close()


def bench_relay(srv, cfg, sessions):
    n = cfg.relay_count
    sink = Sink(cfg.work, srv.sink_port, n)
    try:
        wait_port(srv.sink_port)
        c0 = procmem.cpu_seconds(srv.root_pids())
        t0, t1 = smtp_source(srv, sessions, n, 'rcpt@remote.test', f'sender@{DOMAIN}',
                             keep_connection=cfg.keep_connection)
        t2 = sink.wait(t1 + 120 + n / 10)
        c2 = procmem.cpu_seconds(srv.root_pids())
        if t2 is None:
            raise BenchError(f'the sink did not receive all {n} messages within '
                             f'{120 + n / 10:.0f}s after the last 250')
    finally:
        sink.stop()
    return {f'relay.{sessions}.accepted': n / (t1 - t0),
            f'relay.{sessions}.relayed': n / (t2 - t0),
            f'relay.{sessions}.cpu': (c2 - c0) * 1000 / n}


def bench_pop3(srv, cfg):
    """1 client on one maildrop, then 10 clients on ten, each of `pop3_count` messages: log in
    (timed apart), LIST, RETR all, DELE all, QUIT, timed from the common start after the logins
    to the last +OK of QUIT. Runs on the store as the earlier benchmarks left it."""
    n = cfg.pop3_count
    for u in POP_USERS_10 + [POP_USER_1]:
        empty_maildrop(srv, u)
    # fill 11 maildrops at once: smtp-source -r 11 sends each message to pop, 2pop .. 11pop
    _, t1 = smtp_source(srv, 20, n, f'pop@{DOMAIN}', 'sender@client.test', recipients=11)
    for u in POP_USERS_10 + [POP_USER_1]:
        wait_count(srv, u, n, t1 + 120 + n * 11 / 20)
    result = {}
    for k, users in ((1, [POP_USER_1]), (10, POP_USERS_10)):
        go = {}
        client0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = clients.retrieve('127.0.0.1', srv.pop3_port, [f'{u}@{DOMAIN}' for u in users],
                             PASSWORD, impl=cfg.pop3_client,
                             on_go=lambda: go.setdefault('cpu', procmem.cpu_seconds(srv.root_pids())))
        cpu_end = procmem.cpu_seconds(srv.root_pids())
        client1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.messages != n * len(users):
            raise BenchError(f'{k} client(s) retrieved {r.messages} of {n * len(users)}')
        client_cpu = (client1.ru_utime + client1.ru_stime - client0.ru_utime - client0.ru_stime)
        log(f'  {k} client(s): login {r.login:.2f} s, then {r.seconds:.2f} s (slowest client: '
            f'LIST+RETR {r.list_retr:.2f} s, DELE+QUIT {r.dele_quit:.2f} s); '
            f'client CPU {client_cpu * 1000 / r.messages:.3f} ms/msg')
        result.update({f'pop3.{k}.msgs': r.messages / r.seconds,
                       f'pop3.{k}.mbs': r.octets / r.seconds / 1e6,
                       f'pop3.{k}.list_retr': r.list_retr,
                       f'pop3.{k}.dele_quit': r.dele_quit,
                       f'pop3.{k}.login': r.login,
                       f'pop3.{k}.cpu': (cpu_end - go['cpu']) * 1000 / r.messages,
                       f'pop3.{k}.client_cpu': client_cpu * 1000 / r.messages})
    for u in POP_USERS_10 + [POP_USER_1]:
        left = srv.mailbox_count(u)
        if left:
            raise BenchError(f'{u}: {left} messages left after DELE all + QUIT')
    return result


def bench_idle(srv, cfg):
    n = cfg.idle_count
    roots = srv.root_pids()
    rss_before, pss_before, _ = procmem.snapshot(roots)
    c0 = procmem.cpu_seconds(roots)
    greeted, failed, socks, last = clients.open_idle('127.0.0.1', srv.smtp_port, n,
                                                     cfg.idle_window, IDLE_SOURCES)
    try:
        rss, pss, nproc = procmem.snapshot(roots)
    finally:
        clients.close_all(socks)
    log(f'  {len(socks)} of {n} connections opened in the window, {greeted} greeted '
        f'(last greeting after {last:.1f} s), {failed} refused or failed, '
        f'{len(socks) - greeted - failed} never answered')
    settle(srv)
    c1 = procmem.cpu_seconds(srv.root_pids())
    return {'idle.greeted': greeted, 'idle.rss_before': rss_before, 'idle.rss': rss,
            'idle.pss_before': pss_before, 'idle.pss': pss,
            'idle.cpu': (c1 - c0) * 1000 / n}


def settle(srv, limit=120):
    """After the idle benchmark a server may still be working through connections the client
    has closed (Postfix: a backlog of them behind its 100 smtpd processes). Wait until a new
    connection is greeted within a second again, so the next benchmark starts on a quiet server."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(1)
        try:
            with socket.create_connection(('127.0.0.1', srv.smtp_port), timeout=1) as s:
                s.settimeout(1)
                if s.recv(512).startswith(b'220'):
                    return
        except OSError:
            pass
    log(f'  {srv.label} still slow to greet {limit}s after the idle benchmark')


def bench_large(srv, cfg):
    size = cfg.large_size
    roots = srv.root_pids()
    empty_maildrop(srv, 'big')
    time.sleep(1)
    heap_idle = procmem.java_heap_after_gc_mib(srv.java_pid) if srv.java_pid else None
    rss_idle, pss_idle, _ = procmem.snapshot(roots)
    c0 = procmem.cpu_seconds(roots)
    with procmem.PeakSampler(roots, srv.java_pid) as s_in:
        t0, t1 = smtp_source(srv, 1, 1, f'big@{DOMAIN}', 'sender@client.test',
                             size=size, timeout=300)
    _, c1 = wait_count(srv, 'big', 1, t1 + 120)
    with procmem.PeakSampler(srv.root_pids(), srv.java_pid) as s_out:
        p = clients.Pop3('127.0.0.1', srv.pop3_port, timeout=300)
        try:
            p.login(f'big@{DOMAIN}', PASSWORD)
            # out: from after the login (a password hash, not work on the message) to +OK of QUIT
            t2, c2 = time.monotonic(), procmem.cpu_seconds(srv.root_pids())
            octets = p.multi('RETR 1', keep=False)
            p.cmd('DELE 1')
            p.cmd('QUIT')
            t3, c3 = time.monotonic(), procmem.cpu_seconds(srv.root_pids())
        finally:
            p.close()
    if octets < size:
        raise BenchError(f'RETR returned {octets} octets for a {size}-octet body')
    result = {'large.in': t1 - t0, 'large.out': t3 - t2,
              'large.cpu_in': c1 - c0, 'large.cpu_out': c3 - c2,
              'large.rss_idle': rss_idle, 'large.rss_peak': max(s_in.peak_rss, s_out.peak_rss),
              'large.pss_idle': pss_idle, 'large.pss_peak': max(s_in.peak_pss, s_out.peak_pss)}
    if srv.java_pid:
        result.update({'large.heap_idle': heap_idle,
                       'large.heap_peak': max(s_in.peak_heap, s_out.peak_heap)})
    return result


def after_suite(servers, cfg):
    """Once, after every benchmark: both servers rest `cfg.rest` seconds, then their idle memory,
    their store on disk and the content still live in it (mailboxes and queue), beside the traffic
    they carried. Returns ({server key: {metric: value}}, notes for under the table)."""
    log(f'after the suite: both servers idle for {cfg.rest:g} s, then memory, disk and content')
    time.sleep(cfg.rest)
    out, notes = {}, []
    for srv in servers:
        rss, pss, _ = procmem.snapshot(srv.root_pids())
        out[srv.key] = {'after.rss': rss, 'after.pss': pss}
    for srv in servers:
        disk = srv.disk_usage()
        messages, octets, queued = srv.live_content()
        t = srv.traffic
        out[srv.key].update({'after.disk': sum(disk.values()) / 1e6,
                             'after.live_msgs': messages, 'after.live_mb': octets / 1e6,
                             'after.queued': queued,
                             'after.passed': t['messages'], 'after.passed_mb': t['octets'] / 1e6})
        notes.append(f'{srv.label} after the suite: '
                     + ', '.join(f'{name} {size / 1e6:,.1f} MB' for name, size in disk.items())
                     + f'; live: {messages} messages ({octets / 1e6:,.2f} MB) in mailboxes, '
                     f'{queued} in the queue; carried: {t["messages"]:,} messages by SMTP '
                     f'({t["deliveries"]:,} deliveries, {t["octets"] / 1e6:,.0f} MB)')
        log('  ' + notes[-1])
    return out, notes


def warm_up(srv, cfg):
    """Untimed traffic through every path first, so no benchmark's first repetition measures
    a cold JIT (ours) or cold caches and process pools (both)."""
    n = 300 if cfg.quick else 2000
    smtp_source(srv, 20, n, f'acc@{DOMAIN}', 'sender@client.test')
    wait_count(srv, 'acc', n, time.monotonic() + 60 + n / 10)
    clients.retrieve('127.0.0.1', srv.pop3_port, [f'acc@{DOMAIN}'], PASSWORD, impl=cfg.pop3_client)
    sink = Sink(cfg.work, srv.sink_port, n // 4)
    try:
        wait_port(srv.sink_port)
        _, t1 = smtp_source(srv, 20, n // 4, 'rcpt@remote.test', f'sender@{DOMAIN}')
        if sink.wait(t1 + 120) is None:
            raise BenchError('warm-up: the sink did not receive the relayed messages')
    finally:
        sink.stop()


# ---------------------------------------------------------------- table

def rows(cfg):
    """(metric key, label, unit, higher is better, target ratio or None, target text)."""
    out = []
    for s in cfg.sessions:
        tgt = 2.0 if s >= 20 else None
        out.append((f'accept.{s}.accepted', f'SMTP accept, {s} sess: until last 250', 'msg/s',
                    True, tgt, '>= 2x (aim 4x)' if tgt else ''))
        out.append((f'accept.{s}.delivered', f'SMTP accept, {s} sess: all in mailbox', 'msg/s',
                    True, tgt, '>= 2x (aim 4x)' if tgt else ''))
        out.append((f'accept.{s}.cpu', f'SMTP accept, {s} sess: server CPU per message', 'ms',
                    False, None, ''))
        out.append((f'accept.{s}.pss', f'SMTP accept, {s} sess: server PSS, peak', 'MiB',
                    False, None, ''))
    for s in cfg.sessions:
        out.append((f'relay.{s}.accepted', f'SMTP relay, {s} sess: until last 250', 'msg/s',
                    True, None, ''))
        out.append((f'relay.{s}.relayed', f'SMTP relay, {s} sess: all at the sink', 'msg/s',
                    True, None, ''))
        out.append((f'relay.{s}.cpu', f'SMTP relay, {s} sess: server CPU per message', 'ms',
                    False, None, ''))
    for k in (1, 10):
        c = f'{k} client' + ('s' if k > 1 else '')
        out += [
            (f'pop3.{k}.msgs', f'POP3 retrieve, {c}', 'msg/s', True, 1.0, '>= 1x'),
            (f'pop3.{k}.mbs', f'POP3 retrieve, {c}', 'MB/s', True, None, ''),
            (f'pop3.{k}.list_retr', f'POP3 retrieve, {c}: LIST+RETR (slowest client)', 's', False,
             None, ''),
            (f'pop3.{k}.dele_quit', f'POP3 retrieve, {c}: DELE+QUIT (slowest client)', 's', False,
             None, ''),
            (f'pop3.{k}.cpu', f'POP3 retrieve, {c}: server CPU per message', 'ms', False, None, ''),
            (f'pop3.{k}.client_cpu', f'POP3 retrieve, {c}: bench client CPU per message', 'ms',
             False, None, ''),
            (f'pop3.{k}.login', f'POP3 login, {c} (untimed above): until all logged in', 's',
             False, None, ''),
        ]
    out += [
        ('large.in', f'Large message {cfg.large_size / 1e6:g} MB: SMTP in', 's', False, 1.5,
         '<= 1.5x Postfix'),
        ('large.out', f'Large message {cfg.large_size / 1e6:g} MB: POP3 out', 's', False, 1.5,
         '<= 1.5x Dovecot'),
        ('large.cpu_in', 'Large message: server CPU in (per message)', 's', False, None, ''),
        ('large.cpu_out', 'Large message: server CPU out (per message)', 's', False, None, ''),
        ('large.rss_idle', 'Large message: RSS idle (sum)', 'MiB', False, None, ''),
        ('large.rss_peak', 'Large message: RSS peak (sum)', 'MiB', False, None, ''),
        ('large.pss_idle', 'Large message: PSS idle', 'MiB', False, None, ''),
        ('large.pss_peak', 'Large message: PSS peak', 'MiB', False, None, ''),
        ('large.heap_idle', 'Large message: heap idle (after GC)', 'MiB', False, None, ''),
        ('large.heap_peak', 'Large message: heap peak (used)', 'MiB', False, None,
         'independent of size'),
        ('idle.greeted', f'Idle SMTP conns greeted in {cfg.idle_window:g} s (of {cfg.idle_count})',
         'conns', True, None, f'all {cfg.idle_count}'),
        ('idle.rss_before', 'Idle conns: server RSS (sum) before', 'MiB', False, None, ''),
        ('idle.rss', 'Idle conns: server RSS (sum) with them open', 'MiB', False, None, '< 1024 MiB'),
        ('idle.pss_before', 'Idle conns: server PSS before', 'MiB', False, None, ''),
        ('idle.pss', 'Idle conns: server PSS with them open', 'MiB', False, None, ''),
        ('idle.cpu', 'Idle conns: server CPU per connection (open, greet, close)', 'ms', False,
         None, ''),
        ('after.pss', f'After the suite, idle {cfg.rest:g} s: server PSS', 'MiB', False, None, ''),
        ('after.rss', f'After the suite, idle {cfg.rest:g} s: server RSS (sum)', 'MiB', False,
         None, ''),
        ('after.disk', 'After the suite: store on disk (ours: data dir; ref: queue + Maildirs)',
         'MB', False, None, ''),
        ('after.live_msgs', 'After the suite: messages live in mailboxes', 'msgs', False, None,
         ''),
        ('after.live_mb', 'After the suite: content live in mailboxes', 'MB', False, None, ''),
        ('after.queued', 'After the suite: messages in the outbound queue', 'msgs', False, None,
         ''),
        ('after.passed', 'Carried by SMTP in the whole run (warm-up included)', 'msgs', False,
         None, ''),
        ('after.passed_mb', 'Carried by SMTP in the whole run (warm-up included)', 'MB', False,
         None, ''),
    ]
    return out


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, int):
        return f'{v:,}'
    if v >= 100:
        return f'{v:,.0f}'
    if v >= 10:
        return f'{v:.1f}'
    return f'{v:.2f}'


def triple(values):
    if not values:
        return '-'
    return f'{fmt(min(values))} / {fmt(statistics.median(values))} / {fmt(max(values))}'


def verdict(key, ours, ref, higher, target, cfg):
    if not ours:
        return ''
    med = statistics.median(ours)
    if key == 'idle.greeted':
        return 'met' if med >= cfg.idle_count else 'MISSED'
    if key == 'idle.rss':
        return 'met' if med < 1024 else 'MISSED'
    if target is None or not ref:
        return ''
    ratio = med / statistics.median(ref)
    ok = ratio >= target if higher else ratio <= target
    return 'met' if ok else 'MISSED'


def table(results, cfg, servers):
    keys = [s.key for s in servers]
    head = ['benchmark', 'unit'] + [f'{s.label} min / med / max' for s in servers]
    if keys == ['ref', 'ours'] or set(keys) == {'ref', 'ours'}:
        head += ['ours / ref', 'target', 'met?']
    lines = []
    for key, label, unit, higher, target, text in rows(cfg):
        got = results.get(key, {})
        if not any(got.get(k) for k in keys):
            continue
        row = [label, unit] + [triple(got.get(k, [])) for k in keys]
        if len(head) > 2 + len(keys):
            o, r = got.get('ours', []), got.get('ref', [])
            ratio = (statistics.median(o) / statistics.median(r)) if o and r and statistics.median(r) else None
            row += [f'{ratio:.2f}x' if ratio is not None else '-', text,
                    verdict(key, o, r, higher, target, cfg)]
        lines.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)] if lines else []
    md = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join('---' for _ in head) + '|']
    md += ['| ' + ' | '.join(r) + ' |' for r in lines]
    text = ['  '.join(h.ljust(w) for h, w in zip(head, widths))]
    text += ['  '.join(str(c).ljust(w) for c, w in zip(r, widths)) for r in lines]
    return '\n'.join(text), '\n'.join(md)


def machine():
    mem = 0
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemTotal:'):
                mem = int(line.split()[1]) / 1024 / 1024
    java = subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.split('\n')[0]
    df = subprocess.run(['df', '-h', '--output=source,fstype,size', HERE], capture_output=True,
                        text=True).stdout.split('\n')[1].split()
    cpu = ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    return (f'{os.cpu_count()} cores ({cpu}), {mem:.1f} GiB memory, disk {" ".join(df)}, '
            f'{java}, kernel {platform.release()}')


# ---------------------------------------------------------------- profiling

def jfr_start(srv, cfg, name):
    """A flight recording of our server during one benchmark (`--jfr`); summarize it with
    bench/jfr_top.py."""
    d = os.path.join(cfg.work, 'jfr')
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name.replace(' ', '-') + '.jfr')
    r = subprocess.run(['jcmd', str(srv.java_pid), 'JFR.start', 'name=bench', 'settings=profile',
                        f'filename={path}'], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        log(f'  JFR.start failed: {r.stdout.strip()} {r.stderr.strip()}')
        return None
    return path


def jfr_stop(srv, path):
    subprocess.run(['jcmd', str(srv.java_pid), 'JFR.stop', 'name=bench'], capture_output=True,
                   timeout=120)
    log(f'  profile: python3 bench/jfr_top.py {os.path.relpath(path)}')


# ---------------------------------------------------------------- main

STARTED = []  # helper processes to kill on the way out
# The order of the benchmarks, as a store lives: mail comes in and goes out, then is retrieved and
# deleted on the store that carried all of that, then the odd large message and many idle
# connections; disk and idle memory are read after all of it.
ORDER = ['accept', 'relay', 'pop3', 'large', 'idle']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--only', default=','.join(ORDER),
                    help='comma-separated subset of: accept, relay, pop3, large, idle (always run '
                         'in this order, on one store per server)')
    ap.add_argument('--servers', default='ref,ours', help='ref, ours or both (default)')
    ap.add_argument('--quick', action='store_true',
                    help='small counts, 1 repetition: for trying the harness, not for figures')
    ap.add_argument('--reps', type=int, help='repetitions (default 3; quick: 1)')
    ap.add_argument('--sessions', help='SMTP session counts (default 1,20,100)')
    ap.add_argument('--accept-count', type=int)
    ap.add_argument('--relay-count', type=int)
    ap.add_argument('--pop3-count', type=int)
    ap.add_argument('--idle-count', type=int)
    ap.add_argument('--large-mb', type=float)
    ap.add_argument('--keep-connection', action='store_true',
                    help='smtp-source -d: several messages per connection (default: one, as MX traffic)')
    ap.add_argument('--no-warm-up', dest='warm_up', action='store_false',
                    help='skip the untimed warm-up traffic')
    ap.add_argument('--jfr', action='store_true',
                    help='record our server with Java Flight Recorder during the first repetition '
                         'of each benchmark (bench/work/jfr/*.jfr; read with bench/jfr_top.py)')
    ap.add_argument('--pop3-client', choices=sorted(clients.SESSIONS), default='lean',
                    help='POP3 client: the lean one (default) or the standard library\'s poplib, '
                         'to check that the client is not what limits the POP3 figures')
    ap.add_argument('--rest', type=float,
                    help='seconds both servers stay idle after the last benchmark before their '
                         'memory is read (default 60; quick: 5)')
    ap.add_argument('--java-opts', help='JAVA_OPTS for our server (default: bin/mailserver\'s)')
    ap.add_argument('--work', default=os.path.join(HERE, 'work'))
    cfg = ap.parse_args()
    q = cfg.quick
    cfg.reps = cfg.reps or (1 if q else 3)
    cfg.sessions = [int(x) for x in (cfg.sessions or '1,20,100').split(',')]
    cfg.accept_count = cfg.accept_count or (300 if q else 5000)
    cfg.relay_count = cfg.relay_count or (300 if q else 5000)
    cfg.pop3_count = cfg.pop3_count or (100 if q else 2000)
    cfg.idle_count = cfg.idle_count or (1000 if q else 10000)
    cfg.large_size = int((cfg.large_mb or (5 if q else 50)) * 1e6)
    cfg.idle_window = 10.0
    cfg.rest = cfg.rest if cfg.rest is not None else (5 if q else 60)
    chosen = {x.strip() for x in cfg.only.split(',') if x.strip()}
    unknown = chosen - set(ORDER)
    if unknown:
        ap.error(f'unknown benchmark(s): {", ".join(sorted(unknown))}')
    only = [b for b in ORDER if b in chosen]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if 'idle' in only and hard < cfg.idle_count + 1000:
        log(f'warning: open-files hard limit {hard} is below {cfg.idle_count + 1000}')

    os.makedirs(cfg.work, exist_ok=True)
    cfg.work = os.path.abspath(cfg.work)
    servers = []
    for key in [k.strip() for k in cfg.servers.split(',')]:
        cls = {'ref': ReferenceServer, 'ours': OurServer}.get(key)
        if not cls:
            ap.error(f'unknown server {key}')
        kw = {'java_opts': cfg.java_opts} if key == 'ours' else {}
        servers.append(cls(cfg.work, PORTS[key], DOMAIN, USERS, PASSWORD, **kw))
    busy = [p for s in servers for p in PORTS[s.key] if not port_free(p)]
    if busy:
        sys.exit(f'bench: ports in use: {busy} (another bench running, or left over?)')

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f'signal {signum}')
    signal.signal(signal.SIGTERM, on_signal)

    results, errors, dead, notes = {}, [], set(), []
    started_at = time.time()
    try:
        for s in servers:
            log(f'setting up {s.label}')
            s.setup()
            s.start()
            log(f'  {s.describe()} is up')
        for s in servers if cfg.warm_up else []:
            log(f'warming up {s.label} (untimed)')
            warm_up(s, cfg)
        plan = []  # in ORDER: each server's store carries everything before
        for b in only:
            if b == 'accept':
                plan += [(f'accept {n} sessions', bench_accept, (n,)) for n in cfg.sessions]
            elif b == 'relay':
                plan += [(f'relay {n} sessions', bench_relay, (n,)) for n in cfg.sessions]
            else:
                plan.append((b, globals()[f'bench_{b}'], ()))
        for name, fn, args in plan:
            for rep in range(1, cfg.reps + 1):
                for s in servers:
                    if s.key in dead:
                        continue
                    log(f'{name}, repetition {rep}/{cfg.reps}: {s.label}')
                    recording = None
                    if cfg.jfr and s.java_pid and rep == 1:
                        recording = jfr_start(s, cfg, name)
                    try:
                        got = fn(s, cfg, *args)
                    except (BenchError, clients.Pop3Error, OSError, subprocess.SubprocessError) as e:
                        msg = f'{name} rep {rep} on {s.label}: {e}'
                        log('  FAILED: ' + msg)
                        errors.append(msg)
                        if hasattr(s, 'alive') and not s.alive():
                            errors.append(f'{s.label} died; its remaining benchmarks are skipped\n'
                                          + s.log_tail())
                            dead.add(s.key)
                        continue
                    finally:
                        if recording:
                            jfr_stop(s, recording)
                    log('  ' + ', '.join(f'{k}={fmt(v)}' for k, v in got.items()))
                    for k, v in got.items():
                        results.setdefault(k, {}).setdefault(s.key, []).append(v)
        after, notes = after_suite([s for s in servers if s.key not in dead], cfg)
        for key, got in after.items():
            for k, v in got.items():
                results.setdefault(k, {}).setdefault(key, []).append(v)
    except KeyboardInterrupt as e:
        errors.append(f'interrupted ({e})')
    except Exception as e:  # setup failures: report, then clean up
        errors.append(f'{type(e).__name__}: {e}')
        traceback.print_exc()
    finally:
        for p in STARTED:
            if p.poll() is None:
                p.kill()
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                errors.append(f'stopping {s.label}: {e}')

    text, md = table(results, cfg, servers)
    header = (f'Machine: {machine()}\n'
              f'Servers: {"; ".join(s.describe() for s in servers)}\n'
              f'Command: bench/run.sh {" ".join(sys.argv[1:])}\n'
              f'Counts: accept {cfg.accept_count} x {MSG_SIZE} B, relay {cfg.relay_count}, '
              f'POP3 {cfg.pop3_count}/maildrop, idle {cfg.idle_count}, large {cfg.large_size} B; '
              f'{cfg.reps} repetition(s); {"several messages" if cfg.keep_connection else "one message"} '
              f'per SMTP connection; POP3 client: {cfg.pop3_client}; '
              f'took {time.time() - started_at:.0f} s')
    if 'pop3' in only and not {'accept', 'relay'} <= set(only):
        header += ('\nNote: POP3 ran on a store that did not carry the accept and relay runs '
                   '(--only): not the figure of the full suite')
    print('\n' + header + '\n\n' + text)
    if notes:
        print('\n' + '\n'.join(notes))
    if errors:
        print('\nErrors:\n' + '\n'.join('- ' + e for e in errors))
    with open(os.path.join(cfg.work, 'results.md'), 'w') as f:
        f.write(header.replace('\n', '  \n') + '\n\n' + md + '\n')
        if notes:
            f.write('\n' + '\n'.join('- ' + n for n in notes) + '\n')
        if errors:
            f.write('\nErrors:\n\n' + '\n'.join('- ' + e.replace('\n', '\n  ') for e in errors) + '\n')
    with open(os.path.join(cfg.work, 'results.json'), 'w') as f:
        json.dump({'header': header, 'results': results, 'notes': notes, 'errors': errors}, f,
                  indent=1)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
