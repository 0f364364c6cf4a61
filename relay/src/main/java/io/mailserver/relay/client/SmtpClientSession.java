package io.mailserver.relay.client;

import io.mailserver.relay.Destination;
import io.mailserver.relay.Hop;
import io.mailserver.relay.Router;
import io.mailserver.relay.RelayTlsPolicy;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP client connection to one hop, on blocking sockets (run it on a delivery thread, never a
 * MINA I/O thread). {@link #open} does greeting, EHLO (HELO fallback), STARTTLS and AUTH;
 * {@link #send} makes one mail transaction, pipelined when the server offers PIPELINING (RFC 2920).
 */
public final class SmtpClientSession implements Closeable {
    private static final int BUFFER = 64 * 1024;

    private final Hop hop;
    private final SmtpTimeouts timeouts;
    private Socket socket;
    private ReplyReader reader;
    private WriteTimeoutOutputStream watched;
    private OutputStream out;
    private ServerFeatures features = ServerFeatures.NONE;
    private boolean tls;
    private boolean needReset;
    private boolean closedByServer;
    private String lastCommand = "CONNECT";

    private SmtpClientSession(Hop hop, SmtpTimeouts timeouts) {
        this.hop = hop;
        this.timeouts = timeouts;
    }

    /**
     * Connects and gets the session ready for transactions.
     *
     * @param useTls false to skip STARTTLS (a retry after a failed opportunistic handshake)
     * @throws SessionFailure when this hop cannot take mail now; the caller tries the next hop
     */
    public static SmtpClientSession open(Hop hop, String heloName, SmtpTimeouts timeouts, ClientTls clientTls, RelayTlsPolicy policy,
                                         boolean useTls, Optional<Destination.Credentials> credentials) throws SessionFailure {
        SmtpClientSession s = new SmtpClientSession(hop, timeouts);
        try {
            s.connect();
            s.greeting();
            s.hello(heloName);
            if (policy != RelayTlsPolicy.NONE && useTls) {
                s.startTls(heloName, clientTls, policy);
            } else if (policy == RelayTlsPolicy.REQUIRED) {
                throw new SessionFailure("TLS is required but was not used with " + hop, false, "4.7.5");
            }
            if (credentials.isPresent()) {
                s.authenticate(credentials.get(), policy);
            }
            return s;
        } catch (SessionFailure e) {
            s.close();
            throw e;
        } catch (IOException e) {
            String reason = s.describe(e);
            s.close();
            throw new SessionFailure(reason, false, "4.4.2");
        }
    }

    public Hop hop() {
        return hop;
    }

    public boolean tlsActive() {
        return tls;
    }

    /** False once the server said 421 or the connection broke: no further transaction on this session. */
    public boolean usable() {
        return !closedByServer && socket != null && !socket.isClosed();
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        lastCommand = "CONNECT";
        socket.connect(new InetSocketAddress(hop.address(), hop.port()), (int) timeouts.connect().toMillis());
        attachStreams(socket);
    }

    private void attachStreams(Socket s) throws IOException {
        reader = new ReplyReader(new BufferedInputStream(s.getInputStream(), 8192));
        watched = new WriteTimeoutOutputStream(s.getOutputStream(), s, timeouts.dataBlock());
        out = new BufferedOutputStream(watched, BUFFER);
    }

    private void greeting() throws IOException, SessionFailure {
        lastCommand = "CONNECT";
        PeerReply r = read(timeouts.greeting());
        if (r.code() != 220) {
            // RFC 5321 3.1: 554 instead of 220 means no SMTP service here
            throw new SessionFailure("host " + hop + " refused to talk to me: " + r.oneLine(), r.isPermanent(), r.status());
        }
    }

    private void hello(String heloName) throws IOException, SessionFailure {
        PeerReply r = command("EHLO " + heloName, timeouts.command());
        if (r.code() == 250) {
            features = ServerFeatures.parse(r);
            return;
        }
        if (r.code() == 421 || r.isTransient()) {
            throw new SessionFailure("host " + hop + " said: " + r.oneLine() + " (in reply to EHLO)", false, r.status());
        }
        // RFC 5321 3.2: a server that does not know EHLO answers 5yz; fall back to HELO
        PeerReply helo = command("HELO " + heloName, timeouts.command());
        if (helo.code() != 250) {
            throw new SessionFailure("host " + hop + " said: " + helo.oneLine() + " (in reply to HELO)", helo.isPermanent(), helo.status());
        }
        features = ServerFeatures.NONE;
    }

    private void startTls(String heloName, ClientTls clientTls, RelayTlsPolicy policy) throws IOException, SessionFailure {
        if (!features.has("STARTTLS")) {
            if (policy == RelayTlsPolicy.REQUIRED) {
                throw new SessionFailure("TLS is required, but host " + hop + " does not offer STARTTLS", false, "4.7.4");
            }
            return;
        }
        PeerReply r = command("STARTTLS", timeouts.command());
        if (r.code() != 220) {
            if (policy == RelayTlsPolicy.REQUIRED || r.code() == 421) {
                throw new SessionFailure("host " + hop + " said: " + r.oneLine() + " (in reply to STARTTLS)", false, "4.7.5");
            }
            return; // opportunistic: go on in clear
        }
        SSLContext ctx = policy == RelayTlsPolicy.REQUIRED ? clientTls.verified() : clientTls.opportunistic();
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(socket, hop.hostName(), hop.port(), true);
        SSLParameters params = ssl.getSSLParameters();
        if (!Router.isIpLiteral(hop.hostName())) {
            params.setServerNames(List.of(new SNIHostName(hop.hostName())));
        }
        if (policy == RelayTlsPolicy.REQUIRED) {
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        }
        ssl.setSSLParameters(params);
        ssl.setUseClientMode(true);
        try {
            ssl.setSoTimeout((int) timeouts.command().toMillis());
            ssl.startHandshake();
        } catch (IOException e) {
            String reason = "TLS handshake with " + hop + " failed: " + PeerReply.printable(String.valueOf(e.getMessage()));
            if (policy == RelayTlsPolicy.REQUIRED) {
                throw new SessionFailure(reason, false, "4.7.5");
            }
            throw new SessionFailure.TlsHandshakeFailed(reason);
        }
        // RFC 3207 4.2: forget everything learned before TLS (and any plaintext bytes buffered after the
        // 220, CVE-2011-0411 class): new streams, then EHLO again
        socket = ssl;
        attachStreams(ssl);
        tls = true;
        hello(heloName);
    }

    private void authenticate(Destination.Credentials credentials, RelayTlsPolicy policy) throws IOException, SessionFailure {
        if (!tls && policy != RelayTlsPolicy.NONE) {
            throw new SessionFailure("not sending the smarthost password to " + hop + " without TLS", false, "4.7.0");
        }
        PeerReply r;
        if (features.authMechanisms().contains("PLAIN")) {
            // RFC 4616: authzid NUL authcid NUL passwd
            String token = base64("\0" + credentials.user() + "\0" + credentials.password());
            r = commandHidden("AUTH PLAIN " + token, "AUTH PLAIN ****");
        } else if (features.authMechanisms().contains("LOGIN")) {
            r = command("AUTH LOGIN", timeouts.command());
            if (r.code() == 334) {
                r = commandHidden(base64(credentials.user()), "(user name)");
            }
            if (r.code() == 334) {
                r = commandHidden(base64(credentials.password()), "(password)");
            }
        } else {
            throw new SessionFailure("host " + hop + " offers no AUTH mechanism I know (PLAIN, LOGIN)", false, "4.7.0");
        }
        if (r.code() != 235) {
            // a wrong smarthost password is the operator's to fix: keep the mail meanwhile
            throw new SessionFailure("SASL authentication with " + hop + " failed: " + r.oneLine(), false, "4.7.0");
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Makes one mail transaction. Recipients the server accepted get the reply to the final ".";
     * refused ones get their RCPT reply. If the connection breaks, unanswered recipients are
     * deferred (after the final "." that may mean a duplicate later: RFC 5321 6.1 accepts that risk).
     */
    public List<RecipientOutcome> send(Envelope envelope) {
        List<String> rcpts = envelope.recipients();
        RecipientOutcome[] outcomes = new RecipientOutcome[rcpts.size()];
        long limit = features.sizeLimit();
        if (limit > 0 && envelope.content().size() > limit) {
            // RFC 1870 6: do not send what the server said it will not take
            String why = "552 5.3.4 message size " + envelope.content().size() + " exceeds the size limit " + limit + " of " + hop;
            return rcpts.stream().map(r -> RecipientOutcome.failed(r, "5.3.4", why)).toList();
        }
        try {
            if (needReset) {
                PeerReply rset = command("RSET", timeouts.command());
                if (rset.code() != 250) {
                    closedByServer = true;
                    throw new IOException("RSET refused: " + rset.oneLine());
                }
                needReset = false;
            }
            transaction(envelope, outcomes);
        } catch (IOException e) {
            String reason = describe(e);
            closedByServer = true;
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null) {
                    outcomes[i] = RecipientOutcome.deferred(rcpts.get(i), "4.4.2", reason);
                }
            }
        }
        return List.of(outcomes);
    }

    private void transaction(Envelope envelope, RecipientOutcome[] outcomes) throws IOException {
        List<String> rcpts = envelope.recipients();
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
        if (features.has("SIZE")) {
            mail.append(" SIZE=").append(envelope.content().size()); // RFC 1870
        }
        if (envelope.content().eightBit() && features.has("8BITMIME")) {
            mail.append(" BODY=8BITMIME"); // RFC 6152
        }
        PeerReply mailReply;
        List<PeerReply> rcptReplies = new ArrayList<>();
        PeerReply dataReply = null;
        boolean pipelining = features.has("PIPELINING");
        needReset = true; // until the transaction completes
        if (pipelining) {
            // RFC 2920 3.1: MAIL, RCPT... and DATA in one group; DATA is the last command of the group
            writeCommand(mail.toString());
            for (String r : rcpts) {
                writeCommand("RCPT TO:<" + r + ">");
            }
            writeCommand("DATA");
            out.flush();
            lastCommand = "MAIL FROM";
            mailReply = read(timeouts.mail());
            for (String r : rcpts) {
                lastCommand = "RCPT TO:<" + r + ">";
                rcptReplies.add(read(timeouts.rcpt()));
            }
            lastCommand = "DATA";
            dataReply = read(timeouts.dataInit());
        } else {
            mailReply = command(mail.toString(), timeouts.mail());
            if (mailReply.isPositive()) {
                for (String r : rcpts) {
                    rcptReplies.add(command("RCPT TO:<" + r + ">", timeouts.rcpt()));
                }
            }
        }
        if (!mailReply.isPositive()) {
            for (int i = 0; i < rcpts.size(); i++) {
                outcomes[i] = RecipientOutcome.of(rcpts.get(i), mailReply);
            }
            abortData(dataReply);
            return;
        }
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < rcpts.size(); i++) {
            PeerReply r = rcptReplies.get(i);
            if (r.code() == 250 || r.code() == 251) {
                accepted.add(i);
            } else if (r.code() == 552) {
                // RFC 5321 4.5.3.1.10: 552 to RCPT for too many recipients is to be treated as temporary
                outcomes[i] = RecipientOutcome.deferred(rcpts.get(i), "4.5.3", r.oneLine());
            } else {
                outcomes[i] = RecipientOutcome.of(rcpts.get(i), r);
            }
        }
        if (accepted.isEmpty()) {
            abortData(dataReply);
            return;
        }
        if (!pipelining) {
            dataReply = command("DATA", timeouts.dataInit());
        }
        if (dataReply.code() != 354) {
            for (int i : accepted) {
                outcomes[i] = dataReply.isPositive()
                        ? RecipientOutcome.deferred(rcpts.get(i), "4.5.0", "unexpected reply to DATA: " + dataReply.oneLine())
                        : RecipientOutcome.of(rcpts.get(i), dataReply);
            }
            noteClose(dataReply);
            return;
        }
        lastCommand = "end of data";
        watched.setTimeout(timeouts.dataBlock());
        DotStuffingOutputStream stuffed = new DotStuffingOutputStream(out);
        try (InputStream content = envelope.content().open()) {
            content.transferTo(stuffed);
        }
        stuffed.finish();
        out.flush();
        PeerReply end = read(timeouts.dataTermination());
        for (int i : accepted) {
            outcomes[i] = RecipientOutcome.of(rcpts.get(i), end);
        }
        needReset = false;
        noteClose(end);
    }

    /** After a pipelined group whose DATA was nevertheless answered 354, end the (empty) message at once (RFC 2920 3.1). */
    private void abortData(PeerReply dataReply) throws IOException {
        if (dataReply != null && dataReply.code() == 354) {
            lastCommand = "end of data";
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            read(timeouts.dataTermination());
        }
        if (dataReply != null) {
            noteClose(dataReply);
        }
    }

    private void noteClose(PeerReply r) {
        if (r.code() == 421) {
            closedByServer = true;
        }
    }

    /** Says goodbye (best effort: a failure here changes nothing) and closes. */
    public void quit() {
        if (usable()) {
            try {
                Duration quitWait = timeouts.command().compareTo(Duration.ofSeconds(10)) < 0 ? timeouts.command() : Duration.ofSeconds(10);
                command("QUIT", quitWait);
            } catch (IOException ignored) {
                // the transactions are done; a lost QUIT reply does not matter
            }
        }
        close();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }

    private PeerReply command(String line, Duration timeout) throws IOException {
        writeCommand(line);
        out.flush();
        lastCommand = line.length() > 40 ? line.substring(0, 40) : line;
        PeerReply r = read(timeout);
        noteClose(r);
        return r;
    }

    private PeerReply commandHidden(String line, String shownAs) throws IOException {
        writeCommand(line);
        out.flush();
        lastCommand = shownAs;
        return read(timeouts.command());
    }

    private void writeCommand(String line) throws IOException {
        watched.setTimeout(timeouts.command());
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private PeerReply read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return reader.read();
    }

    /** Postfix-like wording: "conversation with X timed out while sending Y", "lost connection with X while ...". */
    private String describe(IOException e) {
        if (socket == null || !socket.isConnected()) {
            return "connect to " + hop + ": " + PeerReply.printable(String.valueOf(e.getMessage()));
        }
        String after = lastCommand.equals("CONNECT") ? "receiving the initial server greeting" : "sending " + lastCommand;
        if (e instanceof SocketTimeoutException || (watched != null && watched.timedOut())) {
            return "conversation with " + hop + " timed out while " + after;
        }
        return "lost connection with " + hop + " while " + after;
    }

}
