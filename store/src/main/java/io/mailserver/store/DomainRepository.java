package io.mailserver.store;

import java.util.List;
import java.util.Optional;

public interface DomainRepository {
    /** @throws ConflictException if it exists */
    Domain add(String name);

    List<Domain> list();

    Optional<Domain> find(String name);

    /** True if mail for this domain (case-insensitive, trailing dot ignored) is delivered here. */
    boolean isLocal(String name);

    /**
     * Removes a domain. Without {@code force} it refuses ({@link ConflictException}) while users or aliases
     * remain; with it, removes them too (and their mail, as {@link UserRepository#remove} does).
     * @throws NotFoundException if it does not exist
     */
    void remove(String name, boolean force);
}
