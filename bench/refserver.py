"""The reference: a private Postfix + Dovecot instance, configured as the same small-domain
server as ours, on offset loopback ports, entirely under the bench work directory.

- Postfix (its own config directory, queue and data directories; `postfix -c DIR`): the SMTP
  listener; mail for the local domain is delivered by Postfix's virtual(8) agent into Maildir
  (virtual_mailbox_domains/maps: the standard Postfix setup for a domain whose users are not
  Unix accounts; virtual(8) fsyncs each delivered file); mail for remote.test goes by
  transport_maps to a local smtp-sink; 127.0.0.0/8 is mynetworks (may relay).
- Dovecot (`dovecot -c FILE`, own base_dir): POP3 only, passwd-file users, reading the same
  Maildirs. Both otherwise run on their Debian defaults (process limits, logging to a file).

Nothing here touches the system's own Postfix or Dovecot configuration.
"""
import os
import shutil
import subprocess
import time

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
passdb {{
  driver = passwd-file
  args = username_format=%u {self.dc}/passwd
}}
userdb {{
  driver = static
  args = uid={VMAIL_UID} gid={VMAIL_UID} home={self.mail}/%d/%n
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
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
