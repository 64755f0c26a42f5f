package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

class TokenizersTest {

    private static byte[] text(int n, long seed) {
        StringBuilder sb = new StringBuilder();
        for (byte[] d : TestText.documents(n, seed)) sb.append(new String(d, StandardCharsets.UTF_8)).append("\n\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bytesRoundTripAndRange() {
        BytesTokenizer t = new BytesTokenizer();
        byte[] b = {0, 1, (byte) 0x80, (byte) 0xFF, 'a'};
        assertArrayEquals(new int[] {0, 1, 128, 255, 97}, t.encode(b));
        assertArrayEquals(b, t.decode(t.encode(b)));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {256}));
    }

    @Test
    void packingIsBigEndianAndPadsOddLength() {
        byte[] s = {1, 2, 3};
        assertArrayEquals(new int[] {0x0102, 0x0300}, TokenPacking.pack(s, 3, 16));
        assertArrayEquals(new byte[] {1, 2, 3, 0}, TokenPacking.unpack(new int[] {0x0102, 0x0300}, 2, 16));
        assertArrayEquals(new int[] {1, 2, 3}, TokenPacking.pack(s, 3, 8));
        assertThrows(IllegalArgumentException.class, () -> TokenPacking.unpack(new int[] {70000}, 1, 16));
    }

    @Test
    void gzipIsTheZlibStreamAndRoundTrips() {
        byte[] x = text(40, 3);
        for (int bits : new int[] {8, 16}) {
            GzipTokenizer g = new GzipTokenizer(bits);
            int[] t = g.encode(x);
            assertArrayEquals(x, g.decode(t), "bits " + bits);
            assertEquals(bits == 8 ? 256 : 65536, g.vocabSize());
        }
        int[] t8 = new GzipTokenizer(8).encode(x);
        assertEquals(0x78, t8[0], "zlib header CMF");
        assertEquals(0x9C, t8[1], "zlib header FLG, default level");
        Adler32 a = new Adler32();
        a.update(x);
        long adler = a.getValue();
        int n = t8.length;
        long trailer = ((long) t8[n - 4] << 24) | (t8[n - 3] << 16) | (t8[n - 2] << 8) | t8[n - 1];
        assertEquals(adler, trailer, "Adler-32 kept");
        assertTrue(t8.length < x.length / 2, "text compresses");
        // both parities of stream length round-trip with 16-bit tokens
        GzipTokenizer g16 = new GzipTokenizer(16);
        boolean odd = false, even = false;
        for (int len = 1; len < 60 && !(odd && even); len++) {
            byte[] y = Arrays.copyOf(x, len);
            int zl = GzipTokenizer.deflate(y).length;
            odd |= zl % 2 == 1;
            even |= zl % 2 == 0;
            assertArrayEquals(y, g16.decode(g16.encode(y)));
        }
        assertTrue(odd && even);
        assertArrayEquals(new byte[0], g16.decode(g16.encode(new byte[0])));
    }

    @Test
    void gzipRejectsCorruptedTokens() {
        byte[] x = text(20, 4);
        GzipTokenizer g = new GzipTokenizer(8);
        int[] t = g.encode(x);
        int[] truncated = Arrays.copyOf(t, t.length - 5);
        assertThrows(IllegalArgumentException.class, () -> g.decode(truncated));
        int[] extra = Arrays.copyOf(t, t.length + 1);
        extra[t.length] = 7;
        assertThrows(IllegalArgumentException.class, () -> g.decode(extra));
        int[] flipped = t.clone();
        flipped[t.length - 2] ^= 0x10; // inside the Adler-32 trailer
        assertThrows(IllegalArgumentException.class, () -> g.decode(flipped));
        SplittableRandom r = new SplittableRandom(5);
        int detected = 0;
        for (int i = 0; i < 50; i++) {
            int[] c = t.clone();
            c[2 + r.nextInt(c.length - 2)] ^= 1 << r.nextInt(8);
            try {
                if (!Arrays.equals(x, g.decode(c))) fail("corruption decoded to different bytes without an error");
            } catch (IllegalArgumentException expected) {
                detected++;
            }
        }
        assertTrue(detected >= 45, "detected " + detected);
    }
}
