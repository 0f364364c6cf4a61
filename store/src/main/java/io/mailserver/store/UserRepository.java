package io.mailserver.store;

import java.util.List;
import java.util.Optional;

public interface UserRepository {
    /**
     * Creates a user with a password (hashed here, never stored in clear) in one transaction.
     * @throws NotFoundException if the domain is not local; ConflictException if the address is a user or alias already
     */
    User add(MailAddress address, String displayName, char[] password);

    Optional<User> find(MailAddress address);

    Optional<User> findById(long id);

    /** All users, or those of one domain; ordered by address. */
    List<User> list(Optional<String> domain);

    void setPassword(MailAddress address, char[] password);

    void setEnabled(MailAddress address, boolean enabled);

    /** Removes the user, its mailbox entries (content reclaimed when no other mailbox or queue row uses it) and its alias memberships. */
    void remove(MailAddress address);

    /**
     * Checks a password in constant time, whether or not the user exists.
     * @return the user when the password is right and the user is enabled
     */
    Optional<User> authenticate(MailAddress address, char[] password);
}
