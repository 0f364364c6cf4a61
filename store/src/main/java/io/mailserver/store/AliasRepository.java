package io.mailserver.store;

import java.util.List;
import java.util.Optional;

public interface AliasRepository {
    /**
     * Creates the alias, or adds targets to an existing one. Refuses a loop (an alias that reaches itself),
     * an alias outside a local domain, and an address that is a user.
     */
    Alias add(MailAddress alias, List<MailAddress> targets);

    Optional<Alias> find(MailAddress alias);

    List<Alias> list(Optional<String> domain);

    /** Removes the given targets, or the whole alias when none are given (or none remain). */
    void remove(MailAddress alias, List<MailAddress> targets);
}
