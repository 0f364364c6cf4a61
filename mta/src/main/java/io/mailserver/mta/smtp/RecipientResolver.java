package io.mailserver.mta.smtp;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.session.Printable;
import io.mailserver.store.Domain;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.Resolution;
import io.mailserver.store.User;

/**
 * Finds where a recipient leads at RCPT time: the directory (users, aliases expanded recursively), then the
 * postmaster rule. Whether the client may send there is the RCPT checks' business. Reads the store on every
 * call, so a user or alias added with mailctl counts for the very next RCPT.
 *
 * <p><b>Postmaster rule</b> (RFC 5321 4.5.1: {@code postmaster@} every local domain must work, and
 * {@code <Postmaster>} without a domain too). When no user or alias of that name exists, the mail goes
 * to {@code server.postmaster}; when that is unset (or names no mailbox), to the earliest-created enabled
 * user of that domain; when the domain has no user, RCPT gets {@code 451 4.3.0} so the sender retries
 * and nothing is lost. A bare {@code <Postmaster>} means the postmaster of {@code server.default-domain},
 * else of the server's host name if that is a local domain, else of the oldest local domain.
 */
final class RecipientResolver {
    private static final Logger log = LoggerFactory.getLogger(RecipientResolver.class);
    static final String POSTMASTER = "postmaster";

    /** Where an address leads, and (for LOCAL and REMOTE) the mailboxes and queue rows it stands for. */
    record Fate(Recipient.Placement placement, AcceptedRecipient accepted) {
        static Fate local(AcceptedRecipient r) {
            return new Fate(Recipient.Placement.LOCAL, r);
        }

        static Fate nowhere(Recipient.Placement placement) {
            return new Fate(placement, null);
        }
    }

    private final MailStore store;
    private final SmtpSettings settings;

    RecipientResolver(MailStore store, SmtpSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    Fate resolve(ForwardPath path) {
        if (path.isBarePostmaster()) {
            return barePostmaster(path);
        }
        MailAddress address = path.mailbox();
        Resolution resolution = store.directory().resolve(address);
        if (resolution.kind() == Resolution.Kind.NOT_LOCAL) {
            return new Fate(Recipient.Placement.REMOTE, new AcceptedRecipient(path, List.of(), List.of(remoteForm(address))));
        }
        if (resolution.deliverable()) {
            return Fate.local(fate(path, resolution));
        }
        if (address.localPart().equalsIgnoreCase(POSTMASTER)) {
            return postmasterFallback(path, address.normalizedDomain());
        }
        return Fate.nowhere(Recipient.Placement.UNKNOWN);
    }

    /** The queued form of a remote address: the local part as written (it may be case-sensitive there), the domain without a trailing dot. */
    static String remoteForm(MailAddress a) {
        return a.localPart() + "@" + (a.isAddressLiteral() ? a.domain() : a.normalizedDomain());
    }

    private static AcceptedRecipient fate(ForwardPath path, Resolution r) {
        return new AcceptedRecipient(path, r.localUsers().stream().map(User::id).toList(), r.remoteAddresses());
    }

    private Fate barePostmaster(ForwardPath path) {
        Optional<String> domain = primaryDomain();
        if (domain.isPresent()) {
            Resolution r = store.directory().resolve(new MailAddress(POSTMASTER, domain.get()));
            if (r.deliverable()) {
                return Fate.local(fate(path, r));
            }
        }
        return postmasterFallback(path, domain.orElse(null));
    }

    /** The domain a bare {@code <Postmaster>} belongs to. */
    Optional<String> primaryDomain() {
        if (settings.defaultDomain().isPresent() && store.directory().isLocalDomain(settings.defaultDomain().get())) {
            return settings.defaultDomain();
        }
        if (store.directory().isLocalDomain(settings.hostname())) {
            return Optional.of(settings.hostname().toLowerCase(Locale.ROOT));
        }
        return store.domains().list().stream().min(Comparator.comparing(Domain::createdAt).thenComparing(Domain::id)).map(Domain::name);
    }

    private Fate postmasterFallback(ForwardPath path, String domain) {
        if (settings.postmaster().isPresent()) {
            String configured = settings.postmaster().get();
            try {
                MailAddress target = PathParser.parseMailbox(configured);
                Resolution r = store.directory().resolve(target);
                if (r.deliverable()) {
                    return Fate.local(fate(path, r));
                }
                if (r.kind() == Resolution.Kind.NOT_LOCAL) {
                    // the operator chose an outside address: queue it whoever the client is
                    return Fate.local(new AcceptedRecipient(path, List.of(), List.of(remoteForm(target))));
                }
                log.warn("server.postmaster = {} is no user or alias here; using the domain's oldest user", configured);
            } catch (IllegalArgumentException e) {
                log.warn("server.postmaster = {} is not an address ({}); using the domain's oldest user", configured, e.getMessage());
            }
        }
        if (domain != null) {
            Optional<User> oldest = store.users().list(Optional.of(domain)).stream()
                    .filter(User::enabled)
                    .min(Comparator.comparing(User::createdAt).thenComparing(User::id));
            if (oldest.isPresent()) {
                return Fate.local(new AcceptedRecipient(path, List.of(oldest.get().id()), List.of()));
            }
        }
        log.warn("mail for {} cannot be placed: no server.postmaster and no user in {}; answered 451", Printable.forLog(path.toString()),
                Printable.forLog(domain));
        return Fate.nowhere(Recipient.Placement.NO_POSTMASTER);
    }
}
