"""python3-dkim (dkimpy), an independent DKIM implementation, driven by the interoperability tests.

  pydkim.py verify DNS_PORT MESSAGE_FILE
      Verifies every DKIM-Signature of the message, keys looked up over DNS at 127.0.0.1:DNS_PORT.
      One line per signature: "<idx> <a=> <d=> <s=> pass|fail|error <detail>". Exit 0 iff there is at
      least one signature and all pass.
  pydkim.py sign MESSAGE_FILE SELECTOR DOMAIN KEY_FILE rsa-sha256|ed25519-sha256 HEADER/BODY [length]
      Prints the DKIM-Signature field dkimpy makes (KEY_FILE: PEM for RSA, base64 seed for Ed25519).
"""
import sys

import dkim
import dns.resolver


def txt_lookup(port):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ['127.0.0.1']
    resolver.port = port
    resolver.lifetime = 5

    def dnsfunc(name, timeout=5):
        try:
            answer = resolver.resolve(name.decode('ascii').rstrip('.') + '.', 'TXT')
        except Exception:
            return None
        for record in answer:
            return b''.join(record.strings)
        return None
    return dnsfunc


def verify(port, path):
    message = open(path, 'rb').read()
    d = dkim.DKIM(message)
    signatures = [v for (k, v) in d.headers if k.lower() == b'dkim-signature']
    all_pass = bool(signatures)
    for idx, value in enumerate(signatures):
        tags = dict(t.strip().split(b'=', 1) for t in value.split(b';') if b'=' in t)
        label = b' '.join([tags.get(b'a', b'?'), tags.get(b'd', b'?'), tags.get(b's', b'?')]).decode('ascii', 'replace')
        try:
            ok = dkim.DKIM(message).verify(idx=idx, dnsfunc=txt_lookup(port))
            print(idx, label, 'pass' if ok else 'fail')
            all_pass = all_pass and ok
        except dkim.DKIMException as e:
            print(idx, label, 'error', e)
            all_pass = False
    return 0 if all_pass else 1


def sign(path, selector, domain, key_path, algorithm, canonicalization, length):
    header, body = canonicalization.split('/')
    field = dkim.sign(open(path, 'rb').read(), selector.encode(), domain.encode(), open(key_path, 'rb').read(),
                      canonicalize=(header.encode(), body.encode()), signature_algorithm=algorithm.encode(),
                      length=length)
    sys.stdout.write(field.decode('ascii'))
    return 0


if __name__ == '__main__':
    if sys.argv[1] == 'verify':
        sys.exit(verify(int(sys.argv[2]), sys.argv[3]))
    sys.exit(sign(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], len(sys.argv) > 8))
