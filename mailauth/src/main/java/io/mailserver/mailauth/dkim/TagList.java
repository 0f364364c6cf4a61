package io.mailserver.mailauth.dkim;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** RFC 6376 3.2 tag=value lists, as in DKIM-Signature fields and key records. */
final class TagList {
    private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = tags;
    }

    /** @throws DkimException on a tag without "=", a bad tag name or a tag given twice (3.2: permerror) */
    static TagList parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (spec.isBlank()) {
                if (i == specs.length - 1) {
                    break; // a trailing ";" is allowed
                }
                throw new DkimException("empty tag in tag list");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new DkimException("tag without '=': " + shorten(spec.strip()));
            }
            String name = fws(spec.substring(0, eq));
            if (!TAG_NAME.matcher(name).matches()) {
                throw new DkimException("bad tag name '" + shorten(name) + "'");
            }
            if (tags.put(name, fws(spec.substring(eq + 1))) != null) {
                throw new DkimException("tag " + name + "= given twice");
            }
        }
        return new TagList(tags);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    String required(String name) {
        String v = tags.get(name);
        if (v == null) {
            throw new DkimException("no " + name + "= tag");
        }
        return v;
    }

    boolean has(String name) {
        return tags.containsKey(name);
    }

    String firstName() {
        return tags.isEmpty() ? "" : tags.keySet().iterator().next();
    }

    /** Base64 with any folding white space inside removed (3.2: FWS may appear in base64 values). */
    static byte[] base64(String value, String tag) {
        try {
            return Base64.getDecoder().decode(value.replaceAll("[ \t\r\n]", ""));
        } catch (IllegalArgumentException e) {
            throw new DkimException(tag + "= is not valid base64");
        }
    }

    static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String fws(String s) {
        return s.replaceAll("^[ \t\r\n]+|[ \t\r\n]+$", "");
    }
}
