package io.mailserver.web;

import io.mailserver.store.MailAddress;
import io.mailserver.web.ClientSettings.Endpoint;
import io.mailserver.web.ClientSettings.Security;
import java.io.IOException;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Microsoft's plain-old-XML Autodiscover (the "outlook" schemas of 2006), which Outlook and several mobile
 * clients POST to {@code autodiscover.DOMAIN/autodiscover/autodiscover.xml}: the request names the address,
 * the response lists a POP3 and an SMTP server for it.
 */
final class Autodiscover {
    static final String REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
    static final String RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    static final String OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    private Autodiscover() {}

    /** The address a request asks about. */
    static MailAddress requestedAddress(byte[] body) throws IOException {
        Document doc = Xml.parseUntrusted(body);
        NodeList addresses = doc.getElementsByTagNameNS(REQUEST_NS, "EMailAddress");
        if (addresses.getLength() != 1) {
            throw new IOException("an Autodiscover request names exactly one EMailAddress");
        }
        NodeList schemas = doc.getElementsByTagNameNS(REQUEST_NS, "AcceptableResponseSchema");
        if (schemas.getLength() == 1 && !OUTLOOK_NS.equals(schemas.item(0).getTextContent().trim())) {
            throw new IOException("only the outlook response schema (2006a) is served, not " + schemas.item(0).getTextContent().trim());
        }
        try {
            return MailAddress.parse(addresses.item(0).getTextContent().trim());
        } catch (IllegalArgumentException e) {
            throw new IOException("not a mail address: " + e.getMessage(), e);
        }
    }

    static String render(MailAddress address, ClientSettings settings) {
        String login = Xml.escape(address.toString());
        String host = Xml.escape(settings.hostname());
        StringBuilder xml = new StringBuilder(1024);
        xml.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        xml.append("<Autodiscover xmlns=\"").append(RESPONSE_NS).append("\">\n");
        xml.append("  <Response xmlns=\"").append(OUTLOOK_NS).append("\">\n");
        xml.append("    <Account>\n");
        xml.append("      <AccountType>email</AccountType>\n");
        xml.append("      <Action>settings</Action>\n");
        settings.preferredIncoming().ifPresent(e -> protocol(xml, "POP3", host, login, e, Optional.empty()));
        settings.preferredOutgoing().ifPresent(e -> protocol(xml, "SMTP", host, login, e,
                Optional.of("        <UsePOPAuth>off</UsePOPAuth>\n        <SMTPLast>off</SMTPLast>\n")));
        xml.append("    </Account>\n");
        xml.append("  </Response>\n");
        xml.append("</Autodiscover>\n");
        return xml.toString();
    }

    private static void protocol(StringBuilder xml, String type, String host, String login, Endpoint e, Optional<String> extra) {
        xml.append("      <Protocol>\n");
        xml.append("        <Type>").append(type).append("</Type>\n");
        xml.append("        <Server>").append(host).append("</Server>\n");
        xml.append("        <Port>").append(e.port()).append("</Port>\n");
        xml.append("        <LoginName>").append(login).append("</LoginName>\n");
        xml.append("        <DomainRequired>off</DomainRequired>\n");
        xml.append("        <SPA>off</SPA>\n");
        // Encryption overrides SSL where a client knows it; "TLS" there means STARTTLS
        xml.append("        <SSL>on</SSL>\n");
        xml.append("        <Encryption>").append(e.security() == Security.IMPLICIT_TLS ? "SSL" : "TLS").append("</Encryption>\n");
        xml.append("        <AuthRequired>on</AuthRequired>\n");
        extra.ifPresent(xml::append);
        xml.append("      </Protocol>\n");
    }
}
