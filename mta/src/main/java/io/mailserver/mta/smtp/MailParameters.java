package io.mailserver.mta.smtp;

import java.util.OptionalLong;

/** The ESMTP parameters of MAIL FROM this server understands: RFC 1870 SIZE and RFC 6152 BODY. */
public record MailParameters(OptionalLong declaredSize, BodyType body) {
    public static final MailParameters NONE = new MailParameters(OptionalLong.empty(), BodyType.SEVEN_BIT);

    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME }
}
