package io.mailserver.mta.smtp.check;

/**
 * One policy check of incoming mail. Each stage has its own interface with the facts known there; a check
 * implements one of them, is configured by its own settings (passed to its constructor), and is listed in
 * {@link InboundChecks} in the order it runs. Checks run on the listener's handler threads, never on a MINA
 * I/O thread, so a check may block on DNS or the store. A check must be safe for use by many sessions at
 * once; per-message state lives in the {@link MessageScan} a {@link DataCheck} opens.
 */
public sealed interface InboundCheck permits ConnectCheck, HeloCheck, MailCheck, RcptCheck, DataCheck {
    Stage stage();
}
