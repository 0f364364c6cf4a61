package io.mailserver.store;

/** One message in a maildrop: {@code uid} is unique and never reused; {@code size} is exactly what RETR sends, before byte-stuffing. */
public record MaildropEntry(long uid, long size) {
}
