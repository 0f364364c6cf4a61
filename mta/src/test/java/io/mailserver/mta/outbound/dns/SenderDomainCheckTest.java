package io.mailserver.mta.outbound.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mailserver.mta.outbound.testing.StaticDns;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SenderDomainCheckTest {
    private final StaticDns dns = new StaticDns()
            .mx("mx.test", 10, "mx.mx.test")
            .mxStatus("aonly.test", DnsAnswer.Status.NO_RECORDS).a("aonly.test", "192.0.2.1")
            .mxStatus("nothing.test", DnsAnswer.Status.NO_RECORDS).aStatus("nothing.test", DnsAnswer.Status.NO_RECORDS)
            .mxStatus("flaky.test", DnsAnswer.Status.TEMP_FAILURE)
            .mxStatus("flakya.test", DnsAnswer.Status.NO_RECORDS).aStatus("flakya.test", DnsAnswer.Status.TEMP_FAILURE)
            .mx("nullmx.test", 0, "");

    @ParameterizedTest(name = "{0} trusted={1} enabled={2} -> {3} {4}")
    @CsvSource({
        "a@mx.test,          false, true,  250, 2.1.0",
        "a@aonly.test,       false, true,  250, 2.1.0",
        "a@nothing.test,     false, true,  553, 5.1.8",
        "a@nowhere.test,     false, true,  553, 5.1.8",
        "a@NoWhere.Test.,    false, true,  553, 5.1.8",
        "a@flaky.test,       false, true,  451, 4.1.8",
        "a@flakya.test,      false, true,  451, 4.1.8",
        "a@nullmx.test,      false, true,  550, 5.7.27",
        "a@nowhere.test,     true,  true,  250, 2.1.0",
        "a@nowhere.test,     false, false, 250, 2.1.0",
        "a@local.test,       false, true,  250, 2.1.0",
        "a@[192.0.2.1],      false, true,  250, 2.1.0",
        "'',                 false, true,  250, 2.1.0",
    })
    void verdicts(String sender, boolean trusted, boolean enabled, int code, String status) {
        SenderDomainCheck check = new SenderDomainCheck(dns, d -> d.equals("local.test"), enabled);
        SenderDomainCheck.Verdict v = check.check(sender, trusted);
        assertEquals(code, v.code(), v.replyLine());
        assertEquals(status, v.status());
    }

    @org.junit.jupiter.api.Test
    void replyNamesTheSender() {
        SenderDomainCheck check = new SenderDomainCheck(dns, d -> false, true);
        assertEquals("553 5.1.8 <a@nowhere.test>: Sender address rejected: Domain not found", check.check("a@nowhere.test", false).replyLine());
    }
}
