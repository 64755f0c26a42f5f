package org.nct.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;

class SplitAndExamplesTest {
    @TempDir Path dir;

    @Test
    void splitPositionIsSha256PrefixPinned() {
        // SHA-256("abc") = ba7816bf8f01cfea 414140de... : the split depends on these 8 bytes only
        double expected = (0xba7816bf8f01cfeaL >>> 11) * 0x1.0p-53;
        assertEquals(expected, Split.position("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0.7283, expected, 1e-4);
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertTrue(Split.VALIDATION.contains(abc, 0.73));
        assertFalse(Split.VALIDATION.contains(abc, 0.72));
        assertTrue(Split.TRAIN.contains(abc, 0.72));
        assertTrue(Split.ALL.contains(abc, 0.72));
    }

    @Test
    void splitFractionIsRoughlyRespectedAndPartitions() {
        SplittableRandom r = new SplittableRandom(7);
        int val = 0, n = 4000;
        for (int i = 0; i < n; i++) {
            byte[] d = new byte[1 + r.nextInt(40)];
            r.nextBytes(d);
            boolean v = Split.VALIDATION.contains(d, 0.1);
            assertNotEquals(v, Split.TRAIN.contains(d, 0.1));
            if (v) val++;
        }
        assertTrue(val > 330 && val < 470, "10% of 4000 documents, got " + val);
        byte[] any = {1, 2, 3};
        assertFalse(Split.VALIDATION.contains(any, 0.0));
        assertTrue(Split.TRAIN.contains(any, 0.0));
        assertThrows(InvalidInputException.class, () -> Split.checkFraction(1.5));
    }

    @Test
    void joinedTextAndExamples() throws Exception {
        Path f = dir.resolve("d.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) sb.append("document number ").append(i).append("\n\n");
        Files.writeString(f, sb);
        JoinedText all = JoinedText.read(List.of(f), Split.ALL, 0.2);
        assertEquals(50, all.documents());
        assertArrayEquals(sb.toString().getBytes(StandardCharsets.UTF_8), all.bytes(), "doc + separator each");
        JoinedText tr = JoinedText.read(List.of(f), Split.TRAIN, 0.2);
        JoinedText va = JoinedText.read(List.of(f), Split.VALIDATION, 0.2);
        assertEquals(50, tr.documents() + va.documents());
        assertTrue(va.documents() > 0 && tr.documents() > 0);
        assertArrayEquals(tr.bytes(), JoinedText.read(List.of(f), Split.TRAIN, 0.2).bytes(), "deterministic");

        byte[] s = all.bytes();
        ByteExamples ex = new ByteExamples(s, 64, all.describe());
        assertEquals(256, ex.vocabSize());
        assertEquals(64, ex.exampleLength());
        long expectedSize = s.length / 64 + (s.length % 64 >= 2 ? 1 : 0);
        assertEquals(expectedSize, ex.size());
        int[] dst = new int[64];
        for (long i = 0; i < ex.size(); i++) {
            int n = ex.read(i, dst);
            for (int k = 0; k < n; k++) assertEquals(s[(int) i * 64 + k] & 0xFF, dst[k]);
            for (int k = n; k < 64; k++) assertEquals(-1, dst[k]);
        }
        assertEquals(s.length - (ex.size() - 1) * 64, ex.read(ex.size() - 1, dst));
        assertThrows(IndexOutOfBoundsException.class, () -> ex.read(ex.size(), dst));
    }

    @Test
    void emptyDataIsAClearError() throws Exception {
        Path f = dir.resolve("empty.json");
        Files.writeString(f, "\n\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> JoinedText.read(List.of(f), Split.ALL, 0.05));
        assertTrue(e.getMessage().startsWith("no documents in the all split"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new ByteExamples(new byte[1], 8, "x"));
        assertTrue(e.getMessage().startsWith("data too short"), e.getMessage());
    }

    @Test
    void separatorEscapesRoundTrip() {
        byte[] sep = {'\n', 0, (byte) 0xFF, 'a', '\\'};
        assertArrayEquals(sep, JoinedText.unescape(JoinedText.escape(sep)));
        assertThrows(InvalidInputException.class, () -> JoinedText.unescape("\\x4"));
        assertThrows(InvalidInputException.class, () -> JoinedText.unescape("\\q"));
    }
}
