package io.mailserver.web;

import io.mailserver.web.ClientSettings.Endpoint;
import io.mailserver.web.ClientSettings.Security;

/**
 * The Thunderbird autoconfiguration document ("clientConfig" version 1.1), which Thunderbird, K-9 / Thunderbird
 * for Android and several other clients fetch from {@code autoconfig.DOMAIN} or {@code DOMAIN/.well-known/}.
 * Servers are listed in order of preference; the user name is the whole address ({@code %EMAILADDRESS%}, which
 * the client fills in), as this server's logins are.
 */
final class ThunderbirdAutoconfig {
    private ThunderbirdAutoconfig() {}

    static String render(String domain, ClientSettings settings) {
        String d = Xml.escape(domain);
        String host = Xml.escape(settings.hostname());
        StringBuilder xml = new StringBuilder(1024);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.append("<clientConfig version=\"1.1\">\n");
        xml.append("  <emailProvider id=\"").append(d).append("\">\n");
        xml.append("    <domain>").append(d).append("</domain>\n");
        xml.append("    <displayName>").append(d).append(" mail</displayName>\n");
        xml.append("    <displayShortName>").append(d).append("</displayShortName>\n");
        for (Endpoint e : settings.incoming()) {
            server(xml, "incomingServer", "pop3", host, e);
        }
        for (Endpoint e : settings.outgoing()) {
            server(xml, "outgoingServer", "smtp", host, e);
        }
        xml.append("  </emailProvider>\n");
        xml.append("</clientConfig>\n");
        return xml.toString();
    }

    private static void server(StringBuilder xml, String element, String type, String host, Endpoint e) {
        xml.append("    <").append(element).append(" type=\"").append(type).append("\">\n");
        xml.append("      <hostname>").append(host).append("</hostname>\n");
        xml.append("      <port>").append(e.port()).append("</port>\n");
        xml.append("      <socketType>").append(e.security() == Security.IMPLICIT_TLS ? "SSL" : "STARTTLS").append("</socketType>\n");
        xml.append("      <username>%EMAILADDRESS%</username>\n");
        // the password travels inside TLS in every case listed here, so the plain SASL mechanisms are right
        xml.append("      <authentication>password-cleartext</authentication>\n");
        xml.append("    </").append(element).append(">\n");
    }
}
