"""The project's server, started from the built jar with a generated configuration file on
offset loopback ports and a fresh data directory under the bench work directory. The domain and
users are created with bin/mailctl, exactly as an operator would.

Settings that differ from the defaults, and why (the reference gets the same treatment):
- tls.allow-plaintext-auth = true: POP3 USER/PASS on loopback without TLS (Dovecot:
  disable_plaintext_auth = no);
- smtp.check-sender-domain = false: the senders' domains (client.test) do not resolve here
  (Postfix does not check sender domains by default);
- limits.connections / connections-per-ip raised so the 10,000-connection benchmark measures the
  server, not a configured limit; limits.message-size 64M for the 50 MB message (Postfix:
  message_size_limit raised the same way);
- relay.routes sends remote.test to the bench's smtp-sink (Postfix: transport_maps).
Everything else (durability, pools, relay concurrency, logging at info) is the default.
"""
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import clients
from refserver import du

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(REPO, 'server', 'target', 'mailserver.jar')


def default_java_opts():
    """The JVM options bin/mailserver uses when JAVA_OPTS is not set: its jvm_always and
    jvm_defaults lines."""
    with open(os.path.join(REPO, 'bin', 'mailserver')) as f:
        script = f.read()
    return ' '.join(m.group(1) for name in ('jvm_always', 'jvm_defaults')
                    for m in [re.search(rf'^{name}="([^"]*)"', script, re.M)] if m)



