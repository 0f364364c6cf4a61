package io.mailserver.store;

import java.util.List;

/** Read side of users and aliases as SMTP needs it: recipient expansion, VRFY and EXPN. Always reads the store (no cache), so mailctl changes apply at once. */
public interface Directory {
    boolean isLocalDomain(String domain);

    /** Expands aliases recursively; disabled users still receive mail (a disabled user only cannot log in). */
    Resolution resolve(MailAddress address);

    /** Users whose local part (or full address) matches, for VRFY with a bare name. */
    List<User> findUsersByLocalPart(String localPart);
}
