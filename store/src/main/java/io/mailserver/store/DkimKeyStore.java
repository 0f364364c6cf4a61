package io.mailserver.store;

import java.util.List;

/** DKIM keys per domain and selector (migration V7). Key material is made by the caller (mailauth's DkimKeys). */
public interface DkimKeyStore {
    /**
     * Adds active keys to a local domain, in one transaction.
     * @throws NotFoundException if the domain is not local
     * @throws ConflictException if the domain already has one of the selectors
     */
    List<DkimKey> add(String domain, List<DkimKey.New> keys);

    /**
     * Makes these the domain's only active keys: the active ones become {@link DkimKey.State#ROTATED}
     * (published, no longer signing), in the same transaction that adds the new ones.
     */
    List<DkimKey> rotate(String domain, List<DkimKey.New> keys);

    /**
     * Retires one key: it signs nothing and is no longer listed as a DNS record to publish.
     * @throws NotFoundException if the domain has no such selector
     */
    DkimKey retire(String domain, String selector);

    /** Every key of every domain, by domain and selector; without private keys. */
    List<DkimKey> list();

    /** The keys of one domain, by selector; without private keys. */
    List<DkimKey> list(String domain);

    /** The active keys of exactly this domain, with private keys; empty when it has none (or is not local). */
    List<DkimKey.Signing> signingKeys(String domain);
}
