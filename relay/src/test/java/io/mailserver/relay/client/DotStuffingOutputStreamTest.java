package io.mailserver.relay.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotStuffingOutputStreamTest {

    /** Input and expected wire form, with \r \n written as escapes; every split of the input gives the same bytes. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a\\r\\nb\\r\\n            | a\\r\\nb\\r\\n.\\r\\n",
        ".\\r\\n                   | ..\\r\\n.\\r\\n",
        "a\\r\\n.b\\r\\n..c\\r\\n    | a\\r\\n..b\\r\\n...c\\r\\n.\\r\\n",
        "no end                    | no end\\r\\n.\\r\\n",
        "ends in cr\\r             | ends in cr\\r\\n.\\r\\n",
        "bare\\nlf\\n.x            | bare\\r\\nlf\\r\\n..x\\r\\n.\\r\\n",
        "a.b\\r\\n x.\\r\\n         | a.b\\r\\n x.\\r\\n.\\r\\n",
        "''                        | .\\r\\n",
    })
    void stuffsAtEverySplit(String input, String expected) throws IOException {
        byte[] in = unescape(input);
        for (int split = 0; split <= in.length; split++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            DotStuffingOutputStream d = new DotStuffingOutputStream(sink);
            d.write(in, 0, split);
            for (int i = split; i < in.length; i++) {
                d.write(in[i]);
            }
            d.finish();
            assertEquals(new String(unescape(expected), StandardCharsets.ISO_8859_1), sink.toString(StandardCharsets.ISO_8859_1), "split " + split);
        }
    }

    private static byte[] unescape(String s) {
        return s.strip().replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
