package io.mailserver.pop3;

import static io.mailserver.pop3.Pop3State.AUTHORIZATION;
import static io.mailserver.pop3.Pop3State.TRANSACTION;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Every verb with the states it is allowed in (the Postfix {@code smtpd_cmd_table} shape), plus the CAPA
 * lines (RFC 2449 section 5) with the condition under which each is advertised. Immutable; an extension
 * such as STLS is added with {@link #with} and {@link #withCapability}, e.g.
 * {@code standard().with("STLS", EnumSet.of(AUTHORIZATION), new StlsCommand(...)).withCapability(...)}.
 */
public final class CommandTable {

    public record Entry(String verb, Set<Pop3State> states, Pop3Command command) {
        public boolean allowedIn(Pop3State state) {
            return states.contains(state);
        }
    }

    /** One CAPA line, shown when {@code when} holds for the asking session. */
    public record Capability(String line, Predicate<Pop3Session> when) {
    }

    private final Map<String, Entry> entries;
    private final List<Capability> capabilities;

    private CommandTable(Map<String, Entry> entries, List<Capability> capabilities) {
        this.entries = Collections.unmodifiableMap(entries);
        this.capabilities = List.copyOf(capabilities);
    }

    /** RFC 1939, RFC 2449 CAPA and RFC 5034 AUTH; no APOP (see {@link ApopCommand}). */
    public static CommandTable standard() {
        Set<Pop3State> auth = EnumSet.of(AUTHORIZATION);
        Set<Pop3State> trans = EnumSet.of(TRANSACTION);
        Set<Pop3State> both = EnumSet.of(AUTHORIZATION, TRANSACTION);
        Map<String, Entry> m = new LinkedHashMap<>();
        put(m, "USER", auth, new UserCommand());
        put(m, "PASS", auth, new PassCommand());
        put(m, "AUTH", auth, new Pop3AuthCommand());
        put(m, "APOP", auth, new ApopCommand());
        put(m, "CAPA", both, new CapaCommand());
        put(m, "QUIT", both, new QuitCommand());
        put(m, "STAT", trans, new StatCommand());
        put(m, "LIST", trans, new ListCommand());
        put(m, "UIDL", trans, new UidlCommand());
        put(m, "RETR", trans, new RetrCommand());
        put(m, "TOP", trans, new TopCommand());
        put(m, "DELE", trans, new DeleCommand());
        put(m, "NOOP", trans, new NoopCommand());
        put(m, "RSET", trans, new RsetCommand());

        List<Capability> caps = new ArrayList<>();
        // RFC 2449 section 6: the initial set, in the order the RFC lists them
        caps.add(new Capability("TOP", s -> true));
        caps.add(new Capability("USER", s -> true));
        caps.add(new Capability("SASL PLAIN", s -> true));
        caps.add(new Capability("RESP-CODES", s -> true));
        // RFC 3206 section 6: [AUTH] and [SYS/*] codes also on AUTH replies
        caps.add(new Capability("AUTH-RESP-CODE", s -> true));
        caps.add(new Capability("PIPELINING", s -> true));
        caps.add(new Capability("UIDL", s -> true));
        caps.add(new Capability("IMPLEMENTATION " + Pop3Settings.IMPLEMENTATION, s -> true));
        return new CommandTable(m, caps);
    }

    private static void put(Map<String, Entry> m, String verb, Set<Pop3State> states, Pop3Command c) {
        m.put(verb, new Entry(verb, Set.copyOf(states), c));
    }

    /** A copy with this verb added or replaced. */
    public CommandTable with(String verb, Set<Pop3State> states, Pop3Command command) {
        Map<String, Entry> m = new LinkedHashMap<>(entries);
        put(m, verb, states, command);
        return new CommandTable(m, capabilities);
    }

    /** A copy with one more CAPA line. */
    public CommandTable withCapability(Capability capability) {
        List<Capability> caps = new ArrayList<>(capabilities);
        caps.add(capability);
        return new CommandTable(entries, caps);
    }

    /** A copy in which the CAPA line {@code line} is shown only when {@code when} holds. */
    public CommandTable withCapabilityShownWhen(String line, Predicate<Pop3Session> when) {
        List<Capability> caps = new ArrayList<>();
        for (Capability c : capabilities) {
            caps.add(c.line().equals(line) ? new Capability(line, when) : c);
        }
        return new CommandTable(entries, caps);
    }

    public Optional<Entry> find(String verb) {
        return Optional.ofNullable(entries.get(verb));
    }

    /** The CAPA lines for this session, in table order. */
    public List<String> capabilitiesFor(Pop3Session session) {
        List<String> out = new ArrayList<>();
        for (Capability c : capabilities) {
            if (c.when().test(session)) {
                out.add(c.line());
            }
        }
        return out;
    }
}
