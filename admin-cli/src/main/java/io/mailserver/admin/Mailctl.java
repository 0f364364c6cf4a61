package io.mailserver.admin;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code mailctl}: the operator's tool for domains, users, aliases and the outbound queue.
 * It works on the same store as the running server (docs/design.md, contract 1).
 *
 * <p>A new entity is one class extending {@link EntityCommand} plus one line in {@code subcommands} below.
 */
@Command(name = "mailctl",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Manage the mail server's domains, users, aliases, outbound queue, DKIM keys and DNS records. Works while the server runs.",
        footer = {"", "Exit codes: 0 ok, 1 usage or bad input, 2 not found, 3 conflict,",
                "4 store unavailable, 5 bad configuration, 6 a check failed (dns check, status). See docs/mailctl.md."},
        subcommands = {
                DomainCommand.class,
                UserCommand.class,
                AliasCommand.class,
                QueueCommand.class,
                StatusCommand.class,
                DkimCommand.class,
                DnsCommand.class,
        })
public final class Mailctl implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "The server's configuration file (default: built-in defaults; MAILSERVER_* environment variables override either).")
    Path configFile;

    private final CliContext context;

    Mailctl(CliContext context) {
        this.context = context;
    }

    /** The invocation's context; {@code --config} is applied on first use. */
    CliContext context() {
        context.configFile(configFile);
        return context;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: one of " + String.join(", ", spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        // Hikari and Flyway log through slf4j; mailctl's own output must stay clean (see mailctl-logback.xml)
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "io/mailserver/admin/mailctl-logback.xml");
        }
        int code = run(args, System.in, System.out, System.err, System.getenv(), Terminal.system(), StoreOpener.DEFAULT);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one mailctl command in this process and returns its exit code (see {@link ExitCode}). */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, stdin, out, err, env, Terminal.system(), StoreOpener.DEFAULT);
    }

    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Map<String, String> env,
                   Terminal terminal, StoreOpener opener) {
        try (CliContext context = new CliContext(stdin, out, err, env, terminal, opener)) {
            CommandLine cli = commandLine(context);
            return cli.execute(args);
        } catch (RuntimeException e) {
            // closing the store failed; the command itself has finished and reported
            ErrorReport report = ErrorReport.of(e);
            err.println(report.line());
            return report.exitCode();
        } finally {
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(CliContext context) {
        CommandLine cli = new CommandLine(new Mailctl(context));
        cli.setOut(new PrintWriter(context.out(), true));
        cli.setErr(new PrintWriter(context.err(), true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> {
            String hint = ex.getCommandLine().getCommandSpec().qualifiedName();
            context.err().println("mailctl: " + ErrorReport.oneLine(ex.getMessage()) + " (see " + hint + " --help)");
            return ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            ErrorReport report = ErrorReport.of(ex);
            context.err().println(report.line());
            return report.exitCode();
        });
        return cli;
    }
}
