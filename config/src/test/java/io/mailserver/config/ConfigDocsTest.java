package io.mailserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The shipped sample file and the configuration reference must name every key the server accepts. */
class ConfigDocsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void sampleConfigFileNamesEveryKeyAndParses() throws Exception {
        Path conf = ROOT.resolve("conf/mailserver.conf");
        String text = Files.readString(conf);
        for (String key : ConfigKeys.all().keySet()) {
            assertTrue(text.contains(key + " ="), "conf/mailserver.conf lacks " + key + " (regenerate with ConfigDocs)");
        }
        assertNotNull(ServerConfig.load(conf, Map.of()));
    }

    @Test
    void referenceDocumentNamesEveryKey() throws Exception {
        String text = Files.readString(ROOT.resolve("docs/configuration.md"));
        for (ConfigKey key : ConfigKeys.all().values()) {
            assertTrue(text.contains("`" + key.name() + "`"), "docs/configuration.md lacks " + key.name());
        }
    }

    @Test
    void generatedSampleParsesAsDefaults() throws Exception {
        Path tmp = Files.createTempFile("generated", ".conf");
        try {
            Files.writeString(tmp, ConfigDocs.defaultConfigFile());
            assertEquals(ServerConfig.defaults().smtpListen(), ServerConfig.load(tmp, Map.of()).smtpListen());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
