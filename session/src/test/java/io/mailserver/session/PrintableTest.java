package io.mailserver.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void lineBreakingAndReorderingCharactersAreEscaped() {
        assertEquals("alice\\x0d\\x0afake entry", Printable.forLog("alice\r\nfake entry"));
        assertEquals("a\\x85b", Printable.forLog("a\u0085b"), "NEL");
        assertEquals("a\\x80\\x9fb", Printable.forLog("a\u0080\u009fb"), "C1");
        assertEquals("a\\x7fb\\x1b[31m", Printable.forLog("a\u007fb\u001b[31m"), "DEL and an ANSI escape");
        assertEquals("a\\u2028b\\u2029c", Printable.forLog("a\u2028b\u2029c"), "line and paragraph separators");
        assertEquals("\\u202eevil\\u202c \\u2066x\\u2069 \\u200e\\u200f\\u061c", Printable.forLog("\u202eevil\u202c \u2066x\u2069 \u200e\u200f\u061c"),
                "bidi controls");
        assertEquals("lone \\ud800 high", Printable.forLog("lone \ud800 high"));
        assertEquals("lone \\udc00", Printable.forLog("lone \udc00"));
        assertEquals("\\x00", Printable.forLog("\0"));
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        String plain = "alice@example.test\tWörter, ünïcödé, 中文, emoji \ud83d\ude00, \"quoted\\local\"@x";
        assertSame(plain, Printable.forLog(plain));
        assertEquals("-", Printable.forLog(null));
        assertEquals("-", Printable.forLog(""));
    }

    @Test
    void longTextIsCutWithoutSplittingAPair() {
        String longName = "x".repeat(1000);
        String logged = Printable.forLog(longName);
        assertEquals("x".repeat(Printable.MAX_CHARS) + "...", logged);
        String pairAtTheCut = "y".repeat(Printable.MAX_CHARS - 1) + "\ud83d\ude00tail";
        String cut = Printable.forLog(pairAtTheCut);
        assertEquals("y".repeat(Printable.MAX_CHARS - 1) + "...", cut);
        assertEquals("\\x85".repeat(Printable.MAX_CHARS) + "...", Printable.forLog("\u0085".repeat(2 * Printable.MAX_CHARS)));
    }

    @Test
    void everyCharOfTheBasicPlaneThatCouldBreakALineIsEscaped() {
        for (char c = 0; c < 0xffff; c++) {
            int type = Character.getType(c);
            boolean breaking = (Character.isISOControl(c) && c != '\t') || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR;
            String logged = Printable.forLog("a" + c + "b");
            if (breaking) {
                assertFalse(logged.indexOf(c) >= 0, "U+" + Integer.toHexString(c) + " escaped");
                assertTrue(logged.startsWith("a\\") && logged.endsWith("b"), logged);
            }
        }
    }
}
