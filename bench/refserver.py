"""The reference: a private Postfix + Dovecot instance, configured as the same small-domain
server as ours, on offset loopback ports, entirely under the bench work directory.

- Postfix (its own config directory, queue and data directories; `postfix -c DIR`): the SMTP
  listener; mail for the local domain is delivered by Postfix's virtual(8) agent into Maildir
  (virtual_mailbox_domains/maps: the standard Postfix setup for a domain whose users are not
  Unix accounts; virtual(8) fsyncs each delivered file); mail for remote.test goes by
  transport_maps to a local smtp-sink; 127.0.0.0/8 is mynetworks (may relay).
- Dovecot (`dovecot -c FILE`, own base_dir): POP3 only, passwd-file users, reading the same
  Maildirs, tuned as its documentation suggests for speed where that does not touch durability
  (see _write_dovecot). Otherwise both run on their Debian defaults: Postfix's default_process_limit
  of 100 smtpd processes covers the 100-session runs; the default fsyncs (Postfix's queue file
  before each 250, virtual(8)'s delivered file, Dovecot's mail_fsync = optimized) are kept and
  none is added.

Nothing here touches the system's own Postfix or Dovecot configuration.
"""
import os
import shutil
import subprocess

import procmem

PBKDF2_ROUNDS = 310000  # our server's PasswordHasher.DEFAULT_ITERATIONS
VMAIL_UID = 5000  # owner of the Maildirs (virtual(8) and Dovecot both switch to it)


def _run(cmd, **kw):
    # Postfix commands print their fatal errors only to syslog unless stderr is a tty;
    # `script` gives them one, so a failure says why.
    return subprocess.run(['script', '-qec', ' '.join(cmd), '/dev/null'],
                          capture_output=True, text=True, timeout=120, **kw)


