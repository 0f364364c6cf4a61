package io.mailserver.store.jdbc;

import java.util.Locale;

/**
 * Where new message content is written (configuration key {@code db.content}). Content already stored
 * is read from wherever its message row says, so a store can change its choice at a restart.
 */
public enum ContentStorage {
    /** One file per message under {@code <data-dir>/content/}; only metadata in the database. */
    FILES,
    /** Chunk rows in the database ({@code message_chunks}): every node over one PostgreSQL sees the content. */
    DATABASE;

    /**
     * The choice for a configured value: {@code files}, {@code database}, or {@code auto} (files for an
     * H2 database, the database for PostgreSQL, whose nodes share nothing but the database).
     */
    static ContentStorage choose(String configured, String jdbcUrl) {
        String v = configured == null ? "auto" : configured.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "files" -> FILES;
            case "database" -> DATABASE;
            case "auto", "" -> jdbcUrl.startsWith("jdbc:h2:") ? FILES : DATABASE;
            default -> throw new IllegalArgumentException("db.content: expected auto, files or database, not " + configured);
        };
    }
}
