package io.mailserver.pop3;

/** One POP3 verb. The {@link CommandTable} has already checked the session state when this runs. */
@FunctionalInterface
public interface Pop3Command {
    Pop3Reply execute(Pop3Session session, CommandLine line);
}
