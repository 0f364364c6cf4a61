package io.mailserver.store;

import java.util.List;

/**
 * What an address expands to: the local users that get a copy (each once) and the external addresses
 * to queue. {@code kind} says why: a user, an alias or list, an unknown address in a local domain,
 * or an address in a domain that is not local.
 */
public record Resolution(Kind kind, List<User> localUsers, List<String> remoteAddresses) {
    public enum Kind { USER, ALIAS, UNKNOWN_LOCAL, NOT_LOCAL }

    public boolean deliverable() {
        return kind == Kind.USER || kind == Kind.ALIAS;
    }
}
