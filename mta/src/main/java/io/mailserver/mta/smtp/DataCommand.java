package io.mailserver.mta.smtp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.store.MailMetrics;
import io.mailserver.session.Line;
import io.mailserver.session.Printable;
import io.mailserver.store.Delivery;
import io.mailserver.store.QueueIds;
import io.mailserver.store.StoreException;
import io.mailserver.store.UncertainCommitException;

/**
 * DATA (RFC 5321 4.1.1.4; no argument, and the state check has made sure recipients exist): opens the delivery,
 * writes our Received header, hands the protocol a {@link Message} to feed the content lines to, and answers 354.
 * At CRLF.CRLF the {@link Message} decides (the DATA_END checks) and commits: {@code 250} only once the commit is
 * durable (docs/design.md, contract 2).
 */
final class DataCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(DataCommand.class);

    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        if (!argument.isEmpty()) {
            return Outcome.reply(Replies.syntax("DATA"));
        }
        protocol.receive(open(protocol));
        return Outcome.reply(Replies.START_MAIL_INPUT);
    }

    private static Message open(SmtpProtocol protocol) {
        SmtpContext context = protocol.context();
        SmtpSession session = protocol.session();
        Transaction envelope = protocol.transaction();
        String queueId = QueueIds.next();
        Delivery delivery = context.store().messages().begin(envelope.sender().envelopeAddress(), queueId);
        try {
            List<AcceptedRecipient> rcpts = envelope.recipients();
            ForwardPath only = rcpts.size() == 1 ? rcpts.get(0).path() : null;
            String hostname = protocol.settings().hostname();
            delivery.content().write(ReceivedHeader.render(session, hostname, queueId, only, ZonedDateTime.now(context.clock())));
            MessageReceiver receiver = new MessageReceiver(delivery.content(), protocol.settings().rejectBareNewline(),
                    protocol.settings().rejectLongDataLines(), context.checks().openScans(session, envelope));
            return new Message(delivery, receiver, queueId, envelope);
        } catch (IOException | RuntimeException e) {
            delivery.close();
            throw e instanceof StoreException se ? se : new StoreException("cannot start storing a message: " + e.getMessage(), e);
        }
    }

    /** One message on its way in after 354: where it is stored, what reads it, its queue id and its envelope. */
    record Message(Delivery delivery, MessageReceiver receiver, String queueId, Transaction envelope) {

        /** @return true when this line was the terminating "." (then call {@link #finish}). */
        boolean accept(Line line) {
            return receiver.accept(line);
        }

        long size() {
            return receiver.size();
        }

        /** The client went away or the session ends: nothing of the message is stored. */
        void discard() {
            try {
                delivery.close();
            } catch (RuntimeException e) {
                log.warn("discarding a message failed: {}", e.getMessage());
            }
        }

        /** The end of data: the DATA_END checks' verdict, then the commit; the reply (or a close without one). */
        Outcome finish(SmtpProtocol protocol) {
            try (delivery) {
                return decideAndCommit(protocol);
            } catch (UncertainCommitException e) {
                // Stored and visible, but not known to be on disk: 250 would promise durability, and 451 would say
                // it was not taken. No reply says what we know: nothing certain. The client acts as on a 451 and
                // retries (RFC 5321 3.8), so a duplicate is possible, a loss is not.
                log.error("{}: message committed but neither durable nor withdrawn; closing without a reply: {}", queueId, e.getMessage());
                return Outcome.closeWithoutReply();
            }
        }

        private Outcome decideAndCommit(SmtpProtocol protocol) {
            SmtpSession session = protocol.session();
            CheckResult result = receiver.finish();
            if (!result.accepted()) {
                if (receiver.storeError() != null) {
                    log.warn("{}: cannot write message content, answered 451: {}", queueId, receiver.storeError().getMessage());
                }
                log.info("{}: reject DATA from {}: {}; from={} size={}", queueId, session.clientForLog(), result.reply().summary(),
                        Printable.forLog(envelope.sender().toString()), receiver.size());
                MailMetrics.smtpTransaction(listener(session), result.kind() == CheckResult.Kind.TEMPFAIL ? "tempfail" : "rejected");
                return Outcome.refusal(result);
            }
            List<String> added = receiver.headersToAdd();
            if (!added.isEmpty()) {
                delivery.prepend(headerLines(added));
            }
            for (long user : envelope.localUserIds()) {
                delivery.addLocalRecipient(user);
            }
            List<String> remote = envelope.remoteAddresses();
            for (String address : remote) {
                delivery.addRemoteRecipient(address);
            }
            try {
                delivery.commit(); // docs/design.md, contract 2: returns only once the transaction is durable
            } catch (UncertainCommitException e) {
                throw e; // no reply at all: see finish
            } catch (StoreException e) {
                log.warn("{}: store failed, answered 451, nothing stored: {}", queueId, e.getMessage());
                MailMetrics.smtpTransaction(listener(session), "tempfail");
                return Outcome.reply(Replies.LOCAL_ERROR);
            }
            if (!remote.isEmpty()) {
                protocol.context().remoteQueued();
            }
            session.resetErrors();
            log.info("{}: accepted client={}, from={}, to={}, size={}, local={}, remote={}, tls={}", queueId, session.clientForLog(),
                    Printable.forLog(envelope.sender().toString()),
                    envelope.recipients().stream().map(r -> Printable.forLog(r.path().toString())).collect(Collectors.joining(",")),
                    receiver.size(), envelope.localUserIds().size(), remote.size(), session.tlsActive() ? "yes" : "no");
            MailMetrics.smtpTransaction(listener(session), "accepted");
            MailMetrics.messageAccepted(listener(session), receiver.size());
            return Outcome.reply(Replies.queued(queueId));
        }

        private static String listener(SmtpSession session) {
            return session.profile().name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The DATA_END checks' header fields, each on its own line(s), in list order. */
        private static byte[] headerLines(List<String> fields) {
            StringBuilder sb = new StringBuilder();
            for (String field : fields) {
                sb.append(field).append("\r\n");
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