class ReferenceServer:
    label = 'Postfix+Dovecot'
    key = 'ref'

    def __init__(self, work, ports, domain, users, password):
        self.work = os.path.join(work, 'ref')
        self.smtp_port, self.pop3_port, self.sink_port = ports
        self.domain, self.users, self.password = domain, users, password
        self.pf = os.path.join(self.work, 'pf')
        self.dc = os.path.join(self.work, 'dc')
        self.mail = os.path.join(self.work, 'mail')
        self.java_pid = None
        self.traffic = {'messages': 0, 'deliveries': 0, 'octets': 0}

    # ---- setup

    def setup(self):
        shutil.rmtree(self.work, ignore_errors=True)
        for d in ('etc', 'queue', 'data'):
            os.makedirs(os.path.join(self.pf, d))
        os.makedirs(self.dc)
        os.makedirs(self.mail)
        shutil.chown(os.path.join(self.pf, 'data'), 'postfix')
        os.chown(self.mail, VMAIL_UID, VMAIL_UID)
        self._write_postfix()
        self._write_dovecot()

    def _write_postfix(self):
        etc = os.path.join(self.pf, 'etc')
        main = f"""# written by bench/refserver.py
compatibility_level = 3.6
queue_directory = {self.pf}/queue
data_directory = {self.pf}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = ref.{self.domain}
mydomain = {self.domain}
myorigin = {self.domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
biff = no
virtual_mailbox_domains = {self.domain}
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = texthash:{etc}/vmailbox
virtual_uid_maps = static:{VMAIL_UID}
virtual_gid_maps = static:{VMAIL_UID}
# the large-message benchmark sends 50 MB (Postfix defaults: 10 MB message, 50 MB mailbox)
message_size_limit = 60000000
virtual_mailbox_limit = 0
transport_maps = texthash:{etc}/transport
# no DNS at all: relay goes to [127.0.0.1] by transport_maps, and no reverse lookups of the
# 127.0.0.x clients (they would leave loopback for the system's resolver)
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
maillog_file = {self.pf}/maillog
maillog_file_prefixes = {self.pf}
"""
        with open(os.path.join(etc, 'main.cf'), 'w') as f:
            f.write(main)
        with open(os.path.join(etc, 'vmailbox'), 'w') as f:
            for u in self.users:
                f.write(f'{u}@{self.domain} {self.domain}/{u}/\n')
        with open(os.path.join(etc, 'transport'), 'w') as f:
            f.write(f'remote.test smtp:[127.0.0.1]:{self.sink_port}\n')
        # Debian's master.cf, with the smtpd listener moved to the bench port and no chroot
        # (a chroot would need a copy of /etc files under the queue directory)
        out = []
        with open('/usr/share/postfix/master.cf.dist') as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                cols = line.split()
                if cols[:2] == ['smtp', 'inet']:
                    line = f'127.0.0.1:{self.smtp_port} inet n - n - - smtpd\n'
                elif line[0].isalpha() and len(cols) >= 8 and cols[4] == 'y':
                    cols[4] = 'n'
                    line = '\t'.join(cols) + '\n'
                out.append(line)
        if not any(l.startswith('postlog') for l in out):
            out.append('postlog unix-dgram n - n - 1 postlogd\n')
        with open(os.path.join(etc, 'master.cf'), 'w') as f:
            f.writelines(out)

    def _write_dovecot(self):
        conf = f"""# written by bench/refserver.py
base_dir = {self.dc}/run
state_dir = {self.dc}/state
instance_name = mailbench-ref
listen = 127.0.0.1
protocols = pop3
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = {self.dc}/dovecot.log
mail_location = maildir:{self.mail}/%d/%n
first_valid_uid = 1000
pop3_uidl_format = %08Xu%08Xv
# A POP3-only server has no \\Seen flags to keep: without flag updates Dovecot leaves retrieved
# files in new/ instead of renaming each into cur/ (Dovecot's documented I/O saving for POP3).
pop3_no_flag_updates = yes
passdb {{
  driver = passwd-file
  args = username_format=%u {self.dc}/passwd
}}
userdb {{
  driver = static
  args = uid={VMAIL_UID} gid={VMAIL_UID} home={self.mail}/%d/%n
}}
# Dovecot's "high-performance" login mode: long-lived login processes, one per core, started
# ahead, instead of a fresh process per connection (the default, "high-security" mode); and pop3
# processes started ahead for the 10-client run, so no client waits for a fork.
service pop3-login {{
  service_count = 0
  process_min_avail = {os.cpu_count() or 1}
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service pop3 {{
  process_min_avail = 10
}}
"""
        with open(os.path.join(self.dc, 'dovecot.conf'), 'w') as f:
            f.write(conf)
        # salted slow hashes, as our server keeps them (PBKDF2, 310,000 rounds): a login costs
        # both servers about the same CPU (a Dovecot default install would use a crypt scheme)
        hashed = subprocess.run(['doveadm', 'pw', '-s', 'PBKDF2', '-r', str(PBKDF2_ROUNDS),
                                 '-p', self.password], capture_output=True, text=True,
                                check=True, timeout=60).stdout.strip()
        with open(os.path.join(self.dc, 'passwd'), 'w') as f:
            for u in self.users:
                f.write(f'{u}@{self.domain}:{hashed}\n')

    # ---- lifecycle

    def start(self):
        etc = os.path.join(self.pf, 'etc')
        r = _run(['postfix', '-c', etc, 'start'])
        if r.returncode != 0:
            raise RuntimeError(f'postfix start failed: {r.stdout.strip()} {r.stderr.strip()}')
        # the daemon keeps inherited descriptors open: give it a file, not a pipe
        out_path = os.path.join(self.dc, 'start.out')
        with open(out_path, 'w') as out:
            r = subprocess.run(['dovecot', '-c', os.path.join(self.dc, 'dovecot.conf')],
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                               timeout=60)
        if r.returncode != 0:
            with open(out_path) as f:
                raise RuntimeError(f'dovecot start failed: {f.read().strip()}')

    def stop(self):
        etc = os.path.join(self.pf, 'etc')
        if os.path.exists(os.path.join(etc, 'main.cf')):
            _run(['postfix', '-c', etc, 'stop'])
        conf = os.path.join(self.dc, 'dovecot.conf')
        if os.path.exists(conf):
            subprocess.run(['doveadm', '-c', conf, 'stop'], capture_output=True, timeout=60)
        # make sure: whatever is left of either master tree
        for pid in procmem.tree(self.root_pids()):
            try:
                os.kill(pid, 9)
            except OSError:
                pass

    # ---- what the benchmarks observe

    def _maildir(self, user):
        return os.path.join(self.mail, self.domain, user)

    def mailbox_count(self, user):
        """Messages delivered to a user: the files in its Maildir's new/ and cur/ (what Dovecot
        lists), counted on disk so that watching a delivery costs the server nothing."""
        n = 0
        for sub in ('new', 'cur'):
            try:
                n += len(os.listdir(os.path.join(self._maildir(user), sub)))
            except FileNotFoundError:
                pass  # no delivery yet: virtual(8) creates the Maildir with the first one
        return n

    def disk_usage(self):
        """Bytes on disk (du -sb) of what holds mail: Postfix's queue directory, and the
        Maildirs with Dovecot's index files in them."""
        return {'Postfix queue': du(os.path.join(self.pf, 'queue')),
                'Maildirs (with Dovecot indexes)': du(self.mail)}

    def live_content(self):
        """(messages, octets) in all Maildirs, and the messages in Postfix's queue."""
        messages = octets = 0
        for user in self.users:
            for sub in ('new', 'cur'):
                d = os.path.join(self._maildir(user), sub)
                for name in os.listdir(d) if os.path.isdir(d) else []:
                    messages += 1
                    octets += os.path.getsize(os.path.join(d, name))
        r = subprocess.run(['postqueue', '-c', os.path.join(self.pf, 'etc'), '-j'],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f'postqueue -j failed: {r.stderr.strip()}')
        # one JSON object per queued message
        queued = sum(1 for line in r.stdout.splitlines() if line.startswith('{'))
        return messages, octets, queued

    def root_pids(self):
        pids = []
        for path in (os.path.join(self.pf, 'queue', 'pid', 'master.pid'),
                     os.path.join(self.dc, 'run', 'master.pid')):
            try:
                with open(path) as f:
                    pid = int(f.read().split()[0])
                if os.path.exists(f'/proc/{pid}'):
                    pids.append(pid)
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def describe(self):
        v = subprocess.run(['postconf', '-d', '-h', 'mail_version'], capture_output=True,
                           text=True).stdout.strip()
        d = subprocess.run(['dovecot', '--version'], capture_output=True, text=True).stdout.split()
        return f'Postfix {v} + Dovecot {d[0] if d else "?"}'

    def log_tail(self):
        out = []
        for path in (os.path.join(self.pf, 'maillog'), os.path.join(self.dc, 'dovecot.log')):
            try:
                with open(path, errors='replace') as f:
                    out.append(f'--- {path}\n' + ''.join(f.readlines()[-15:]))
            except OSError:
                pass
        return '\n'.join(out)


def du(path):
    """Bytes used on disk under path, as `du -sb` counts them."""
    r = subprocess.run(['du', '-sb', path], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f'du -sb {path}: {r.stderr.strip()}')
    return int(r.stdout.split()[0])
