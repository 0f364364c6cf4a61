package io.mailserver.pop3;

/** Numeric arguments of TRANSACTION commands (RFC 1939 section 5: "a message-number ... may NOT refer to ... deleted"). */
final class Arguments {
    private Arguments() {
    }

    /** A message number: decimal digits only, at least 1; null if it is not one. */
    static Integer messageNumber(String s) {
        Long v = nonNegative(s);
        if (v == null || v < 1) {
            return null;
        }
        // a number past the int range names no message; keep it invalid-but-positive
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : v.intValue();
    }

    /** A non-negative decimal; huge values are clamped (TOP n 99999999999999999999 means "all lines"). Null if not digits. */
    static Long nonNegative(String s) {
        if (s.isEmpty() || s.length() > 40) {
            return null;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            if (v > (Long.MAX_VALUE - 9) / 10) {
                v = Long.MAX_VALUE;
            } else {
                v = v * 10 + (c - '0');
            }
        }
        return v;
    }
}
