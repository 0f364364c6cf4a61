package io.mailserver.pop3;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import io.mailserver.store.MaildropEntry;

/**
 * The maildrop as it was at login, with this session's deletion marks (docs/design.md, "POP3 as a snapshot").
 * Message numbers are 1-based positions in the snapshot and never change during the session (RFC 1939
 * section 5); mail that arrives meanwhile shows in the next session. DELE only sets a mark here; QUIT
 * hands the marked uids to the store in one call.
 */
final class MaildropSnapshot {
    private final long[] uids;
    private final long[] sizes;
    private final BitSet deleted = new BitSet();

    MaildropSnapshot(List<MaildropEntry> entries) {
        uids = new long[entries.size()];
        sizes = new long[entries.size()];
        for (int i = 0; i < uids.length; i++) {
            uids[i] = entries.get(i).uid();
            sizes[i] = entries.get(i).size();
        }
    }

    /** Messages at login, deleted ones included. */
    int count() {
        return uids.length;
    }

    /** True for a number in 1..count(), deleted or not. */
    boolean exists(int number) {
        return number >= 1 && number <= uids.length;
    }

    boolean isDeleted(int number) {
        return deleted.get(number - 1);
    }

    long uid(int number) {
        return uids[number - 1];
    }

    long size(int number) {
        return sizes[number - 1];
    }

    void markDeleted(int number) {
        deleted.set(number - 1);
    }

    /** RSET: unmark everything (RFC 1939 section 5). */
    void unmarkAll() {
        deleted.clear();
    }

    int liveCount() {
        return uids.length - deleted.cardinality();
    }

    long liveSize() {
        long total = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (!deleted.get(i)) {
                total += sizes[i];
            }
        }
        return total;
    }

    long totalSize() {
        long total = 0;
        for (long s : sizes) {
            total += s;
        }
        return total;
    }

    List<Long> markedUids() {
        List<Long> out = new ArrayList<>(deleted.cardinality());
        for (int i = deleted.nextSetBit(0); i >= 0; i = deleted.nextSetBit(i + 1)) {
            out.add(uids[i]);
        }
        return out;
    }
}
