package io.mailserver.mailauth.dkim;

import io.mailserver.mailauth.dns.TxtAnswer;
import io.mailserver.mailauth.dns.TxtLookup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

final class DkimTestSupport {
    private DkimTestSupport() {
    }

    static byte[] crlf(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DkimTestSupport.class.getResourceAsStream("/dkim/" + name)) {
            return crlf(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    /** TXT answers from a map; names not in it are NXDOMAIN. */
    static TxtLookup records(Map<String, String> byName) {
        return name -> byName.containsKey(name) ? TxtAnswer.found(List.of(byName.get(name)), name)
                : TxtAnswer.failed(TxtAnswer.Outcome.NXDOMAIN, name + ": no such domain");
    }

    static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    static byte[] concat(List<String> fields, byte[] message) {
        StringBuilder sb = new StringBuilder();
        fields.forEach(sb::append);
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[head.length + message.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(message, 0, out, head.length, message.length);
        return out;
    }
}
