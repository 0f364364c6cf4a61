package io.mailserver.mailauth.spf;

/**
 * What the SPF check of one message found.
 *
 * @param result the check_host() result
 * @param identity {@code mailfrom} or {@code helo}: which identity was checked (RFC 7208 2.3, 2.4)
 * @param domain the domain checked: the MAIL FROM domain, or the HELO name
 * @param sender the address check_host() ran for ({@code postmaster@helo} when MAIL FROM was empty)
 * @param reason for logs and the header comment: which term matched or what went wrong
 * @param explanation the domain's own explanation of a fail ({@code exp=}), or null
 */
public record SpfVerdict(SpfResult result, String identity, String domain, String sender, String reason, String explanation) {
}
