package io.mailserver.mailauth.dkim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A DKIM-Signature field checked against RFC 6376 3.5 and 6.1.1; anything wrong is a {@link DkimException}. */
final class ParsedSignature {
    final HeaderField field;
    final DkimAlgorithm algorithm;
    final Canonicalization headerCanon;
    final Canonicalization bodyCanon;
    final String domain;
    final String selector;
    final String identity;
    final List<String> signedNames;
    final byte[] bodyHash;
    final byte[] signature;
    final long bodyLength;

    private ParsedSignature(HeaderField field, TagList tags, Instant now) {
        this.field = field;
        String v = tags.required("v");
        if (!v.equals("1")) {
            throw new DkimException("unsupported version v=" + TagList.shorten(v));
        }
        String a = tags.required("a");
        if (a.strip().equalsIgnoreCase("rsa-sha1")) {
            throw new DkimException(DkimResult.Result.FAIL, "rsa-sha1 is not accepted (RFC 8301 3.1)");
        }
        algorithm = DkimAlgorithm.ofTag(a).orElseThrow(() -> new DkimException("unknown algorithm a=" + TagList.shorten(a)));
        String[] c = tags.get("c").orElse("simple/simple").split("/", -1);
        if (c.length > 2) {
            throw new DkimException("bad c= " + TagList.shorten(tags.required("c")));
        }
        headerCanon = Canonicalization.ofTag(c[0]).orElseThrow(() -> new DkimException("unknown canonicalization c=" + TagList.shorten(tags.required("c"))));
        bodyCanon = c.length == 1 ? Canonicalization.SIMPLE
                : Canonicalization.ofTag(c[1]).orElseThrow(() -> new DkimException("unknown canonicalization c=" + TagList.shorten(tags.required("c"))));
        domain = tags.required("d").toLowerCase(Locale.ROOT);
        if (domain.isEmpty() || domain.startsWith(".") || domain.contains("..")) {
            throw new DkimException("bad d=" + TagList.shorten(domain));
        }
        selector = tags.required("s");
        if (selector.isEmpty()) {
            throw new DkimException("empty s=");
        }
        signedNames = new ArrayList<>();
        for (String n : tags.required("h").split(":", -1)) {
            String name = n.replaceAll("[ \t\r\n]", "");
            if (name.isEmpty()) {
                throw new DkimException("empty name in h=");
            }
            signedNames.add(name);
        }
        if (signedNames.stream().noneMatch("from"::equalsIgnoreCase)) {
            throw new DkimException(DkimResult.Result.PERMERROR, "h= does not sign From"); // 5.4: From is required
        }
        String i = tags.get("i").orElse("@" + domain);
        int at = i.lastIndexOf('@');
        String iDomain = at < 0 ? "" : i.substring(at + 1).toLowerCase(Locale.ROOT);
        if (at < 0 || !(iDomain.equals(domain) || iDomain.endsWith("." + domain))) {
            throw new DkimException(DkimResult.Result.PERMERROR, "i=" + TagList.shorten(i) + " is not in d=" + domain);
        }
        identity = i;
        Optional<String> q = tags.get("q");
        if (q.isPresent() && Arrays.stream(q.get().split(":")).map(String::strip).noneMatch(m -> m.toLowerCase(Locale.ROOT).startsWith("dns/txt"))) {
            throw new DkimException("no supported query method in q=" + TagList.shorten(q.get()));
        }
        bodyLength = tags.get("l").map(l -> number(l, "l")).orElse(-1L);
        Optional<Long> t = tags.get("t").map(s -> number(s, "t"));
        Optional<Long> x = tags.get("x").map(s -> number(s, "x"));
        if (x.isPresent() && t.isPresent() && x.get() < t.get()) {
            throw new DkimException("x= is before t=");
        }
        if (x.isPresent() && x.get() < now.getEpochSecond()) {
            throw new DkimException(DkimResult.Result.PERMERROR, "signature expired at x=" + x.get());
        }
        bodyHash = TagList.base64(tags.required("bh"), "bh");
        signature = TagList.base64(tags.required("b"), "b");
    }

    static ParsedSignature parse(HeaderField field, Instant now) {
        return new ParsedSignature(field, TagList.parse(field.value()), now);
    }

    private static long number(String s, String tag) {
        if (!s.matches("[0-9]{1,76}")) {
            throw new DkimException(tag + "= is not a number");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // RFC 6376 3.5: larger values are in the far future; treat as "never"
        }
    }
}
