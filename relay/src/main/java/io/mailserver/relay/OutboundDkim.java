package io.mailserver.relay;

import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.mailauth.dkim.DkimSigner;
import io.mailserver.mailauth.dkim.HeaderField;
import io.mailserver.relay.client.MessageContent;
import io.mailserver.store.DkimKey;
import io.mailserver.store.DkimKeyStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM-signs mail as the queue runner sends it (docs/authentication.md, "DKIM"). The queue runner already
 * reads the stored message once before sending it (for SIZE= and BODY=8BITMIME); the signer hashes it in
 * that same pass, and the DKIM-Signature fields are put in front of the stored content as it streams out.
 * So nothing is held whole in memory, the content is read twice in all as before signing (once to scan and
 * hash, once to send), and the store's content path is not touched at all.
 *
 * <p>Which mail is signed is decided from the message itself:
 * <ul>
 * <li>whose: the header From: domain (what DMARC aligns with), or its nearest parent domain with active
 *     keys (so {@code MAILER-DAEMON@mail.example.org} is signed as {@code example.org}). A From: outside
 *     the local domains, or a header with no single From: address, is sent as it is.</li>
 * <li>how it came: the topmost Received field is the one this server wrote when it accepted the message.
 *     Mail it accepted from an authenticated client ({@code with ESMTPA}/{@code ESMTPSA}, RFC 3848) or from
 *     a trusted network is signed; mail it accepted from anyone else (an outside sender, forwarded by an
 *     alias) is not, even if its From: claims a local domain, so forwarding never vouches for a forgery
 *     and leaves the original signatures untouched. A message with no Received field at all was written
 *     by the server itself (bounces, delay notices) and is signed.</li>
 * </ul>
 */
public final class OutboundDkim {
    private static final Logger LOG = LoggerFactory.getLogger("io.mailserver.relay.dkim");
    private static final Pattern AUTHENTICATED = Pattern.compile("\\bwith\\s+E?SMTPS?A\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern CLIENT_ADDRESS = Pattern.compile("\\[(?:IPv6:)?([0-9A-Fa-f:.]+)\\]");

    private final DkimKeyStore keys;
    private final Predicate<InetAddress> trusted;
    private final DkimSigner signer;
    private final boolean enabled;

    public OutboundDkim(DkimKeyStore keys, Predicate<InetAddress> trusted, DkimSigner signer, boolean enabled) {
        this.keys = keys;
        this.trusted = trusted;
        this.signer = signer;
        this.enabled = enabled;
    }

    /** The content to send: scanned, and signed in front when it is a local domain's own mail. */
    MessageContent prepare(String queueId, MessageContent.ContentOpener opener) throws IOException {
        if (!enabled) {
            return MessageContent.scan(opener);
        }
        DkimSigner.Signing signing = signer.start();
        MessageContent stored = MessageContent.scan(opener, signing);
        Decision decision = decide(signing.headers(), trusted);
        if (decision.domain().isEmpty()) {
            LOG.debug("{}: not DKIM-signed: {}", queueId, decision.why());
            return stored;
        }
        try {
            Optional<List<DkimSigner.Key>> signingKeys = keysFor(decision.domain().get());
            if (signingKeys.isEmpty()) {
                LOG.debug("{}: not DKIM-signed: no active key for {} or a parent domain", queueId, decision.domain().get());
                return stored;
            }
            List<String> fields = signing.finish(signingKeys.get());
            LOG.debug("{}: DKIM-signed as {}", queueId, signingKeys.get().stream()
                    .map(k -> "d=" + k.domain() + " s=" + k.selector()).collect(Collectors.joining(", ")));
            return stored.withPrefix(String.join("", fields).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalStateException | IllegalArgumentException e) {
            // a message without From: or with a huge header, or a stored key the JDK cannot read: send it as it is
            LOG.warn("{}: sent without DKIM signature: {}", queueId, e.getMessage());
            return stored;
        }
    }

    /** @param domain the From: domain to sign for, or empty with the reason why not */
    record Decision(Optional<String> domain, String why) {
    }

    static Decision decide(List<HeaderField> headers, Predicate<InetAddress> trusted) {
        Optional<HeaderField> received = headers.stream().filter(h -> h.lowerName().equals("received")).findFirst();
        if (received.isPresent() && !ourOwnSender(received.get().value(), trusted)) {
            return new Decision(Optional.empty(), "received from an unauthenticated, untrusted client");
        }
        List<HeaderField> from = headers.stream().filter(h -> h.lowerName().equals("from")).toList();
        if (from.size() != 1) {
            return new Decision(Optional.empty(), from.size() + " From: fields");
        }
        return fromDomain(from.get(0).value()).map(d -> new Decision(Optional.of(d), "From: " + d))
                .orElseGet(() -> new Decision(Optional.empty(), "no single address in From:"));
    }

    private static boolean ourOwnSender(String receivedValue, Predicate<InetAddress> trusted) {
        if (AUTHENTICATED.matcher(receivedValue).find()) {
            return true;
        }
        Matcher m = CLIENT_ADDRESS.matcher(receivedValue);
        if (!m.find()) {
            return false;
        }
        try {
            return trusted.test(InetAddress.getByName(m.group(1))); // a literal address: no DNS lookup happens
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The domain of the one address in a From: value ({@code Name <a@b>} or {@code a@b (comment)}), lower case. */
    static Optional<String> fromDomain(String value) {
        String v = value.replaceAll("\\([^()]*\\)", " ").strip();
        int lt = v.lastIndexOf('<');
        if (lt >= 0) {
            int gt = v.indexOf('>', lt);
            if (gt < 0) {
                return Optional.empty();
            }
            v = v.substring(lt + 1, gt);
        } else if (v.contains(",")) {
            return Optional.empty(); // several mailboxes: there would be no one domain to align with
        }
        int at = v.lastIndexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String domain = v.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        return domain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+") ? Optional.of(domain) : Optional.empty();
    }

    /** Active keys of the domain, else of its nearest parent that has some (never of a top-level name). */
    private Optional<List<DkimSigner.Key>> keysFor(String domain) {
        for (String d = domain; d.indexOf('.') > 0; d = d.substring(d.indexOf('.') + 1)) {
            List<DkimKey.Signing> active = keys.signingKeys(d);
            if (!active.isEmpty()) {
                List<DkimSigner.Key> out = new ArrayList<>();
                for (DkimKey.Signing s : active) {
                    DkimAlgorithm a = DkimAlgorithm.ofKeyType(s.key().algorithm()).orElseThrow();
                    out.add(new DkimSigner.Key(d, s.key().selector(), a, DkimKeys.privateKey(a, s.privateKeyPkcs8())));
                }
                return Optional.of(out);
            }
        }
        return Optional.empty();
    }
}
