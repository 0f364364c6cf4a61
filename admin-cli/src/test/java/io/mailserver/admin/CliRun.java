package io.mailserver.admin;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.TempStore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs mailctl in-process against the store in one data directory, the way an operator would. */
final class CliRun {
    /** What one invocation printed and returned. */
    record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    final Map<String, String> env = new HashMap<>();
    /** null: the public entry point, with the real (absent, under a test runner) console. */
    private Terminal terminal;
    /** null: the public entry point, with the production store and password hashing. */
    private StoreOpener opener;

    CliRun(Path dataDir) {
        env.put("MAILSERVER_SERVER_DATA_DIR", dataDir.toString());
    }

    /**
     * Hashes passwords with {@link TempStore#TEST_ITERATIONS} instead of 310,000 PBKDF2 rounds: for tests
     * whose subject is not hashing, so that the whole suite stays fast. Verification reads the rounds from
     * the stored hash, so checks through {@link #openStore()} work either way.
     */
    CliRun cheapHashing() {
        this.opener = config -> JdbcMailStore.open(config, new PasswordHasher(TempStore.TEST_ITERATIONS), JdbcMailStore.Role.TOOL);
        return this;
    }

    CliRun terminal(Terminal t) {
        this.terminal = t;
        return this;
    }

    Result run(String... args) {
        return runWithStdin("", args);
    }

    Result runWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            ByteArrayInputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
            if (terminal == null && opener == null) {
                code = Mailctl.run(args, in, o, e, env);
            } else {
                code = Mailctl.run(args, in, o, e, env, terminal == null ? Terminal.system() : terminal,
                        opener == null ? StoreOpener.DEFAULT : opener);
            }
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The same store, opened directly, to check what mailctl did. */
    MailStore openStore() {
        return JdbcMailStore.open(ServerConfig.load(null, env), new PasswordHasher(TempStore.TEST_ITERATIONS));
    }

    /** A terminal that answers prompts from a script and records them. */
    static final class ScriptedTerminal implements Terminal {
        private final Deque<String> answers;
        final List<String> prompts = new ArrayList<>();

        ScriptedTerminal(String... answers) {
            this.answers = new java.util.ArrayDeque<>(List.of(answers));
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public char[] readPassword(String prompt) {
            prompts.add(prompt);
            String a = answers.poll();
            return a == null ? null : a.toCharArray();
        }
    }
}
