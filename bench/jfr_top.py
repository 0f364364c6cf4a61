#!/usr/bin/env python3
"""Where the time goes, from a Java Flight Recording: a short text profile.

    python3 bench/jfr_top.py RECORDING.jfr [--top 25] [--prefix io.mailserver]

Reads the recording with the JDK's `jfr print --json` and prints
- CPU: the methods most often on top of the stack in jdk.ExecutionSample (self time), and the
  project's methods (prefix) most often anywhere on the stack (inclusive);
- threads waiting in native code (jdk.NativeMethodSample: socket reads, fsync, ...), by frame;
- blocking: time threads spent parked (jdk.ThreadPark) or waiting for monitors
  (jdk.JavaMonitorEnter), by the first project frame, and fsync calls (jdk.FileForce).
"""
import argparse
import collections
import json
import subprocess
import sys

EVENTS = 'jdk.ExecutionSample,jdk.NativeMethodSample,jdk.ThreadPark,jdk.JavaMonitorEnter,jdk.FileForce,jdk.FileWrite'


def frame_name(frame):
    m = frame.get('method') or {}
    t = (m.get('type') or {}).get('name', '?')
    return f"{t.replace('/', '.')}.{m.get('name', '?')}"


def frames(event):
    st = event['values'].get('stackTrace') or {}
    return [frame_name(f) for f in st.get('frames') or []]


def duration_ms(event):
    d = event['values'].get('duration', 'PT0S')
    # ISO-8601 duration as printed by jfr: PT0.001234S or PT1M2.5S
    d = d[2:] if d.startswith('PT') else d
    total, num = 0.0, ''
    for ch in d:
        if ch.isdigit() or ch == '.':
            num += ch
        else:
            v = float(num or 0)
            total += {'H': 3600, 'M': 60, 'S': 1}.get(ch, 0) * v
            num = ''
    return total * 1000


COMPONENTS = [
    ('org.h2.', 'H2 database'),
    ('com.zaxxer.hikari.', 'connection pool'),
    ('com.sun.crypto.provider.PBKDF2', 'password hashing (PBKDF2)'),
    ('io.mailserver.store.PasswordHasher', 'password hashing (PBKDF2)'),
    ('sun.security.', 'crypto (SHA, TLS)'),
    ('javax.net.ssl.', 'crypto (SHA, TLS)'),
    ('ch.qos.logback.', 'logging'),
    ('org.slf4j.', 'logging'),
    ('org.apache.mina.', 'MINA network layer'),
    ('sun.nio.ch.', 'socket/file I/O'),
    ('io.mailserver.', 'own code'),
]


def component(stack):
    """The component a sample belongs to: the innermost (top) frame of a known package, scanning
    outwards, so time in JDK collections called by H2 counts as H2."""
    if any(f.startswith(('io.mailserver.store.PasswordHasher', 'com.sun.crypto.provider.PBKDF2'))
           for f in stack):
        return 'password hashing (PBKDF2)'
    for f in stack:
        for prefix, name in COMPONENTS:
            if f.startswith(prefix):
                return name
    return 'JDK/other'


IDLE = ('java.util.concurrent.', 'jdk.internal.misc.', 'java.lang.Thread.', 'java.lang.Object.wait',
        'org.apache.mina.filter.executor.')


def first_own(stack, prefix):
    for f in stack:
        if f.startswith(prefix):
            return f
    return stack[0] if stack else '?'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('recording')
    ap.add_argument('--top', type=int, default=20)
    ap.add_argument('--prefix', default='io.mailserver')
    a = ap.parse_args()
    raw = subprocess.run(['jfr', 'print', '--json', '--events', EVENTS, a.recording],
                         capture_output=True, text=True, timeout=600)
    if raw.returncode != 0:
        sys.exit(raw.stderr)
    events = json.loads(raw.stdout)['recording']['events']
    by_type = collections.defaultdict(list)
    for e in events:
        by_type[e['type']].append(e)

    cpu = by_type['jdk.ExecutionSample']
    print(f'CPU samples: {len(cpu)}')
    comp = collections.Counter(component(frames(e)) for e in cpu)
    print('CPU by component (where the sampled thread was, innermost known frame):')
    for name, n in comp.most_common():
        print(f'  {100 * n / max(1, len(cpu)):5.1f}%  {name}')
    print('CPU, self, by method:')
    self_count = collections.Counter(frames(e)[0] for e in cpu if frames(e))
    for name, n in self_count.most_common(a.top):
        print(f'  {100 * n / max(1, len(cpu)):5.1f}%  {name}')
    incl = collections.Counter()
    for e in cpu:
        incl.update(set(f for f in frames(e) if f.startswith(a.prefix)))
    print(f'CPU, inclusive, {a.prefix} methods:')
    for name, n in incl.most_common(a.top):
        print(f'  {100 * n / max(1, len(cpu)):5.1f}%  {name}')

    nat = by_type['jdk.NativeMethodSample']
    print(f'Native (waiting) samples: {len(nat)}, by frame and first {a.prefix} frame:')
    c = collections.Counter((frames(e)[0] if frames(e) else '?', first_own(frames(e), a.prefix))
                            for e in nat)
    for (top, own), n in c.most_common(a.top):
        print(f'  {100 * n / max(1, len(nat)):5.1f}%  {top}  <- {own}')

    for kind in ('jdk.ThreadPark', 'jdk.JavaMonitorEnter'):
        evs = by_type[kind]
        total = collections.Counter()
        for e in evs:
            st = frames(e)
            # a pool thread waiting for work is idle, not blocked: skip stacks with no own frame
            if kind == 'jdk.ThreadPark' and not any(f.startswith(a.prefix) for f in st):
                continue
            total[first_own(st, a.prefix)] += duration_ms(e)
        print(f'{kind}: {len(evs)} events over threshold, {sum(total.values()):.0f} ms in all:')
        for name, ms in total.most_common(min(10, a.top)):
            print(f'  {ms:9.0f} ms  {name}')

    ff = by_type['jdk.FileForce']
    if ff:
        ms = [duration_ms(e) for e in ff]
        print(f'jdk.FileForce (fsync over threshold): {len(ff)} calls, {sum(ms):.0f} ms, '
              f'max {max(ms):.1f} ms')
        c = collections.Counter(first_own(frames(e), a.prefix) for e in ff)
        for name, n in c.most_common(5):
            print(f'  {n:6d}  {name}')


if __name__ == '__main__':
    main()
