package io.mailserver.pop3;

/** {@code UIDL [msg]} (RFC 1939 section 7): unique ids that stay the same in every session (see {@link Uidl}). */
final class UidlCommand extends ScanListingCommand {
    UidlCommand() {
        super("Syntax: UIDL [message number]");
    }

    @Override
    String entry(MaildropSnapshot m, int n) {
        return Uidl.of(m.uid(n));
    }

    @Override
    String listingHeader(MaildropSnapshot m) {
        return "";
    }
}
