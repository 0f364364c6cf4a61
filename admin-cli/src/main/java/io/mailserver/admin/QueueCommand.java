package io.mailserver.admin;

import io.mailserver.relay.dsn.Bouncer;
import io.mailserver.relay.dsn.DsnMessage;
import io.mailserver.relay.dsn.DsnRecipient;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mailctl queue list|show|retry|delete|purge}: the outbound queue, one row per remote recipient. */
@Command(name = "queue", synopsisSubcommandLabel = "ACTION",
        description = "List, inspect, retry, delete and purge outbound mail (one row per remote recipient).")
public final class QueueCommand extends EntityCommand {

    @Command(name = "list", description = "List queued recipients: those waiting, being sent, and failed (--all: delivered too).")
    void list(@Option(names = "--json", description = "One line of JSON: [{id, queueId, sender, recipient, state, attempts, created, nextAttempt, lastReply}].") boolean json,
              @Option(names = "--all", description = "Also show delivered rows (kept until purged).") boolean all) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QueueEntry e : store().queue().list()) {
            if (all || e.state() != QueueEntry.State.DELIVERED) {
                rows.add(row(e));
            }
        }
        if (json) {
            printJson(rows);
            return;
        }
        if (rows.isEmpty()) {
            out().println(all ? "the queue is empty" : "no mail waiting in the queue");
            return;
        }
        Table table = new Table("ID", "QUEUE-ID", "SENDER", "RECIPIENT", "STATE", "ATTEMPTS", "NEXT-ATTEMPT", "LAST-REPLY");
        for (Map<String, Object> r : rows) {
            boolean waiting = r.get("state").equals("QUEUED") || r.get("state").equals("DEFERRED");
            table.row(r.get("id"), r.get("queueId"), "<" + r.get("sender") + ">", r.get("recipient"), r.get("state"), r.get("attempts"),
                    waiting ? Formats.instant((Instant) r.get("nextAttempt")) : "-", shorten((String) r.get("lastReply"), 60));
        }
        table.print(out());
    }

    @Command(name = "show", description = "Show one queue row and the header section of its message.")
    void show(@Parameters(paramLabel = "ID") long id,
              @Option(names = "--json", description = "One line of JSON: the row's fields plus headers.") boolean json) {
        QueueEntry e = require(id);
        Map<String, Object> r = row(e);
        String headers = headers(e.messageId());
        r.put("headers", headers);
        if (json) {
            printJson(r);
            return;
        }
        List<String[]> pairs = new ArrayList<>();
        pairs.add(new String[] {"id", String.valueOf(e.id())});
        pairs.add(new String[] {"queue id", e.queueId()});
        pairs.add(new String[] {"sender", "<" + e.sender() + ">"});
        pairs.add(new String[] {"recipient", e.recipient()});
        pairs.add(new String[] {"state", e.state().name()});
        pairs.add(new String[] {"attempts", String.valueOf(e.attempts())});
        pairs.add(new String[] {"queued", Formats.instant(e.createdAt())});
        pairs.add(new String[] {"next attempt", Formats.instant(e.nextAttemptAt())});
        pairs.add(new String[] {"last reply", e.lastReply() == null ? "" : e.lastReply()});
        Table.printRecord(out(), pairs);
        out().println();
        for (String line : headers.split("\r?\n", -1)) {
            if (!line.isEmpty()) {
                out().println(Table.clean(line));
            }
        }
    }

    /** Exactly one of ID and --all. */
    static final class RetryTarget {
        @Parameters(paramLabel = "ID", description = "The queue row to retry.")
        Long id;

        @Option(names = "--all", required = true, description = "Every waiting row.")
        boolean all;
    }

    @Command(name = "retry", description = "Make a waiting row (or every waiting row) due now; the server tries it at its next poll.")
    void retry(@ArgGroup(exclusive = true, multiplicity = "1") RetryTarget target) {
        if (target.id != null) {
            QueueEntry e = require(target.id);
            if (e.state() != QueueEntry.State.QUEUED && e.state() != QueueEntry.State.DEFERRED) {
                throw CliException.conflict("row " + e.id() + " is " + e.state() + ": only QUEUED or DEFERRED rows wait for a retry");
            }
        }
        int n = store().queue().retryNow(Optional.ofNullable(target.id));
        out().println(Formats.count(n, "row", "rows") + " due now");
    }

    @Command(name = "delete", description = {"Delete a queue row: that recipient will not get the message.",
            "With --bounce the sender is first told, by a delivery status notification."})
    void delete(@Parameters(paramLabel = "ID") long id,
                @Option(names = "--bounce", description = "Send the sender a failure notice (RFC 3464) before deleting.") boolean bounce) {
        QueueEntry e = require(id);
        String notice = "";
        if (bounce) {
            if (e.state() == QueueEntry.State.DELIVERED) {
                throw CliException.conflict("row " + id + " was delivered; there is nothing to bounce");
            }
            if (e.sender().isEmpty()) {
                notice = "; no notice: the message has the null sender";
            } else {
                Bouncer bouncer = new Bouncer(store().messages(), store().directory(), context().config().hostname());
                DsnRecipient r = new DsnRecipient(e.recipient(), DsnRecipient.Action.FAILED, "5.0.0", "delivery cancelled by the postmaster",
                        Optional.empty(), Instant.now());
                Optional<String> sent = bouncer.notify(new Bouncer.Original(e.queueId(), e.sender(), e.createdAt(), () -> content(e.messageId())),
                        List.of(r), Optional.empty(), Instant.now());
                notice = sent.map(q -> "; sender <" + e.sender() + "> notified (queue id " + q + ")")
                        .orElse("; no notice: <" + e.sender() + "> is no mailbox here");
            }
        }
        if (!store().queue().delete(id)) {
            throw CliException.notFound("no queue row " + id);
        }
        out().println("deleted queue row " + id + " (" + e.recipient() + ")" + notice);
    }

    @Command(name = "purge", description = {"Remove delivered and failed rows that finished longer ago than a given time, and the message"
            + " content nothing else needs.", "The server does this by itself every hour (queue.history-retention); this does it now."})
    void purge(@Option(names = "--older-than", paramLabel = "DURATION",
                       description = "Rows that finished longer ago than this: 30m, 12h, 7d; 0 for every finished row (default: queue.history-retention).")
               String olderThan,
               @Option(names = "--json", description = "One line of JSON: {rows, messages, bytes, finishedBefore}.") boolean json) {
        Duration age = olderThan == null ? context().config().queueHistoryRetention() : Inputs.duration(olderThan, "--older-than");
        Instant cutoff = Instant.now().minus(age);
        QueueStore.Purged purged = store().queue().purge(cutoff);
        if (json) {
            Map<String, Object> r = Json.object();
            r.put("rows", purged.rows());
            r.put("messages", purged.messages());
            r.put("bytes", purged.bytes());
            r.put("finishedBefore", cutoff);
            printJson(r);
            return;
        }
        out().println("purged " + Formats.count(purged.rows(), "row", "rows") + " finished before " + Formats.instant(cutoff) + "; reclaimed "
                + Formats.count(purged.messages(), "message", "messages") + ", " + Formats.bytes(purged.bytes()));
    }

    private QueueEntry require(long id) {
        return store().queue().find(id).orElseThrow(() -> CliException.notFound("no queue row " + id + " (see: mailctl queue list --all)"));
    }

    private static Map<String, Object> row(QueueEntry e) {
        Map<String, Object> r = Json.object();
        r.put("id", e.id());
        r.put("queueId", e.queueId());
        r.put("sender", e.sender());
        r.put("recipient", e.recipient());
        r.put("state", e.state().name());
        r.put("attempts", e.attempts());
        r.put("created", e.createdAt());
        r.put("nextAttempt", e.nextAttemptAt());
        r.put("lastReply", e.lastReply());
        return r;
    }

    private InputStream content(long messageId) {
        try {
            return store().queue().openContent(messageId);
        } catch (NotFoundException ex) {
            return InputStream.nullInputStream();
        }
    }

    /** The message's header section (bounded), or a note when the content is gone (delivered and reclaimed). */
    private String headers(long messageId) {
        try (InputStream in = store().queue().openContent(messageId)) {
            return new String(DsnMessage.headerSection(in), StandardCharsets.ISO_8859_1);
        } catch (NotFoundException ex) {
            return "";
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String shorten(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
