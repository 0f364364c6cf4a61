package io.mailserver.mta.smtp;

/**
 * Who may send mail where (docs/design.md, contract 7: open relay cannot happen by configuration mistake).
 * A pure function of three facts, tested as a table:
 * <ul>
 * <li>a local domain: accepted from anyone (then the mailbox must exist: 550 5.1.1 otherwise);</li>
 * <li>any other domain (address literals included): only from trusted networks or authenticated
 *     sessions; everyone else gets 554 5.7.1 at RCPT.</li>
 * </ul>
 * The address is judged exactly as parsed: {@code %} and {@code !} in a local part route nothing,
 * a source route is ignored, and the domain is compared case-insensitively without a trailing dot.
 */
public final class RelayPolicy {
    private RelayPolicy() {
    }

    public enum Decision { LOCAL, RELAY, DENY }

    public static Decision decide(boolean localDomain, boolean trustedNetwork, boolean authenticated) {
        if (localDomain) {
            return Decision.LOCAL;
        }
        return trustedNetwork || authenticated ? Decision.RELAY : Decision.DENY;
    }
}
