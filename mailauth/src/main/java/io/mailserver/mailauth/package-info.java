/**
 * Message authentication as plain functions of a message and DNS answers: DKIM (RFC 6376, RFC 8463),
 * SPF (RFC 7208), DMARC (RFC 7489) and the Authentication-Results header (RFC 8601). Nothing here
 * knows about sessions, MINA or the store; the SMTP side calls in at its check stages and the
 * outbound side when it signs.
 */
package io.mailserver.mailauth;
