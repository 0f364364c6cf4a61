package io.mailserver.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.net.tls.ServerTls;
import io.mailserver.store.PasswordHasher;
import io.mailserver.testkit.TempStore;
import java.io.ByteArrayInputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The HTTP(S) listener, asked by curl as a mail client's setup or a load balancer would ask it: every document
 * is parsed back and must name exactly the ports the server gives it.
 */
class WebServiceTest {
    private TempStore temp;
    private WebService web;
    private final AtomicBoolean listenersUp = new AtomicBoolean(true);

    @BeforeEach
    void start() throws Exception {
        temp = TempStore.create(Map.of("server.hostname", "mail.example.test", "http.listen", "127.0.0.1:0",
                "https.listen", "127.0.0.1:0", "mta-sts.mode", "enforce", "mta-sts.max-age", "1d"), new PasswordHasher(TempStore.TEST_ITERATIONS));
        temp.store().domains().add("example.test");
        ClientSettings clients = ClientSettings.of("mail.example.test", OptionalInt.of(1995), OptionalInt.of(1110),
                OptionalInt.of(1465), OptionalInt.of(1587));
        web = WebService.start(temp.config(), temp.store(), ServerTls.fromConfig(temp.config()), clients, listenersUp::get, () -> "test_metric 1.0\n");
    }

    @AfterEach
    void stop() {
        web.close();
        temp.close();
    }

    @Test
    void thunderbirdAutoconfigNamesTheServersInOrderOfPreference() throws Exception {
        for (List<String> ask : List.of(
                List.of("-H", "Host: autoconfig.example.test", http("/mail/config-v1.1.xml?emailaddress=alice%40example.test")),
                List.of("-H", "Host: autoconfig.example.test", http("/mail/config-v1.1.xml")),
                List.of("-H", "Host: example.test:8080", http("/.well-known/autoconfig/mail/config-v1.1.xml")))) {
            Response r = curl(ask);
            assertEquals(200, r.status, r.body);
            Document doc = parse(r.body);
            Element root = doc.getDocumentElement();
            assertEquals("clientConfig", root.getTagName());
            assertEquals("1.1", root.getAttribute("version"));
            Element provider = (Element) root.getElementsByTagName("emailProvider").item(0);
            assertEquals("example.test", provider.getAttribute("id"));
            assertEquals("example.test", text(provider, "domain", 0));
            assertEquals(List.of("pop3 mail.example.test 1995 SSL %EMAILADDRESS% password-cleartext",
                    "pop3 mail.example.test 1110 STARTTLS %EMAILADDRESS% password-cleartext"), servers(doc, "incomingServer"));
            assertEquals(List.of("smtp mail.example.test 1465 SSL %EMAILADDRESS% password-cleartext",
                    "smtp mail.example.test 1587 STARTTLS %EMAILADDRESS% password-cleartext"), servers(doc, "outgoingServer"));
        }
        assertEquals(404, curl(List.of("-H", "Host: autoconfig.example.test", http("/mail/config-v1.1.xml?emailaddress=bob%40elsewhere.test"))).status);
        assertEquals(404, curl(List.of("-H", "Host: autoconfig.elsewhere.test", http("/mail/config-v1.1.xml"))).status);
    }

    @Test
    void autodiscoverAnswersOutlooksRequestWithPop3AndSmtp() throws Exception {
        Response r = post(autodiscoverRequest("alice@example.test"));
        assertEquals(200, r.status, r.body);
        Document doc = parse(r.body);
        assertEquals(Autodiscover.RESPONSE_NS, doc.getDocumentElement().getNamespaceURI());
        NodeList protocols = doc.getElementsByTagNameNS(Autodiscover.OUTLOOK_NS, "Protocol");
        assertEquals(2, protocols.getLength());
        Element pop3 = (Element) protocols.item(0);
        Element smtp = (Element) protocols.item(1);
        assertEquals("POP3 mail.example.test 1995 alice@example.test SSL on",
                String.join(" ", textNs(pop3, "Type"), textNs(pop3, "Server"), textNs(pop3, "Port"), textNs(pop3, "LoginName"),
                        textNs(pop3, "Encryption"), textNs(pop3, "AuthRequired")));
        assertEquals("SMTP mail.example.test 1465 alice@example.test SSL on",
                String.join(" ", textNs(smtp, "Type"), textNs(smtp, "Server"), textNs(smtp, "Port"), textNs(smtp, "LoginName"),
                        textNs(smtp, "Encryption"), textNs(smtp, "AuthRequired")));
        // whether a user exists is not told; a domain that is not here is
        assertEquals(200, post(autodiscoverRequest("nobody-here@example.test")).status);
        assertEquals(404, post(autodiscoverRequest("alice@elsewhere.test")).status);
    }

