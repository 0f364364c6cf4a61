package io.mailserver.web;

import io.mailserver.store.MailAddress;
import io.mailserver.web.ClientSettings.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * An Apple configuration profile ({@code .mobileconfig}) with one POP3 + SMTP mail account, which iOS, iPadOS and
 * macOS import by opening the file. Its identifiers are derived from the address, so importing a newer profile
 * for the same account replaces the old one instead of adding a second account.
 */
public final class AppleMailProfile {
    private AppleMailProfile() {}

    /**
     * @param password included only when the user asked for it (the profile is then as secret as the password);
     *                 otherwise the device asks for it once on import
     */
    public static String render(MailAddress address, String displayName, ClientSettings settings, Optional<String> password) {
        Endpoint in = settings.preferredIncoming().orElseThrow(() -> new IllegalStateException("no POP3 listener is configured"));
        Endpoint out = settings.preferredOutgoing().orElseThrow(() -> new IllegalStateException("no submission listener is configured"));
        String addr = Xml.escape(address.toString());
        String host = Xml.escape(settings.hostname());
        String name = Xml.escape(displayName.isBlank() ? address.toString() : displayName);
        String idBase = reverse(settings.hostname()) + ".mail." + address.localPart().replaceAll("[^A-Za-z0-9-]", "-") + "." + address.domain();
        StringBuilder p = new StringBuilder(2048);
        p.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        p.append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
        p.append("<plist version=\"1.0\">\n<dict>\n");
        p.append("  <key>PayloadContent</key>\n  <array>\n    <dict>\n");
        str(p, "EmailAccountDescription", addr);
        str(p, "EmailAccountName", name);
        str(p, "EmailAccountType", "EmailTypePOP");
        str(p, "EmailAddress", addr);
        str(p, "IncomingMailServerAuthentication", "EmailAuthPassword");
        str(p, "IncomingMailServerHostName", host);
        num(p, "IncomingMailServerPortNumber", in.port());
        bool(p, "IncomingMailServerUseSSL", true); // implicit TLS, or STARTTLS on a plain port: Mail decides by port
        str(p, "IncomingMailServerUsername", addr);
        password.ifPresent(pw -> str(p, "IncomingPassword", Xml.escape(pw)));
        str(p, "OutgoingMailServerAuthentication", "EmailAuthPassword");
        str(p, "OutgoingMailServerHostName", host);
        num(p, "OutgoingMailServerPortNumber", out.port());
        bool(p, "OutgoingMailServerUseSSL", true);
        str(p, "OutgoingMailServerUsername", addr);
        bool(p, "OutgoingPasswordSameAsIncomingPassword", true);
        str(p, "PayloadDisplayName", addr);
        str(p, "PayloadIdentifier", Xml.escape(idBase + ".account"));
        str(p, "PayloadType", "com.apple.mail.managed");
        str(p, "PayloadUUID", uuid("account:" + address.key()));
        num(p, "PayloadVersion", 1);
        p.append("    </dict>\n  </array>\n");
        str(p, "PayloadDisplayName", Xml.escape(address.domain() + " mail"));
        str(p, "PayloadIdentifier", Xml.escape(idBase));
        bool(p, "PayloadRemovalDisallowed", false);
        str(p, "PayloadType", "Configuration");
        str(p, "PayloadUUID", uuid("profile:" + address.key()));
        num(p, "PayloadVersion", 1);
        p.append("</dict>\n</plist>\n");
        return p.toString();
    }

    private static void str(StringBuilder p, String key, String escapedValue) {
        p.append("      <key>").append(key).append("</key><string>").append(escapedValue).append("</string>\n");
    }

    private static void num(StringBuilder p, String key, int value) {
        p.append("      <key>").append(key).append("</key><integer>").append(value).append("</integer>\n");
    }

    private static void bool(StringBuilder p, String key, boolean value) {
        p.append("      <key>").append(key).append("</key><").append(value).append("/>\n");
    }

    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().toUpperCase(java.util.Locale.ROOT);
    }

    /** mail.example.com -> com.example.mail, the reverse-DNS style Apple uses for payload identifiers. */
    private static String reverse(String hostname) {
        String[] labels = hostname.split("\\.");
        StringBuilder out = new StringBuilder();
        for (int i = labels.length - 1; i >= 0; i--) {
            out.append(labels[i]);
            if (i > 0) {
                out.append('.');
            }
        }
        return out.toString();
    }
}
