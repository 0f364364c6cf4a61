package io.mailserver.admin;

import java.io.Console;
import java.lang.reflect.Method;

/** Where an interactive password prompt is read from, without echo. */
public interface Terminal {
    /** True when a person can be prompted (an interactive console is attached). */
    boolean available();

    /** Prompts and reads one line without echo; null at end of input. */
    char[] readPassword(String prompt);

    /** The process's console, if it has one. */
    static Terminal system() {
        return new Terminal() {
            @Override
            public boolean available() {
                Console console = System.console();
                if (console == null) {
                    return false;
                }
                // Java 22+ returns a Console even when stdin is not a terminal; isTerminal() tells.
                try {
                    Method isTerminal = Console.class.getMethod("isTerminal");
                    return (Boolean) isTerminal.invoke(console);
                } catch (ReflectiveOperationException e) {
                    return true;
                }
            }

            @Override
            public char[] readPassword(String prompt) {
                return System.console().readPassword("%s", prompt);
            }
        };
    }

    /** No console: every prompt is refused. */
    static Terminal none() {
        return new Terminal() {
            @Override
            public boolean available() {
                return false;
            }

            @Override
            public char[] readPassword(String prompt) {
                return null;
            }
        };
    }
}
