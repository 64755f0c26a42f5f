package org.nct.coding;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StreamCoderTest {

    static int[] randomCdf(SplittableRandom r, int precision) {
        long[] w = new long[256];
        int mode = r.nextInt(4);
        for (int i = 0; i < 256; i++) {
            w[i] = switch (mode) {
                case 0 -> r.nextInt(1000);                              // flat-ish
                case 1 -> (long) (1e6 / Math.pow(i + 1, 1.2));          // Zipf
                case 2 -> r.nextInt(20) == 0 ? r.nextInt(1 << 20) : 0;  // sparse
                default -> i == r.nextInt(256) ? 1L << 30 : r.nextInt(3); // one dominant
            };
        }
        int[] cum = new int[257];
        IntegerCdf.fromWeights(w, precision, cum);
        IntegerCdf.check(cum, 1 << precision);
        return cum;
    }

    static int sample(SplittableRandom r, int[] cum, int precision) {
        int u = r.nextInt(1 << precision);
        int s = 0;
        while (cum[s + 1] <= u) s++;
        return s;
    }

    /** Encodes with the fast coder, checks it equals the reference bit for bit and that both decoders invert it. */
    static void check(int[][] cums, int[] syms, int precision) {
        StreamEncoder enc = new StreamEncoder();
        for (int i = 0; i < syms.length; i++) enc.encode(cums[i], syms[i], precision);
        byte[] fast = enc.finish();
        byte[] ref = ReferenceRangeCoder.encode(cums, syms, precision);
        assertArrayEquals(ref, fast, "fast coder differs from the BigInteger reference");
        StreamDecoder dec = new StreamDecoder(fast, 0, fast.length);
        for (int i = 0; i < syms.length; i++) assertEquals(syms[i], dec.decode(cums[i], precision), "symbol " + i);
        assertArrayEquals(syms, ReferenceRangeCoder.decode(fast, cums, syms.length, precision));
        if (fast.length > 0) assertNotEquals(0, fast[fast.length - 1], "trailing zero byte not dropped");
    }

    @Test
    void randomTablesAndSequencesMatchTheReference() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            int precision = 9 + r.nextInt(8);
            int n = trial < 20 ? trial : r.nextInt(400);
            int[][] cums = new int[n][];
            int[] syms = new int[n];
            int[] shared = randomCdf(r, precision);
            for (int i = 0; i < n; i++) {
                cums[i] = r.nextInt(3) == 0 ? shared : randomCdf(r, precision);
                syms[i] = r.nextInt(4) == 0 ? r.nextInt(256) : sample(r, cums[i], precision);
            }
            check(cums, syms, precision);
        }
    }

    /** Runs of the top symbol drive low toward all ones: long 0xFF runs and carries through them. */
    @Test
    void carryStress() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 60; trial++) {
            int precision = 16;
            long[] w = new long[256];
            w[255] = 1L << 30;
            w[0] = r.nextInt(1 << 20);
            int[] top = new int[257];
            IntegerCdf.fromWeights(w, precision, top);
            int[] flat = new int[257];
            IntegerCdf.fromWeights(new long[256], precision, flat);
            int n = 50 + r.nextInt(3000);
            int[][] cums = new int[n][];
            int[] syms = new int[n];
            for (int i = 0; i < n; i++) {
                boolean rare = r.nextInt(400) == 0;
                cums[i] = rare ? flat : top;
                syms[i] = rare ? r.nextInt(256) : (r.nextInt(50) == 0 ? 254 : 255);
            }
            check(cums, syms, precision);
        }
        // a single pathological case: only the last symbol, then symbols just below it, at precision 9
        int[] t9 = new int[257];
        long[] w = new long[256];
        w[255] = 1000;
        IntegerCdf.fromWeights(w, 9, t9);
        int n = 20000;
        int[][] cums = new int[n][];
        int[] syms = new int[n];
        for (int i = 0; i < n; i++) {
            cums[i] = t9;
            syms[i] = i % 997 == 996 ? 254 : 255;
        }
        check(cums, syms, 9);
    }

    @Test
    void uniformTableCodesBytesAsThemselves() {
        int[] uni = new int[257];
        IntegerCdf.fromWeights(new long[256], 16, uni);
        byte[] text = "hello, world\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        StreamEncoder enc = new StreamEncoder();
        for (byte b : text) enc.encode(uni, b & 0xFF, 16);
        assertArrayEquals(text, enc.finish());
        StreamEncoder empty = new StreamEncoder();
        assertEquals(0, empty.finish().length);
    }

    /** Golden vectors: SHA-256 of fixed table × sequence codes. A change of code bytes is a format change. */
    @Test
    void goldenVectors() throws Exception {
        int[] zipf = new int[257];
        long[] w = new long[256];
        for (int i = 0; i < 256; i++) w[i] = (long) (1e6 / (i + 1));
        IntegerCdf.fromWeights(w, 16, zipf);
        int[] degenerate = new int[257];
        long[] d = new long[256];
        d[0] = 1;
        IntegerCdf.fromWeights(d, 16, degenerate);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom r = new SplittableRandom(99);
        int[][] tables = {zipf, degenerate};
        int[] lengths = {0, 1, 2, 256, 100_000};
        for (int[] table : tables) {
            for (int n : lengths) {
                for (int kind = 0; kind < 3; kind++) {
                    StreamEncoder enc = new StreamEncoder();
                    for (int i = 0; i < n; i++) {
                        int s = kind == 0 ? i & 0xFF : kind == 1 ? 0 : r.nextInt(256);
                        enc.encode(table, s, 16);
                    }
                    byte[] code = enc.finish();
                    sha.update(code);
                    sha.update((byte) code.length);
                }
            }
        }
        // 100k × the dominant symbol of the degenerate table codes to nothing (all-zero code)
        StreamEncoder enc = new StreamEncoder();
        for (int i = 0; i < 100_000; i++) enc.encode(degenerate, 0, 16);
        assertEquals(0, enc.finish().length);
        assertEquals(GOLDEN, HexFormat.of().formatHex(sha.digest()));
    }

    static final String GOLDEN = "a8786ce920b922f5b7ae66d665a6687a6c76b3eff99c3141d08a0bc40fde74a7";

    @Test
    void modelRoundTripsIncludingBinary() {
        SplittableRandom r = new SplittableRandom(5);
        byte[] training = "the quick brown fox jumps over the lazy dog. ".repeat(50).getBytes(StandardCharsets.UTF_8);
        StaticUnigramModel model = StaticUnigramModel.train(training, 16);
        for (int n : new int[] {0, 1, 2, 3, 1000, 50_000}) {
            byte[] data = new byte[n];
            for (int i = 0; i < n; i++) data[i] = i % 3 == 0 ? (byte) r.nextInt(256) : training[r.nextInt(training.length)];
            byte[] code = StreamEncoder.encode(data, model);
            assertArrayEquals(data, StreamDecoder.decode(code, 0, code.length, n, model));
        }
        byte[] text = "the lazy dog".getBytes(StandardCharsets.UTF_8);
        byte[] code = StreamEncoder.encode(text, model);
        assertTrue(code.length < text.length, "unigram coding should compress its own training text");
    }

    /** Any garbage decodes without an exception or a hang (the container's CRC catches it). */
    @Test
    void garbageDecodesToSomething() {
        SplittableRandom r = new SplittableRandom(8);
        StaticUnigramModel model = StaticUnigramModel.train("abcabcabd".getBytes(StandardCharsets.UTF_8), 14);
        for (int t = 0; t < 50; t++) {
            byte[] junk = new byte[r.nextInt(100)];
            r.nextBytes(junk);
            assertEquals(500, StreamDecoder.decode(junk, 0, junk.length, 500, model).length);
        }
    }
}
