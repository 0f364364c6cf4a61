package io.mailserver.mta.smtp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.mailserver.session.Login;
import io.mailserver.session.Printable;
import io.mailserver.session.TlsInfo;

/**
 * Connection-scoped facts of one SMTP session (the envelope lives in {@link Transaction}): who the
 * client is, what it said in HELO/EHLO, TLS and AUTH state, and counters for limits and logs.
 */
public final class SmtpSession {
    private final String id;
    private final InetAddress remoteAddress;
    private final boolean trustedNetwork;
    private final ListenerProfile profile;
    private String helo;
    /** The forward-confirmed reverse DNS name, "unknown", or null when no lookup is made. */
    private String clientName;
    private boolean esmtp;
    private TlsInfo tls;
    private String authenticatedUser;
    private int errorCount;
    private Login.Client loginClient;
    /** verb log name -> {accepted, total}, in first-use order, for the Postfix-style summary line. */
    private final Map<String, int[]> commandCounts = new LinkedHashMap<>();

    public SmtpSession(String id, InetAddress remoteAddress, boolean trustedNetwork, ListenerProfile profile) {
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.trustedNetwork = trustedNetwork;
        this.profile = profile;
    }

    public String id() {
        return id;
    }

    public InetAddress remoteAddress() {
        return remoteAddress;
    }

    /** The client address as an RFC 5321 address literal: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    public String remoteLiteral() {
        if (remoteAddress instanceof Inet6Address) {
            String text = remoteAddress.getHostAddress();
            int zone = text.indexOf('%');
            return "[IPv6:" + (zone < 0 ? text : text.substring(0, zone)) + "]";
        }
        return "[" + remoteAddress.getHostAddress() + "]";
    }

    /** The client as Postfix logs it: {@code helo[ip]}, or {@code unknown[ip]} before HELO (the name made safe for a log line). */
    public String clientForLog() {
        return (helo == null ? "unknown" : Printable.forLog(helo)) + "[" + remoteAddress.getHostAddress() + "]";
    }

    /**
     * The client's forward-confirmed reverse DNS name for the Received header ({@code unknown} when there is
     * none), or null when reverse lookups are off.
     */
    public String clientName() {
        return clientName;
    }

    public void clientName(String name) {
        this.clientName = name;
    }

    public boolean isTrustedNetwork() {
        return trustedNetwork;
    }

    public ListenerProfile profile() {
        return profile;
    }

    /** Trusted networks and authenticated users may relay and see VRFY/EXPN answers (by default). */
    public boolean isTrusted() {
        return trustedNetwork || authenticatedUser != null;
    }

    public String helo() {
        return helo;
    }

    public boolean esmtp() {
        return esmtp;
    }

    public void greeted(String heloName, boolean extended) {
        this.helo = heloName;
        this.esmtp = extended;
    }

    public boolean tlsActive() {
        return tls != null;
    }

    /** What the TLS handshake negotiated (for the Received header and logs), or null without TLS. */
    public TlsInfo tls() {
        return tls;
    }

    /** The TLS handshake completed: from now on the session is encrypted. */
    public void tlsEstablished(TlsInfo negotiated) {
        this.tls = negotiated;
    }

    /**
     * RFC 3207 4.2: after STARTTLS the server forgets what the client told it before (the EHLO argument above
     * all) and the client must greet again. Counters for limits and logs stay.
     */
    public void forgetGreeting() {
        this.helo = null;
        this.esmtp = false;
    }

    /** The authenticated user's address (the store's lookup form), or null. */
    public String authenticatedUser() {
        return authenticatedUser;
    }

    public void setAuthenticatedUser(String authenticatedUser) {
        this.authenticatedUser = authenticatedUser;
    }

    /** This connection's logins (they count its failed AUTHs), made by {@code create} on first use. */
    public Login.Client loginClient(Supplier<Login.Client> create) {
        if (loginClient == null) {
            loginClient = create.get();
        }
        return loginClient;
    }

    public int errorCount() {
        return errorCount;
    }

    public int addError() {
        return ++errorCount;
    }

    /** Postfix resets the error count when a message was delivered; so do we. */
    public void resetErrors() {
        errorCount = 0;
    }

    public void countCommand(String name, boolean accepted) {
        int[] c = commandCounts.computeIfAbsent(name, n -> new int[2]);
        if (accepted) {
            c[0]++;
        }
        c[1]++;
    }

    /** {@code ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6}: "n" when all were accepted, else "accepted/total". */
    public String commandSummary() {
        StringBuilder sb = new StringBuilder();
        int ok = 0;
        int total = 0;
        for (Map.Entry<String, int[]> e : commandCounts.entrySet()) {
            int[] c = e.getValue();
            ok += c[0];
            total += c[1];
            sb.append(e.getKey()).append('=').append(count(c[0], c[1])).append(' ');
        }
        sb.append("commands=").append(count(ok, total));
        return sb.toString();
    }

    private static String count(int ok, int total) {
        return ok == total ? Integer.toString(total) : ok + "/" + total;
    }
}
