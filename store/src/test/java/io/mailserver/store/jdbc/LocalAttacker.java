package io.mailserver.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * Run by {@link LocalAttackerTest} as another OS user on the same host: tries to read the database
 * password, then to reach the embedded database the way H2's own auto-server client does (host, port
 * and key from the lock file, then a TCP connection) with the passwords an attacker would guess.
 * Prints one line per attempt. Args: data directory, the real password (tried last, as a control that
 * the route itself works).
 */
public final class LocalAttacker {
    /**
     * user/password: the configured user and H2's usual admin with the empty password (what the store
     * used before db.secret), then common guesses. Few: H2 delays each wrong password, doubling from
     * 250 ms up to 4 s.
     */
    static final List<String> GUESSES = List.of("mail/", "sa/", "mail/mail", "sa/sa");

    private LocalAttacker() {
    }

    public static void main(String[] args) {
        Path dataDir = Path.of(args[0]);
        String control = args[1];
        try {
            String secret = Files.readString(dataDir.resolve("db.secret"), StandardCharsets.US_ASCII).strip();
            System.out.println("SECRET readable " + secret);
        } catch (NoSuchFileException e) {
            System.out.println("SECRET missing");
        } catch (IOException e) {
            System.out.println("SECRET unreadable " + e.getClass().getSimpleName());
        }
        Properties lock = new Properties();
        try (InputStream in = Files.newInputStream(dataDir.resolve("db").resolve("mail.lock.db"))) {
            lock.load(in);
        } catch (IOException e) {
            System.out.println("LOCK unreadable " + e.getClass().getSimpleName());
            return;
        }
        System.out.println("LOCK readable server=" + lock.getProperty("server"));
        String url = "jdbc:h2:tcp://" + lock.getProperty("server") + "/" + lock.getProperty("id");
        for (String guess : GUESSES) {
            int slash = guess.indexOf('/');
            System.out.println(attempt(url, guess.substring(0, slash), guess.substring(slash + 1), guess));
        }
        System.out.println(attempt(url, "mail", control, "control"));
    }

    private static String attempt(String url, String user, String password, String label) {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            return "CONNECTED " + label;
        } catch (SQLException e) {
            return "REFUSED " + label + " " + e.getErrorCode();
        }
    }
}
