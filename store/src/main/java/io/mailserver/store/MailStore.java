package io.mailserver.store;

/** The one store both listeners and mailctl share (docs/design.md, contract 1). */
public interface MailStore extends AutoCloseable {
    DomainRepository domains();

    UserRepository users();

    AliasRepository aliases();

    DkimKeyStore dkimKeys();

    Directory directory();

    MessageStore messages();

    MaildropStore maildrops();

    QueueStore queue();

    /** True while the database answers; used by health checks and by SMTP to answer 451 rather than hang. */
    boolean isAvailable();

    @Override
    void close();
}
