package io.mailserver.mta.smtp;

import java.util.List;

/**
 * A recipient accepted at RCPT, with its fate decided then: the local users that get a copy (aliases
 * already expanded) and the remote addresses to queue.
 */
public record AcceptedRecipient(ForwardPath path, List<Long> localUserIds, List<String> remoteAddresses) {
    public AcceptedRecipient {
        localUserIds = List.copyOf(localUserIds);
        remoteAddresses = List.copyOf(remoteAddresses);
    }
}
