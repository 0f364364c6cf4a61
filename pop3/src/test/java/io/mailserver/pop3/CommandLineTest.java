package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    private static CommandLine parse(String s) {
        return CommandLine.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void verbIsCaseInsensitive() {
        assertEquals("STAT", parse("stat").verb());
        assertEquals("RETR", parse("Retr 1").verb());
    }

    @Test
    void argumentsSplitAtSpaces() {
        assertEquals(List.of("1", "10"), parse("TOP 1 10").arguments());
        assertEquals(List.of("1"), parse("LIST 1 ").arguments());
        assertEquals(List.of(), parse("STAT").arguments());
    }

    @Test
    void passKeepsTheWholeRestOfTheLine() {
        assertEquals("my secret  pass ", parse("PASS my secret  pass ").argumentText());
    }

    @Test
    void controlCharactersInArgumentsAreInvalid() {
        assertNull(parse("LIST 1\u0000").arguments());
    }

    @Test
    void garbageHasNoVerb() {
        assertNull(parse(""));
        assertNull(parse(" STAT"));
        assertNull(CommandLine.parse(new byte[] {(byte) 0xff, 'x'}));
        assertNull(parse("\u0001\u0002"));
    }

    @Test
    void numbers() {
        assertEquals(1, Arguments.messageNumber("1"));
        assertEquals(Integer.MAX_VALUE, Arguments.messageNumber("99999999999999999999"));
        assertNull(Arguments.messageNumber("0"));
        assertNull(Arguments.messageNumber("-1"));
        assertNull(Arguments.messageNumber("+1"));
        assertNull(Arguments.messageNumber("1a"));
        assertEquals(0L, Arguments.nonNegative("0"));
        assertEquals(Long.MAX_VALUE, Arguments.nonNegative("99999999999999999999999"));
    }

    @Test
    void uidlIsFixedWidthPrintable() {
        assertEquals("0000000000000001", Uidl.of(1));
        assertEquals("7fffffffffffffff", Uidl.of(Long.MAX_VALUE));
    }
}
