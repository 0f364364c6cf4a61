package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.SmtpSession;

/** Runs when a client connects, before the greeting (e.g. a DNS blocklist). A refusal is sent instead of the greeting, then the connection closes. */
public non-sealed interface ConnectCheck extends InboundCheck {
    CheckResult atConnect(SmtpSession session);

    @Override
    default Stage stage() {
        return Stage.CONNECT;
    }
}
