package io.mailserver.net.tls;

import io.mailserver.testkit.TestTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

/** Certificates on disk, a TLS client that trusts anything, and {@code openssl} as a subprocess. */
final class TlsTestSupport {
    private TlsTestSupport() {
    }

    /** Writes a fresh self-signed chain and key for {@code host} to {@code chain} and {@code key}; returns the fingerprint. */
    static String writeCertificate(Path chain, Path key, String host) throws IOException {
        KeyMaterial m = SelfSignedCertificate.generate(host);
        Files.writeString(key, PemFiles.toPem(m.privateKey()));
        Files.writeString(chain, PemFiles.toPem(m.leaf()));
        return m.sha256Fingerprint();
    }

    /** Puts TLS on a connected socket (after STARTTLS) or opens an implicit-TLS connection when {@code plain} is null. */
    static SSLSocket handshake(Socket plain, int port) throws Exception {
        SSLSocket tls = plain == null
                ? (SSLSocket) TestTls.trustingAnyone().getSocketFactory().createSocket("127.0.0.1", port)
                : (SSLSocket) TestTls.trustingAnyone().getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
        tls.setSoTimeout(10_000);
        tls.startHandshake();
        return tls;
    }

    static String fingerprint(SSLSocket socket) throws Exception {
        return KeyMaterial.fingerprint((X509Certificate) socket.getSession().getPeerCertificates()[0]);
    }

    /** Reads one CRLF-terminated line (without the CRLF); null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads a whole SMTP-style reply (continuation lines have a '-' after the code); returns its last line. */
    static String readReply(InputStream in) throws IOException {
        String line;
        do {
            line = readLine(in);
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    record Run(int exit, String out, String err) {
        String all() {
            return out + "\n" + err;
        }
    }

    /** Runs a command with {@code stdin} as its input and waits for it, at most {@code timeout}. */
    static Run run(Duration timeout, String stdin, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // the command may have ended (e.g. a refused handshake) before reading its input
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd + "\n" + out.getNow("") + err.getNow(""));
        }
        return new Run(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }

    private static String slurp(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
