package io.mailserver.admin;

import io.mailserver.mailauth.dkim.DkimKeys;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One DNS record a domain needs, printed as a zone-file line or as JSON. TXT values are split into
 * character-strings of at most 255 octets (RFC 1035 3.3.14); a verifier joins them again.
 *
 * @param name the owner name, absolute (with the final dot)
 * @param purpose one short phrase for the operator
 */
record DnsRecord(String name, String type, String value, String purpose) {
    List<String> strings() {
        return "TXT".equals(type) ? DkimKeys.txtStrings(value) : List.of(value);
    }

    /** {@code name IN TYPE data}, TXT data as quoted strings. */
    String zoneLine() {
        String data = "TXT".equals(type)
                ? strings().stream().map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").collect(Collectors.joining(" "))
                : value;
        return name + " IN " + type + " " + data;
    }

    Map<String, Object> json() {
        Map<String, Object> m = Json.object();
        m.put("name", name);
        m.put("type", type);
        m.put("value", value);
        if ("TXT".equals(type)) {
            m.put("strings", strings());
        }
        m.put("purpose", purpose);
        return m;
    }
}
