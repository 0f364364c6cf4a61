package io.mailserver.relay.client;

import java.util.List;

/** One SMTP transaction to make: reverse path ("" for the null sender), forward paths, content. */
public record Envelope(String sender, List<String> recipients, MessageContent content) {
    public Envelope {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
    }
}
