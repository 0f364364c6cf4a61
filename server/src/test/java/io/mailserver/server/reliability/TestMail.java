package io.mailserver.server.reliability;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.JdbcMailStore;

/**
 * Test messages that can be recognised and checked for completeness after a crash: each carries a
 * unique id in its Message-ID and Subject, a body whose length depends on the id, and a last line
 * naming the id, so a retrieved message is either byte-exact (it ends with exactly what was sent) or
 * evidence of a half-stored one.
 */
final class TestMail {
    static final String DOMAIN = "example.test";
    private static final Pattern MESSAGE_ID = Pattern.compile("\r\nMessage-ID: <([^@>]+)@reliability\\.test>\r\n");

    private TestMail() {
    }

    /** The message as sent, CRLF line ends, no line starting with a dot (no stuffing needed), 1-8 KB. */
    static String content(String id) {
        StringBuilder sb = new StringBuilder(8192);
        sb.append("Message-ID: <").append(id).append("@reliability.test>\r\n");
        sb.append("Subject: test ").append(id).append("\r\n");
        sb.append("From: <sender@far.test>\r\n\r\n");
        int lines = 10 + Math.floorMod(id.hashCode(), 90);
        for (int i = 0; i < lines; i++) {
            sb.append(id).append(" line ").append(i).append(' ').append("abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)).append("\r\n");
        }
        sb.append("END ").append(id).append("\r\n");
        return sb.toString();
    }

    /** The id in a retrieved message's Message-ID header, or null. */
    static String idOf(byte[] retrieved) {
        Matcher m = MESSAGE_ID.matcher(new String(retrieved, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(1) : null;
    }

    /** True if the retrieved message (Return-Path and Received first) ends with exactly what was sent. */
    static boolean isWhole(byte[] retrieved, String id) {
        return new String(retrieved, StandardCharsets.ISO_8859_1).endsWith("\r\n" + content(id));
    }

    static String address(String user) {
        return user + "@" + DOMAIN;
    }

    /** Creates the domain and the users (password = user name + "-pw") in a store that is then closed again. */
    static void createUsers(Path dataDir, Map<String, String> dbSettings, String... users) {
        Map<String, String> keys = new java.util.HashMap<>(dbSettings);
        keys.put("server.data-dir", dataDir.toString());
        try (JdbcMailStore store = JdbcMailStore.open(ServerConfig.fromMap(keys), new PasswordHasher(1_000))) {
            if (store.domains().find(DOMAIN).isEmpty()) {
                store.domains().add(DOMAIN);
            }
            for (String u : users) {
                store.users().add(MailAddress.parse(address(u)), null, (u + "-pw").toCharArray());
            }
        }
    }

    /** A whole transaction on an open, greeted session, to local users; returns the reply to the end of data. */
    static String send(Wire w, String id, String... users) throws java.io.IOException {
        String[] addresses = new String[users.length];
        for (int i = 0; i < users.length; i++) {
            addresses[i] = address(users[i]);
        }
        return sendTo(w, id, addresses);
    }

    /** A whole transaction to full addresses; returns the reply to the end of data. */
    static String sendTo(Wire w, String id, String... addresses) throws java.io.IOException {
        w.smtp("MAIL FROM:<sender@far.test>", "250 ");
        for (String a : addresses) {
            w.smtp("RCPT TO:<" + a + ">", "250 ");
        }
        w.smtp("DATA", "354 ");
        w.write(content(id) + ".\r\n");
        return w.smtpReply();
    }
}
