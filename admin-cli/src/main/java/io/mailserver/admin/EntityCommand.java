package io.mailserver.admin;

import io.mailserver.store.Alias;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.User;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Base of an entity's command group ({@code mailctl domain ...}, {@code mailctl user ...}): access to the
 * invocation's context, the store and output, and lookups every group needs. Its actions are
 * {@code @Command} methods of the subclass (or nested command classes).
 */
public abstract class EntityCommand implements Runnable {
    @ParentCommand
    private Mailctl root;

    @Spec
    protected CommandSpec spec;

    /** Called when no action was given: {@code mailctl user}. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing action: one of " + String.join(", ", spec.subcommands().keySet()));
    }

    protected CliContext context() {
        return root.context();
    }

    protected MailStore store() {
        return context().store();
    }

    protected PrintStream out() {
        return context().out();
    }

    /** Prints a value as one line of JSON. */
    protected void printJson(Object value) {
        out().println(Json.write(value));
    }

    /** The address's domain must be one of ours. */
    protected void requireLocalDomain(MailAddress address) {
        String domain = address.normalizedDomain();
        if (store().domains().find(domain).isEmpty()) {
            throw CliException.notFound(domain + " is not a local domain (add it with: mailctl domain add " + domain + ")");
        }
    }

    /** How much mail a user's mailbox holds. */
    protected record Mailbox(long messages, long bytes) {
        @Override
        public String toString() {
            return Formats.count(messages, "message", "messages") + ", " + Formats.bytes(bytes);
        }
    }

    protected Mailbox mailbox(long userId) {
        long messages = 0;
        long bytes = 0;
        for (MaildropEntry e : store().maildrops().snapshot(userId)) {
            messages++;
            bytes += e.size();
        }
        return new Mailbox(messages, bytes);
    }

    /** Every alias address, to tell afterwards which ones a removal took with it. */
    protected Set<String> aliasAddresses() {
        Set<String> result = new TreeSet<>();
        for (Alias a : store().aliases().list(Optional.empty())) {
            result.add(a.address());
        }
        return result;
    }

    /**
     * Says which aliases a removal took with it: the store removes an alias whose last target is gone.
     * @param before {@link #aliasAddresses()} from before the removal
     */
    protected void reportVanishedAliases(Set<String> before) {
        Set<String> gone = new TreeSet<>(before);
        gone.removeAll(aliasAddresses());
        if (!gone.isEmpty()) {
            out().println("removed " + (gone.size() == 1 ? "alias " : "aliases ") + String.join(", ", gone) + ": no target left");
        }
    }

    protected User requireUser(MailAddress address) {
        return store().users().find(address)
                .orElseThrow(() -> CliException.notFound("no user " + address.key()));
    }
}
