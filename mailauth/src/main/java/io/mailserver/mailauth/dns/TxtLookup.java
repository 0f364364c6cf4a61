package io.mailserver.mailauth.dns;

/**
 * The one DNS question message authentication asks: the TXT records of a name (DKIM keys, SPF and DMARC
 * policies). Implementations never throw for DNS trouble; every outcome is a {@link TxtAnswer}.
 */
@FunctionalInterface
public interface TxtLookup {
    TxtAnswer txt(String name);
}
