package io.mailserver.mailauth.dmarc;

import io.mailserver.mailauth.dmarc.DmarcRecord.Policy;
import io.mailserver.mailauth.dmarc.DmarcVerdict.Action;
import io.mailserver.mailauth.results.DkimResult;
import io.mailserver.mailauth.spf.SpfDns;
import io.mailserver.mailauth.spf.SpfResult;
import io.mailserver.mailauth.spf.SpfVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * DMARC (RFC 7489): finds the policy of each RFC5322.From domain (6.6.3: {@code _dmarc.<domain>}, then
 * {@code _dmarc.<organizational domain>}), and checks whether SPF or a DKIM signature passed for an
 * aligned domain (3.1). A message with several From domains is judged by the strictest outcome, so a
 * second address cannot hide a failing one; a message without a From domain has no DMARC result.
 *
 * <p>Temporary DNS errors never turn into a refusal on a guess: a policy that cannot be fetched means no
 * policy is applied (the message is delivered, marked {@code dmarc=temperror}); only when the policy is
 * known to be {@code reject} and an SPF or DKIM temperror for an aligned domain may hide a pass is the
 * action {@link Action#TEMPFAIL}.
 */
public final class DmarcChecker {
    private final SpfDns dns;
    private final RandomGenerator random;

    /** @param random draws the pct= sample (RFC 7489 6.6.4) */
    public DmarcChecker(SpfDns dns, RandomGenerator random) {
        this.dns = dns;
        this.random = random;
    }

    public DmarcVerdict check(List<String> fromDomains, SpfVerdict spf, List<DkimResult> dkim) {
        if (fromDomains.isEmpty()) {
            return new DmarcVerdict("none", null, null, Action.DELIVER, "no From domain");
        }
        DmarcVerdict strictest = null;
        for (String from : fromDomains) {
            DmarcVerdict v = checkOne(OrganizationalDomain.normalize(from), spf, dkim);
            if (strictest == null || stronger(v, strictest)) {
                strictest = v;
            }
        }
        return strictest;
    }

    private static boolean stronger(DmarcVerdict a, DmarcVerdict b) {
        if (a.action() != b.action()) {
            return a.action().ordinal() > b.action().ordinal();
        }
        return rank(a.result()) > rank(b.result());
    }

    private static int rank(String result) {
        return List.of("pass", "none", "permerror", "temperror", "fail").indexOf(result);
    }

    private record Found(DmarcRecord record, boolean atOrganizationalDomain, String problem, boolean temporary) {
    }

    private DmarcVerdict checkOne(String from, SpfVerdict spf, List<DkimResult> dkim) {
        Found found = find(from);
        if (found.temporary()) {
            return new DmarcVerdict("temperror", from, null, Action.DELIVER, found.problem());
        }
        if (found.problem() != null) {
            return new DmarcVerdict("permerror", from, null, Action.DELIVER, found.problem());
        }
        if (found.record() == null) {
            return new DmarcVerdict("none", from, null, Action.DELIVER, "no DMARC record");
        }
        DmarcRecord rec = found.record();
        Policy policy = found.atOrganizationalDomain() ? rec.subdomainPolicy() : rec.policy();
        boolean spfAligned = spf != null && spf.result() == SpfResult.PASS && OrganizationalDomain.aligned(spf.domain(), from, rec.strictSpf());
        DkimResult alignedDkim = null;
        for (DkimResult d : dkim) {
            if (d.isPass() && OrganizationalDomain.aligned(d.domain(), from, rec.strictDkim())) {
                alignedDkim = d;
                break;
            }
        }
        if (spfAligned || alignedDkim != null) {
            String how = spfAligned ? "SPF aligned: " + spf.domain() : "DKIM aligned: d=" + alignedDkim.domain();
            return new DmarcVerdict("pass", from, policy, Action.DELIVER, how);
        }
        boolean hiddenPass = spf != null && spf.result() == SpfResult.TEMPERROR && OrganizationalDomain.aligned(spf.domain(), from, rec.strictSpf());
        for (DkimResult d : dkim) {
            hiddenPass |= d.result().equals("temperror") && OrganizationalDomain.aligned(d.domain(), from, rec.strictDkim());
        }
        Policy applied = sampled(policy, rec.percent());
        String sample = applied != policy ? ", not sampled at pct=" + rec.percent() : "";
        if (hiddenPass) {
            return new DmarcVerdict("temperror", from, policy,
                    applied == Policy.REJECT ? Action.TEMPFAIL : Action.DELIVER, "no aligned pass yet: temporary DNS error" + sample);
        }
        Action action = switch (applied) {
            case REJECT -> Action.REJECT;
            case QUARANTINE -> Action.QUARANTINE;
            case NONE -> Action.DELIVER;
        };
        return new DmarcVerdict("fail", from, policy, action, "neither SPF nor DKIM aligned with " + from + sample);
    }

    /** RFC 7489 6.6.4: outside the pct= sample the next weaker policy applies. */
    private Policy sampled(Policy policy, int percent) {
        if (percent >= 100 || random.nextInt(100) < percent) {
            return policy;
        }
        return switch (policy) {
            case REJECT -> Policy.QUARANTINE;
            case QUARANTINE, NONE -> Policy.NONE;
        };
    }

    private Found find(String from) {
        Found atDomain = lookup(from, false);
        if (atDomain.record() != null || atDomain.problem() != null) {
            return atDomain;
        }
        String org = OrganizationalDomain.of(from);
        return org.equals(from) ? atDomain : lookup(org, true);
    }

    private Found lookup(String domain, boolean organizational) {
        SpfDns.Answer<String> txt = dns.txt("_dmarc." + domain);
        if (txt.isTemporaryFailure()) {
            return new Found(null, organizational, "DMARC record of " + domain + " not available: " + txt.detail(), true);
        }
        List<String> candidates = new ArrayList<>();
        for (String r : txt.values()) {
            if (DmarcRecord.looksLikeDmarc(r)) {
                candidates.add(r);
            }
        }
        if (candidates.isEmpty()) {
            return new Found(null, organizational, null, false);
        }
        if (candidates.size() > 1) {
            // RFC 7489 6.6.3: several records end policy discovery; no policy applies
            return new Found(null, organizational, "_dmarc." + domain + " has several DMARC records", false);
        }
        try {
            return new Found(DmarcRecord.parse(candidates.get(0)), organizational, null, false);
        } catch (IllegalArgumentException e) {
            return new Found(null, organizational, "_dmarc." + domain + ": " + e.getMessage(), false);
        }
    }
}
