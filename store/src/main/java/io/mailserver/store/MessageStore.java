package io.mailserver.store;

public interface MessageStore {
    /**
     * Starts a delivery. {@code envelopeSender} is the reverse path without brackets ("" for the null
     * sender); it becomes the {@code Return-Path:} line that POP3 shows first. {@code queueId} is the id
     * SMTP reported to the client, kept for logs and the queue.
     */
    Delivery begin(String envelopeSender, String queueId);
}
