package io.mailserver.config;

/** A configuration problem, with a message meant for the operator: it names the key, the value and what is expected. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    static ConfigException badValue(String key, String value, String expected, String source) {
        return new ConfigException("configuration " + source + ": " + key + " = \"" + value + "\" is invalid: expected " + expected);
    }
}
