package io.mailserver.config;

import java.util.Map;

/** Renders the key table as a commented configuration file: {@code mailserver --print-default-config}. */
public final class ConfigDocs {
    private ConfigDocs() {
    }

    public static String defaultConfigFile() {
        StringBuilder sb = new StringBuilder();
        sb.append("# mailserver configuration. One \"key = value\" per line; '#' starts a comment.\n");
        sb.append("# Every key is optional: the value shown is the default. An environment variable\n");
        sb.append("# MAILSERVER_<KEY> (upper case, '.' and '-' as '_') overrides the file.\n");
        sb.append("# Sizes: 10240000, 512K, 32M, 1G. Durations: 30s, 5m, 1h, 5d. Lists: comma-separated.\n");
        String section = "";
        for (Map.Entry<String, ConfigKey> e : ConfigKeys.all().entrySet()) {
            ConfigKey k = e.getValue();
            String prefix = k.name().substring(0, k.name().indexOf('.'));
            if (!prefix.equals(section)) {
                section = prefix;
                sb.append("\n# ---- ").append(section).append('\n');
            }
            sb.append("\n# ").append(k.doc()).append('\n');
            if (k.kind() == ConfigKey.Kind.CHOICE) {
                sb.append("# One of: ").append(String.join(", ", k.choices())).append('\n');
            }
            if (k.repeatable()) {
                sb.append("# (may be given several times)\n");
            }
            sb.append("#").append(k.name()).append(" = ").append(k.defaultValue()).append('\n');
        }
        return sb.toString();
    }

    /** The key table of docs/configuration.md. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder("| key | default | environment variable | meaning |\n|---|---|---|---|\n");
        for (ConfigKey k : ConfigKeys.all().values()) {
            String doc = k.doc() + (k.kind() == ConfigKey.Kind.CHOICE ? " One of: " + String.join(", ", k.choices()) + "." : "")
                    + (k.repeatable() ? " Repeatable." : "");
            sb.append("| `").append(k.name()).append("` | ").append(k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`")
                    .append(" | `").append(k.envName()).append("` | ").append(doc.replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    /** {@code ConfigDocs} prints the sample file; {@code ConfigDocs --markdown} prints the reference table. */
    public static void main(String[] args) {
        System.out.print(args.length > 0 && args[0].equals("--markdown") ? markdownTable() : defaultConfigFile());
    }
}
