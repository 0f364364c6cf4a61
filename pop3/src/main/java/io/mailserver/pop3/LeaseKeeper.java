package io.mailserver.pop3;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The maildrop locks held by this node's sessions; {@link #refreshDue()} runs on a timer and extends
 * each one that has used a third of its ttl, so a lock outlives a session only if the node dies.
 */
public final class LeaseKeeper {
    private final Set<MaildropLease> leases = ConcurrentHashMap.newKeySet();

    void add(MaildropLease lease) {
        leases.add(lease);
    }

    void remove(MaildropLease lease) {
        leases.remove(lease);
    }

    public int size() {
        return leases.size();
    }

    public void refreshDue() {
        for (MaildropLease lease : leases) {
            lease.refreshIfDue();
        }
    }
}