    @Test
    void autodiscoverRefusesBadRequestsWithoutReadingFilesOrTellingWhy() throws Exception {
        Path secret = Files.writeString(temp.dataDir().resolve("secret.txt"), "top-secret-content");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file://" + secret + "\">]>"
                + autodiscoverRequest("&x;@example.test").replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "");
        Response r = post(xxe);
        assertEquals(400, r.status, r.body);
        assertFalse(r.body.contains("top-secret"), r.body);
        assertEquals(400, post("<Autodiscover>not closed").status);
        assertEquals(400, post(autodiscoverRequest("not an address")).status);
        assertEquals(413, post("<a>" + "x".repeat(WebService.MAX_BODY) + "</a>").status);
        Response get = curl(List.of(http("/autodiscover/autodiscover.xml")));
        assertEquals(405, get.status);
        for (Response any : List.of(r, get)) {
            assertFalse(any.body.contains("Exception") || any.body.contains("\tat "), any.body);
        }
    }

    @Test
    void mtaStsPolicyIsServedOverHttpsOnlyForLocalDomains() throws Exception {
        int port = web.httpsPort();
        Response r = curl(List.of("-k", "--resolve", "mta-sts.example.test:" + port + ":127.0.0.1",
                "https://mta-sts.example.test:" + port + "/.well-known/mta-sts.txt"));
        assertEquals(200, r.status, r.body);
        assertEquals("version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 86400\r\n", r.body);
        assertEquals(404, curl(List.of("-H", "Host: mta-sts.example.test", http("/.well-known/mta-sts.txt"))).status);
        assertEquals(404, curl(List.of("-k", "--resolve", "mta-sts.elsewhere.test:" + port + ":127.0.0.1",
                "https://mta-sts.elsewhere.test:" + port + "/.well-known/mta-sts.txt")).status);
    }

    @Test
    void healthAndUnknownPaths() throws Exception {
        assertEquals(200, curl(List.of(http("/health/live"))).status);
        assertEquals(200, curl(List.of(http("/health/ready"))).status);
        listenersUp.set(false);
        Response notReady = curl(List.of(http("/health/ready")));
        assertEquals(503, notReady.status);
        assertTrue(notReady.body.contains("listeners down"), notReady.body);
        Response unknown = curl(List.of(http("/../../etc/passwd")));
        assertEquals(404, unknown.status);
        assertEquals(404, curl(List.of("-k", "https://127.0.0.1:" + web.httpsPort() + "/admin")).status);
    }

    @Test
    void oneAddressGetsABoundedNumberOfRequestsAMinute() throws Exception {
        try (WebService limited = WebService.start(temp.config(), temp.store(), ServerTls.fromConfig(temp.config()),
                ClientSettings.from(temp.config()), listenersUp::get, () -> "", 5)) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + limited.httpPort() + "/health/live").toURL().openConnection();
                statuses.add(c.getResponseCode());
                (c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes();
            }
            long ok = statuses.stream().filter(s -> s == 200).count();
            long refused = statuses.stream().filter(s -> s == 429).count();
            // a run may straddle a minute's boundary once: then up to twice the limit get through
            assertTrue(ok >= 5 && ok <= 10 && ok + refused == 12, statuses.toString());
        }
    }

    // ---- helpers

    private String http(String path) {
        return "http://127.0.0.1:" + web.httpPort() + path;
    }

    private static String autodiscoverRequest(String address) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                + "<Autodiscover xmlns=\"" + Autodiscover.REQUEST_NS + "\"><Request>"
                + "<EMailAddress>" + address + "</EMailAddress>"
                + "<AcceptableResponseSchema>" + Autodiscover.OUTLOOK_NS + "</AcceptableResponseSchema>"
                + "</Request></Autodiscover>";
    }

    private Response post(String body) throws Exception {
        Path file = Files.writeString(temp.dataDir().resolve("request.xml"), body);
        return curl(List.of("-H", "Host: autodiscover.example.test", "-H", "Content-Type: text/xml",
                "--data-binary", "@" + file, http("/autodiscover/autodiscover.xml")));
    }

    private record Response(int status, String body) {}

    /** curl's answer: the body, then the status on a last line of its own. */
    private static Response curl(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        int nl = out.lastIndexOf('\n');
        return new Response(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> servers(Document doc, String element) {
        List<String> out = new ArrayList<>();
        NodeList list = doc.getElementsByTagName(element);
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            out.add(String.join(" ", e.getAttribute("type"), text(e, "hostname", 0), text(e, "port", 0), text(e, "socketType", 0),
                    text(e, "username", 0), text(e, "authentication", 0)));
        }
        return out;
    }

    private static String text(Element parent, String tag, int index) {
        return parent.getElementsByTagName(tag).item(index).getTextContent().trim();
    }

    private static String textNs(Element parent, String tag) {
        return parent.getElementsByTagNameNS(Autodiscover.OUTLOOK_NS, tag).item(0).getTextContent().trim();
    }

}
