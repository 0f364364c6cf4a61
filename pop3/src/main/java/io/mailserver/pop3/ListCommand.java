package io.mailserver.pop3;

/**
 * {@code LIST [msg]} (RFC 1939 section 5): the exact size of one message, or a scan listing of every
 * message not marked deleted. Sizes are what RETR sends before byte-stuffing.
 */
final class ListCommand extends ScanListingCommand {
    ListCommand() {
        super("Syntax: LIST [message number]");
    }

    @Override
    String entry(MaildropSnapshot m, int n) {
        return String.valueOf(m.size(n));
    }

    @Override
    String listingHeader(MaildropSnapshot m) {
        return Pop3Reply.messages(m.liveCount()) + " (" + m.liveSize() + " octets)";
    }
}
