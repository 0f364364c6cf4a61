package io.mailserver.relay.client;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What the server's EHLO reply offers (RFC 5321 4.1.1.1); empty after HELO. */
record ServerFeatures(Set<String> keywords, long sizeLimit, Set<String> authMechanisms) {
    static final ServerFeatures NONE = new ServerFeatures(Set.of(), 0, Set.of());

    static ServerFeatures parse(PeerReply ehlo) {
        Set<String> keywords = new HashSet<>();
        Set<String> auth = new HashSet<>();
        long size = 0;
        List<String> lines = ehlo.lines();
        for (int i = 1; i < lines.size(); i++) {
            String[] words = lines.get(i).trim().toUpperCase(Locale.ROOT).split("[ =]+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            keywords.add(words[0]);
            if (words[0].equals("SIZE") && words.length > 1 && words[1].matches("[0-9]{1,18}")) {
                size = Long.parseLong(words[1]);
            }
            if (words[0].equals("AUTH")) {
                for (int w = 1; w < words.length; w++) {
                    auth.add(words[w]);
                }
            }
        }
        return new ServerFeatures(Set.copyOf(keywords), size, Set.copyOf(auth));
    }

    boolean has(String keyword) {
        return keywords.contains(keyword);
    }
}
