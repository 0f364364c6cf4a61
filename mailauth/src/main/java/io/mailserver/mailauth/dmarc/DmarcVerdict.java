package io.mailserver.mailauth.dmarc;

import io.mailserver.mailauth.dmarc.DmarcRecord.Policy;

/**
 * The DMARC outcome of one message.
 *
 * @param result an RFC 8601 keyword: pass, fail, none, temperror, permerror
 * @param fromDomain the RFC5322.From domain the result is for (null when the message has none)
 * @param policy the policy the domain asks for (p=, or sp= for a subdomain), null without a usable record
 * @param action what the domain's policy means for this message, after pct= sampling
 * @param reason for logs, the header comment and the SMTP reply
 */
public record DmarcVerdict(String result, String fromDomain, Policy policy, Action action, String reason) {
    /**
     * In order of strength: deliver; deliver marked (quarantine); refuse for now (the message would be
     * rejected unless a temporary DNS error hides a pass); refuse (p=reject and the message failed).
     */
    public enum Action { DELIVER, QUARANTINE, TEMPFAIL, REJECT }
}
