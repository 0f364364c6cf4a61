package io.mailserver.store;

import java.io.OutputStream;

/**
 * One message on its way into the store: content streamed first, then the recipients' fates, then one
 * durable commit (docs/design.md, contracts 2 and 3). Heap use does not depend on the message size.
 */
public interface Delivery extends AutoCloseable {
    /** Where the message bytes go (after any headers the caller prepends). Write, then call {@link #commit()}. */
    OutputStream content();

    /**
     * Header lines (each ending CRLF) to store in front of everything written to {@link #content()}; for
     * fields known only once the content has streamed in (e.g. {@code Authentication-Results}). Call before
     * {@link #commit()}; a second call puts its lines in front of the first's.
     */
    void prepend(byte[] headerLines);

    /** A copy into this local user's mailbox. */
    void addLocalRecipient(long userId);

    /** A row in the outbound queue for this remote address. */
    void addRemoteRecipient(String address);

    /**
     * Stores content, mailbox entries and queue rows in one transaction and returns only once it has
     * reached the disk (group commit: one sync covers many deliveries).
     * @return the message id
     * @throws UncertainCommitException if the commit happened but could neither be made durable nor be
     *     withdrawn (the message is stored; see there)
     * @throws StoreException if anything else failed; then nothing was stored, or what the commit stored
     *     has been withdrawn again because the disk sync after it failed
     */
    long commit();

    /** Discards what was written. Safe to call after commit or twice. */
    @Override
    void close();
}
