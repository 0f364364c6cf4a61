package io.mailserver.mta.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.mailserver.config.ServerConfig.Disclosure;
import io.mailserver.store.Alias;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.Resolution;
import io.mailserver.store.User;

/**
 * VRFY and EXPN answered from the store (RFC 5321 3.5). Who gets real answers is {@code smtp.vrfy} /
 * {@code smtp.expn}: everyone, trusted (trusted networks and authenticated sessions) or nobody; the
 * others get VRFY 252 2.5.1 and EXPN 502 5.5.1. The argument is a full address ({@code alice@example.test},
 * brackets allowed) or a bare name ({@code alice}) looked up in every local domain.
 */
final class VerifyCommands {
    private final MailStore store;
    private final SmtpSettings settings;
    private final RecipientResolver resolver;

    VerifyCommands(MailStore store, SmtpSettings settings, RecipientResolver resolver) {
        this.store = store;
        this.settings = settings;
        this.resolver = resolver;
    }

    static boolean discloses(Disclosure who, SmtpSession session) {
        return who == Disclosure.EVERYONE || (who == Disclosure.TRUSTED && session.isTrusted());
    }

    SmtpReply vrfy(String argument, SmtpSession session) {
        String arg = unbracket(argument);
        if (arg.isEmpty()) {
            return Replies.SYNTAX_VRFY; // RFC 5321 4.1.1.6: "VRFY" SP String; a syntax error whoever asks
        }
        if (!discloses(settings.vrfy(), session)) {
            return Replies.CANNOT_VRFY;
        }
        if (arg.length() > PathParser.MAX_PATH) {
            return Replies.SYNTAX_VRFY; // an address is at most 256 octets (RFC 5321 4.5.3.1.3); keeps the reply short
        }
        if (arg.contains("@")) {
            MailAddress address;
            try {
                address = PathParser.parseMailbox(arg);
            } catch (IllegalArgumentException e) {
                return Replies.badRecipientSyntax(e.getMessage());
            }
            Resolution r = store.directory().resolve(address);
            return switch (r.kind()) {
                case USER -> Replies.verified(describe(r.localUsers().get(0)));
                case ALIAS -> Replies.verified(address.key());
                case NOT_LOCAL -> Replies.notLocal(address.toString());
                case UNKNOWN_LOCAL -> address.localPart().equalsIgnoreCase(RecipientResolver.POSTMASTER)
                        ? Replies.verified(address.key())
                        : Replies.unknownMailbox(address.toString());
            };
        }
        if (!PathParser.isDotString(arg)) {
            return Replies.SYNTAX_VRFY;
        }
        List<String> candidates = byName(arg);
        if (candidates.isEmpty() && arg.equalsIgnoreCase(RecipientResolver.POSTMASTER)) {
            Optional<String> domain = resolver.primaryDomain();
            if (domain.isPresent()) {
                return Replies.verified(RecipientResolver.POSTMASTER + "@" + domain.get());
            }
        }
        return switch (candidates.size()) {
            case 0 -> Replies.unknownMailbox(arg);
            case 1 -> Replies.verified(candidates.get(0));
            default -> Replies.ambiguous(arg, candidates);
        };
    }

    SmtpReply expn(String argument, SmtpSession session) {
        if (!discloses(settings.expn(), session)) {
            return Replies.EXPN_NOT_AVAILABLE;
        }
        String arg = unbracket(argument);
        if (arg.isEmpty() || arg.length() > PathParser.MAX_PATH) {
            return Replies.SYNTAX_EXPN;
        }
        MailAddress address;
        if (arg.contains("@")) {
            try {
                address = PathParser.parseMailbox(arg);
            } catch (IllegalArgumentException e) {
                return Replies.badRecipientSyntax(e.getMessage());
            }
        } else {
            if (!PathParser.isDotString(arg)) {
                return Replies.SYNTAX_EXPN;
            }
            List<MailAddress> named = new ArrayList<>();
            store.directory().findUsersByLocalPart(arg).forEach(u -> named.add(MailAddress.parse(u.address())));
            aliasesNamed(arg).forEach(a -> named.add(MailAddress.parse(a.address())));
            if (named.isEmpty()) {
                return Replies.unknownMailbox(arg);
            }
            if (named.size() > 1) {
                return Replies.ambiguous(arg, named.stream().map(MailAddress::key).toList());
            }
            address = named.get(0);
        }
        Resolution r = store.directory().resolve(address);
        return switch (r.kind()) {
            case ALIAS -> members(address, r);
            case USER -> Replies.notAList(address.key());
            case NOT_LOCAL -> Replies.notLocal(address.toString());
            case UNKNOWN_LOCAL -> Replies.unknownMailbox(address.toString());
        };
    }

    /** RFC 5321 3.5.2: one mailbox per line of a multi-line 250. */
    private static SmtpReply members(MailAddress list, Resolution r) {
        List<String> lines = new ArrayList<>();
        r.localUsers().forEach(u -> lines.add(describe(u)));
        r.remoteAddresses().forEach(a -> lines.add("<" + a + ">"));
        if (lines.isEmpty()) {
            return Replies.unknownMailbox(list.key());
        }
        return SmtpReply.multi(250, "2.1.5", lines);
    }

    /** Users and aliases of every local domain whose local part is {@code name}, as addresses or {@code Name <address>}. */
    private List<String> byName(String name) {
        List<String> out = new ArrayList<>();
        store.directory().findUsersByLocalPart(name).forEach(u -> out.add(describe(u)));
        aliasesNamed(name).forEach(a -> out.add(a.address()));
        return out;
    }

    private List<Alias> aliasesNamed(String name) {
        return store.aliases().list(Optional.empty()).stream()
                .filter(a -> {
                    int at = a.address().lastIndexOf('@');
                    return at > 0 && a.address().substring(0, at).equalsIgnoreCase(name);
                })
                .toList();
    }

    /** RFC 5321 3.5.1: {@code User Name <local-part@domain>} or {@code local-part@domain}. */
    static String describe(User u) {
        String name = u.displayName();
        if (name == null || name.isBlank() || !isPrintableAscii(name)) {
            return u.address();
        }
        return phrase(name.strip()) + " <" + u.address() + ">";
    }

    /** An RFC 5322 phrase: atoms as they are, anything else as a quoted string. */
    private static String phrase(String name) {
        boolean plain = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != ' ' && !MailAddress.isAtext(c)) {
                plain = false;
                break;
            }
        }
        if (plain) {
            return name;
        }
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    private static String unbracket(String argument) {
        String a = argument.strip();
        if (a.length() >= 2 && a.startsWith("<") && a.endsWith(">")) {
            return a.substring(1, a.length() - 1);
        }
        return a;
    }
}
