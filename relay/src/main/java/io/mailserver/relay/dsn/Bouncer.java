package io.mailserver.relay.dsn;

import io.mailserver.store.Delivery;
import io.mailserver.store.Directory;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MessageStore;
import io.mailserver.store.QueueIds;
import io.mailserver.store.Resolution;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a DSN to the envelope sender of a message, from the null sender, delivered like any other
 * mail: into the sender's mailbox when the sender is local, into the outbound queue otherwise.
 * Never for a message whose own sender is null (RFC 5321 6.1 / RFC 3464 2: no bounce of a bounce).
 * Free of MINA: the queue runner and mailctl both use it.
 */
public final class Bouncer {
    private static final Logger LOG = LoggerFactory.getLogger(Bouncer.class);

    private final MessageStore messages;
    private final Directory directory;
    private final String hostname;

    public Bouncer(MessageStore messages, Directory directory, String hostname) {
        this.messages = messages;
        this.directory = directory;
        this.hostname = hostname;
    }

    /** What is reported on: the message's queue id, envelope sender, arrival and a way to read its headers. */
    public record Original(String queueId, String sender, Instant arrival, Supplier<InputStream> content) {
    }

    /**
     * Sends one notification about these recipients of one message.
     *
     * @return the queue id of the notification, or empty when none was sent (null sender, or a sender
     *         that is no mailbox here)
     * @throws StoreException when the notification could not be stored; then nothing was stored
     */
    public Optional<String> notify(Original original, List<DsnRecipient> recipients, Optional<Instant> willRetryUntil, Instant now) {
        if (original.sender().isEmpty()) {
            return Optional.empty();
        }
        MailAddress sender;
        try {
            sender = MailAddress.parse(original.sender());
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: no notification: sender <{}> is not a valid address", original.queueId(), original.sender());
            return Optional.empty();
        }
        Resolution where = directory.resolve(sender);
        if (where.kind() == Resolution.Kind.UNKNOWN_LOCAL) {
            LOG.warn("{}: no notification: sender <{}> is in a local domain but is no mailbox", original.queueId(), original.sender());
            return Optional.empty();
        }
        String dsnQueueId = QueueIds.next();
        DsnMessage dsn = new DsnMessage(hostname, original.sender(), original.queueId(), original.arrival(), recipients, willRetryUntil, now);
        try (Delivery delivery = messages.begin("", dsnQueueId)) {
            try (InputStream in = original.content().get()) {
                dsn.writeTo(delivery.content(), in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (where.kind() == Resolution.Kind.NOT_LOCAL) {
                delivery.addRemoteRecipient(sender.toString());
            } else {
                for (User u : where.localUsers()) {
                    delivery.addLocalRecipient(u.id());
                }
                for (String remote : where.remoteAddresses()) {
                    delivery.addRemoteRecipient(remote);
                }
            }
            delivery.commit();
        }
        boolean delayed = recipients.stream().allMatch(r -> r.action() == DsnRecipient.Action.DELAYED);
        LOG.info("{}: sender {} notification: {}", original.queueId(), delayed ? "delay" : "non-delivery", dsnQueueId);
        return Optional.of(dsnQueueId);
    }
}
