package io.mailserver.admin;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** {@code --version}: the project version, filled in by Maven resource filtering at build time. */
public final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"mailctl " + number()};
    }

    public static String number() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