class OurServer:
    label = 'mailserver'
    key = 'ours'

    def __init__(self, work, ports, domain, users, password, java_opts=None):
        self.work = os.path.join(work, 'ours')
        self.smtp_port, self.pop3_port, self.sink_port = ports
        self.domain, self.users, self.password = domain, users, password
        self.conf = os.path.join(self.work, 'bench-server.conf')
        # a copy of the jar under a name of its own, so a broad `pkill -f mailserver` elsewhere on
        # the machine (other test runs) cannot stop the benchmarked process
        self.jar = os.path.join(self.work, 'bench-server.jar')
        self.data = os.path.join(self.work, 'data')
        self.log = os.path.join(self.work, 'server.out')
        self.proc = None
        self.java_pid = None
        self.java_opts = java_opts
        self.traffic = {'messages': 0, 'deliveries': 0, 'octets': 0}

    def setup(self):
        if not os.path.exists(JAR):
            raise RuntimeError(f'{JAR} not found: build it first (mvn -q -DskipTests package)')
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.data)
        shutil.copyfile(JAR, self.jar)
        base = self.smtp_port - 25  # e.g. 22500: submission +87, smtps +65, pop3s +495
        conf = f"""# written by bench/ourserver.py
server.hostname = ours.{self.domain}
server.data-dir = {self.data}
smtp.listen = 127.0.0.1:{self.smtp_port}
submission.listen = 127.0.0.1:{base + 87}
smtps.listen = 127.0.0.1:{base + 65}
pop3.listen = 127.0.0.1:{self.pop3_port}
pop3s.listen = 127.0.0.1:{base + 495}
http.listen = 127.0.0.1:{base + 80}
https.listen = 127.0.0.1:{base + 443}
tls.allow-plaintext-auth = true
network.trusted = 127.0.0.0/8
smtp.check-sender-domain = false
limits.connections = 12000
limits.connections-per-ip = 12000
limits.message-size = 64M
relay.routes = remote.test -> [127.0.0.1]:{self.sink_port}
"""
        with open(self.conf, 'w') as f:
            f.write(conf)

    def _env(self):
        env = dict(os.environ)
        env.setdefault('MALLOC_ARENA_MAX', '2')  # as bin/mailserver sets it
        if self.java_opts:
            env['JAVA_OPTS'] = self.java_opts
        return env

    def start(self, timeout=90):
        out = open(self.log, 'ab')
        # what bin/mailserver runs (its default JVM options), on the copied jar, so that a broad
        # pkill of "mailserver.jar" from elsewhere cannot stop the benchmarked server
        opts = (self.java_opts or default_java_opts()).split()
        self.proc = subprocess.Popen(['java', *opts, '-jar', self.jar, '--config', self.conf],
                                     stdout=out, stderr=subprocess.STDOUT, env=self._env(),
                                     start_new_session=True)
        self.java_pid = self.proc.pid
        with open(os.path.join(self.work, 'server.pid'), 'w') as f:
            f.write(f'{self.java_pid}\n')  # for run.sh's safety net
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'mailserver exited with {self.proc.returncode}:\n{self.log_tail()}')
            if _listening(self.smtp_port):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f'mailserver did not listen within {timeout}s:\n{self.log_tail()}')
        pop3_deadline = time.monotonic() + 10
        while not _listening(self.pop3_port):
            if time.monotonic() > pop3_deadline:
                print(f'warning: mailserver has no POP3 listener on {self.pop3_port}', flush=True)
                break
            time.sleep(0.2)
        self._mailctl('domain', 'add', self.domain)
        # one JVM per mailctl call: a few at a time
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            for f in [pool.submit(self._mailctl, 'user', 'add', f'{u}@{self.domain}',
                                  '--password-stdin', stdin=self.password + '\n')
                      for u in self.users]:
                f.result()

    def _mailctl(self, *args, stdin=None):
        for attempt in (1, 2):
            r = subprocess.run([os.path.join(REPO, 'bin', 'mailctl'), '--config', self.conf, *args],
                               input=stdin, capture_output=True, text=True, timeout=120)
            # 143: the JVM got a SIGTERM from outside (seen on this shared machine): once more
            if r.returncode != 143:
                break
        if r.returncode != 0:
            raise RuntimeError(f'mailctl {" ".join(args)} failed ({r.returncode}): '
                               f'{r.stderr.strip()} {r.stdout.strip()}')
        return r.stdout

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(45)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    # ---- what the benchmarks observe

    def mailbox_count(self, user):
        """Messages in a user's maildrop by POP3 STAT (one login: the server offers no other view
        of a mailbox while it runs); -1 while POP3 does not answer."""
        try:
            return clients.stat('127.0.0.1', self.pop3_port, f'{user}@{self.domain}',
                                self.password)[0]
        except (OSError, clients.Pop3Error):
            return -1

    def disk_usage(self):
        """Bytes on disk (du -sb) of the data directory: each file of 1 MB or more by name (the
        store's, e.g. H2's db/*.mv.db), and the rest of the directory (small files, directories,
        the self-signed certificate) as one entry."""
        total = du(self.data)
        large = {}
        for parent, _, files in os.walk(self.data):
            for name in files:
                path = os.path.join(parent, name)
                size = os.path.getsize(path)
                if size >= 1e6:
                    large['data/' + os.path.relpath(path, self.data)] = size
        return {**large, 'rest of data/': total - sum(large.values())}

    def live_content(self):
        """(messages, octets) in all maildrops by POP3 STAT, and the rows of the outbound queue
        that mailctl queue list shows (waiting, being sent, given up)."""
        messages = octets = 0
        for user in self.users:
            count, size = clients.stat('127.0.0.1', self.pop3_port, f'{user}@{self.domain}',
                                       self.password)
            messages += count
            octets += size
        rows = json.loads(self._mailctl('queue', 'list', '--json'))
        return messages, octets, len(rows)

    def root_pids(self):
        return [self.java_pid] if self.proc and self.proc.poll() is None else []

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def describe(self):
        rev = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True).stdout.strip()
        return f'mailserver @ {rev} ({self.java_opts or "JAVA_OPTS default: " + default_java_opts()})'

    def log_tail(self):
        try:
            with open(self.log, errors='replace') as f:
                return f'--- {self.log}\n' + ''.join(f.readlines()[-25:])
        except OSError:
            return ''


def _listening(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as s:
            return True
    except OSError:
        return False
