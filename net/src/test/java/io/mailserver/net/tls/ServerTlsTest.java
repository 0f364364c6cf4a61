package io.mailserver.net.tls;

import static io.mailserver.net.tls.TlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mailserver.config.ConfigException;
import io.mailserver.config.ServerConfig;

/** Certificates: PEM formats, the self-signed default, and picking up new files without a restart. */
@Timeout(60)
class ServerTlsTest {
    @TempDir
    Path dir;

    private String served(int port) throws Exception {
        try (SSLSocket s = handshake(null, port)) {
            return fingerprint(s);
        }
    }

    @Test
    void replacedCertificateFilesAreServedWithoutRestart() throws Exception {
        Path chain = dir.resolve("fullchain.pem");
        Path key = dir.resolve("privkey.pem");
        String first = writeCertificate(chain, key, "mail.example.test");
        ServerTls tls = ServerTls.forFiles(chain, key, "mail.example.test");
        try (EchoServer server = EchoServer.implicit(tls)) {
            assertEquals(first, served(server.port()));

            // renewal: new key and certificate written in place
            String second = writeCertificate(chain, key, "mail.example.test");
            assertNotEquals(first, second);
            assertEquals(second, served(server.port()), "a new connection gets the new certificate");

            // a broken new file keeps the certificate in service
            Files.writeString(chain, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
            assertEquals(second, served(server.port()));
            assertEquals(second, served(server.port()));

            // a key that does not belong to the chain is refused the same way (e.g. halfway through a renewal)
            Path otherChain = dir.resolve("other-chain.pem");
            Path otherKey = dir.resolve("other-key.pem");
            writeCertificate(otherChain, otherKey, "mail.example.test");
            String third = writeCertificate(chain, key, "mail.example.test");
            Files.copy(otherKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(second, served(server.port()));

            // certbot style: the files are replaced by renaming new ones over them
            Path newChain = dir.resolve("new-chain.pem");
            Path newKey = dir.resolve("new-key.pem");
            String fourth = writeCertificate(newChain, newKey, "mail.example.test");
            Files.move(newKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(newChain, chain, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertNotEquals(third, fourth);
            assertEquals(fourth, served(server.port()));

            // STARTTLS connections use the same, current certificate
            try (EchoServer plain = EchoServer.plain(tls); java.net.Socket socket = new java.net.Socket("127.0.0.1", plain.port())) {
                socket.setSoTimeout(10_000);
                readLine(socket.getInputStream());
                send(socket.getOutputStream(), "STARTTLS\r\n");
                assertEquals("220 2.0.0 go ahead", readLine(socket.getInputStream()));
                try (SSLSocket secured = handshake(socket, plain.port())) {
                    assertEquals(fourth, fingerprint(secured));
                }
            }
        }
    }

    @Test
    void selfSignedCertificateMadeOnFirstStartAndKept() throws Exception {
        ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", dir.toString(), "server.hostname", "mx.example.test"));
        ServerTls first = ServerTls.fromConfig(config);
        assertTrue(first.generatedSelfSigned());
        Path tlsDir = dir.resolve("tls");
        assertEquals(tlsDir.resolve(SelfSignedCertificate.CHAIN_FILE), first.chainFile());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.keyFile())));
        KeyMaterial made = first.material();
        assertTrue(made.covers("mx.example.test"));
        assertTrue(made.notAfter().isAfter(java.time.Instant.now().plus(Duration.ofDays(800))));

        ServerTls second = ServerTls.fromConfig(config);
        assertFalse(second.generatedSelfSigned());
        assertEquals(made.sha256Fingerprint(), second.material().sha256Fingerprint());

        // another host name: a certificate for it
        ServerTls renamed = ServerTls.fromConfig(config.with(Map.of("server.hostname", "smtp.example.test")));
        assertTrue(renamed.generatedSelfSigned());
        assertTrue(renamed.material().covers("smtp.example.test"));

        // and clients can verify it by name when they trust the file (curl --cacert, openssl -CAfile)
        try (EchoServer server = EchoServer.implicit(renamed)) {
            Run r = run(Duration.ofSeconds(20), "QUIT\n", "openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-CAfile", renamed.chainFile().toString(), "-verify_return_error", "-verify_hostname", "smtp.example.test",
                    "-crlf", "-ign_eof", "-brief");
            assertEquals(0, r.exit(), r.all());
            assertTrue(r.err().contains("Verification: OK"), r.all());
        }
    }

    @Test
    void pemKeysInEveryFormatAcmeClientsWrite() throws Exception {
        String[][] keys = {
                { "rsa-pkcs1", "openssl genrsa -traditional -out KEY 2048" },
                { "rsa-pkcs8", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out KEY" },
                { "ec-sec1", "openssl ecparam -name prime256v1 -genkey -out KEY" },     // with an EC PARAMETERS block
                { "ec-pkcs8", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out KEY" },
        };
        for (String[] k : keys) {
            Path key = dir.resolve(k[0] + ".key");
            Path cert = dir.resolve(k[0] + ".crt");
            Run gen = run(Duration.ofSeconds(30), "", k[1].replace("KEY", key.toString()).split(" "));
            assertEquals(0, gen.exit(), gen.all());
            Run req = run(Duration.ofSeconds(30), "", "openssl", "req", "-x509", "-key", key.toString(), "-out", cert.toString(),
                    "-days", "30", "-subj", "/CN=mail.example.test", "-addext", "subjectAltName=DNS:mail.example.test");
            assertEquals(0, req.exit(), req.all());
            String header = Files.readString(key);
            ServerTls tls = ServerTls.forFiles(cert, key, "mail.example.test");
            try (EchoServer server = EchoServer.implicit(tls)) {
                for (String version : new String[] { "-tls1_2", "-tls1_3" }) {
                    Run r = run(Duration.ofSeconds(20), "QUIT\n", "openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                            version, "-crlf", "-ign_eof", "-brief");
                    assertTrue(r.out().contains("220 echo ready"), k[0] + " " + version + " " + header.lines().findFirst() + ": " + r.all());
                }
            }
        }
        assertTrue(Files.readString(dir.resolve("rsa-pkcs1.key")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(dir.resolve("ec-sec1.key")).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(Files.readString(dir.resolve("ec-pkcs8.key")).contains("BEGIN PRIVATE KEY"));
    }

    @Test
    void unusableFilesStopTheStartNamingTheKey() throws Exception {
        Path chain = dir.resolve("chain.pem");
        Path key = dir.resolve("key.pem");
        writeCertificate(chain, key, "mail.example.test");
        Map<String, String> base = Map.of("server.data-dir", dir.toString(), "server.hostname", "mail.example.test");

        ConfigException onlyChain = assertThrows(ConfigException.class, () -> ServerTls.fromConfig(
                ServerConfig.fromMap(Map.of("tls.cert-chain", chain.toString())).with(base)));
        assertTrue(onlyChain.getMessage().contains("tls.private-key"), onlyChain.getMessage());

        ConfigException missing = assertThrows(ConfigException.class, () -> ServerTls.fromConfig(ServerConfig.fromMap(base)
                .with(Map.of("tls.cert-chain", chain.toString(), "tls.private-key", dir.resolve("nope.pem").toString()))));
        assertTrue(missing.getMessage().contains("tls.cert-chain") && missing.getMessage().contains("nope.pem"), missing.getMessage());

        Path encrypted = dir.resolve("encrypted.pem");
        Run gen = run(Duration.ofSeconds(30), "", "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-aes256", "-pass", "pass:secret", "-out", encrypted.toString());
        assertEquals(0, gen.exit(), gen.all());
        PemFiles.PemException e = assertThrows(PemFiles.PemException.class, () -> PemFiles.readPrivateKey(encrypted));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());

        Path otherKey = dir.resolve("other.pem");
        writeCertificate(dir.resolve("other-chain.pem"), otherKey, "mail.example.test");
        PemFiles.PemException mismatch = assertThrows(PemFiles.PemException.class, () -> PemFiles.load(chain, otherKey));
        assertTrue(mismatch.getMessage().contains("does not match"), mismatch.getMessage());
    }
}
