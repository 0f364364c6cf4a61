package io.mailserver.testkit.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's python3-dkim (dkimpy), an independent DKIM signer and verifier, for the interoperability tests.
 * It is run with {@code /usr/bin/python3}, where apt installs it ({@code .ci/run} does), not with whatever
 * {@code python3} comes first on the PATH (a pyenv one would not have it).
 */
public final class PythonDkim {
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    /** What the script printed and how it ended. */
    public record Run(int exit, String output) {
    }

    private PythonDkim() {
    }

    /** Fails the calling test with the fix when python3-dkim is missing (the tests never skip it). */
    public static void requireInstalled() {
        Run r = python(List.of("-c", "import dkim, nacl, dns.resolver"));
        if (r.exit() != 0) {
            throw new AssertionError("python3-dkim is needed by this test (as .ci/run installs it): apt-get install python3-dkim\n" + r.output());
        }
    }

    /** dkimpy verifies every signature, its keys from the DNS server on 127.0.0.1:{@code dnsPort}. */
    public static Run verify(int dnsPort, byte[] message) {
        Path file = temp(message);
        try {
            return python(List.of(script().toString(), "verify", String.valueOf(dnsPort), file.toString()));
        } finally {
            delete(file);
        }
    }

    /**
     * dkimpy signs the message.
     * @param key for rsa-sha256 a PEM private key; for ed25519-sha256 the base64 of the 32-octet seed
     * @param canonicalization e.g. {@code relaxed/simple}
     * @return the DKIM-Signature field, CRLF at the end
     */
    public static String sign(byte[] message, String selector, String domain, String key, String algorithm, String canonicalization,
                              boolean withLength) {
        Path msg = temp(message);
        Path keyFile = temp(key.getBytes(StandardCharsets.US_ASCII));
        try {
            List<String> args = new ArrayList<>(List.of(script().toString(), "sign", msg.toString(), selector, domain, keyFile.toString(),
                    algorithm, canonicalization));
            if (withLength) {
                args.add("length");
            }
            Run r = python(args);
            if (r.exit() != 0) {
                throw new AssertionError("dkimpy could not sign: " + r.output());
            }
            return r.output();
        } finally {
            delete(msg);
            delete(keyFile);
        }
    }

    /** A PKCS#8 RSA private key as PEM. */
    public static String pem(byte[] pkcs8) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n";
    }

    /** The 32-octet seed at the end of the JDK's PKCS#8 encoding of an Ed25519 private key, in base64. */
    public static String ed25519Seed(byte[] pkcs8) {
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length));
    }

    private static Run python(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("python3 did not finish: " + command);
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(127, "cannot run " + PYTHON + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Path script() {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "mailserver-pydkim-" + ProcessHandle.current().pid() + ".py");
        if (!Files.exists(p)) {
            try (InputStream in = PythonDkim.class.getResourceAsStream("pydkim.py")) {
                Path tmp = Files.createTempFile("pydkim", ".py");
                Files.write(tmp, in.readAllBytes());
                Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                p.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    private static Path temp(byte[] content) {
        try {
            Path f = Files.createTempFile("pydkim", ".dat");
            Files.write(f, content);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // a temporary file of a test; the OS cleans /tmp
        }
    }
}
