package io.mailserver.mta.smtp.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.mailserver.mailauth.dns.DnsResolver;
import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.Recipient;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.Transaction;
import io.mailserver.store.MailStore;

/**
 * Every policy check of incoming mail, in the order it runs; built once per server and shared by its
 * sessions. At each stage the checks of that stage run in list order and the first that does not accept
 * decides; the session core turns that one result into the reply. {@link #standard} is the one place that
 * says which checks a server runs.
 */
public final class InboundChecks {
    private final List<InboundCheck> checks;

    public InboundChecks(List<? extends InboundCheck> checks) {
        this.checks = List.copyOf(checks);
    }

    /**
     * The server's checks. {@code dns} empty: none that need DNS (a server without outbound delivery,
     * as some tests start it).
     */
    public static InboundChecks standard(SmtpSettings settings, MailStore store, Optional<DnsResolver> dns) {
        return standard(settings, store, dns, MailAuthChecks.NONE);
    }

    /** The server's checks with the mail-authentication ones ({@code auth.*}, see {@link MailAuthChecks}). */
    public static InboundChecks standard(SmtpSettings settings, MailStore store, Optional<DnsResolver> dns, MailAuthChecks auth) {
        List<InboundCheck> list = new ArrayList<>();
        // CONNECT: the client's name first, so that a refusal's log line and every Received have it
        auth.reverseDns().ifPresent(list::add);
        auth.dnsbl().ifPresent(list::add);
        // MAIL
        list.add(new DeclaredSizeCheck(settings.maxMessageSize()));
        dns.ifPresent(resolver -> list.add(new SenderDomainCheck(resolver, store.directory()::isLocalDomain, settings.checkSenderDomain())));
        list.add(new SenderOwnershipCheck(store.directory()));
        // RCPT
        list.add(new RelayCheck());
        list.add(new RecipientExistsCheck());
        // DATA_END
        list.add(new MessageSizeCheck(settings.maxMessageSize()));
        list.add(new LoopCheck(settings.maxReceivedHeaders()));
        list.add(new ContentPatternCheck(settings.contentRules()));
        // last: the DNS work of SPF and DMARC only for messages nothing else refused
        auth.message().ifPresent(list::add);
        return new InboundChecks(list);
    }

    /** These checks and then {@code more} (tests add theirs this way). */
    public InboundChecks with(InboundCheck... more) {
        List<InboundCheck> list = new ArrayList<>(checks);
        list.addAll(List.of(more));
        return new InboundChecks(list);
    }

    public List<InboundCheck> list() {
        return checks;
    }

    public CheckResult atConnect(SmtpSession session) {
        return firstRefusal(ConnectCheck.class, c -> c.atConnect(session));
    }

    public CheckResult atHelo(SmtpSession session) {
        return firstRefusal(HeloCheck.class, c -> c.atHelo(session));
    }

    public CheckResult atMail(SmtpSession session, ReversePath sender, MailParameters parameters) {
        return firstRefusal(MailCheck.class, c -> c.atMail(session, sender, parameters));
    }

    public CheckResult atRcpt(SmtpSession session, Transaction transaction, Recipient recipient) {
        return firstRefusal(RcptCheck.class, c -> c.atRcpt(session, transaction, recipient));
    }

    private <C extends InboundCheck> CheckResult firstRefusal(Class<C> stage, Function<C, CheckResult> ask) {
        for (InboundCheck c : checks) {
            if (stage.isInstance(c)) {
                CheckResult r = ask.apply(stage.cast(c));
                if (!r.accepted()) {
                    return r;
                }
            }
        }
        return CheckResult.accept();
    }

    /** One scan per {@link DataCheck}, in list order, for the message that starts now. */
    public List<MessageScan> openScans(SmtpSession session, Transaction transaction) {
        List<MessageScan> scans = new ArrayList<>();
        for (InboundCheck c : checks) {
            if (c instanceof DataCheck check) {
                scans.add(check.open(session, transaction));
            }
        }
        return scans;
    }
}
