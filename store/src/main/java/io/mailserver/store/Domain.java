package io.mailserver.store;

import java.time.Instant;

public record Domain(long id, String name, Instant createdAt) {
}
