package io.mailserver.store;

import java.time.Instant;

/** A mailbox owner. {@code address} is the lookup key form (see {@link MailAddress#key()}). */
public record User(long id, String address, String displayName, boolean enabled, Instant createdAt) {
}
