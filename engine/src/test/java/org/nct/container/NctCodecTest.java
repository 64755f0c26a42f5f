package org.nct.container;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.InvalidSettingException;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

class NctCodecTest {
    static Weights weights, other;
    static Kernels kernels;
    static CodingModel model, model14, otherModel;
    static final byte[] TEXT = ("The cat sat on the mat. The dog sat on the log. " .repeat(6)).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void setUp() {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 7);
        other = Weights.init(ModelConfig.preset("tiny", 256), 8);
        kernels = new ScalarKernels(1);
        model = new CodingModel(weights, kernels, 16);
        model14 = new CodingModel(weights, kernels, 14);
        otherModel = new CodingModel(other, kernels, 16);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
        other.close();
    }

    static IntFunction<CodingModel> models(CodingModel m16, CodingModel m14) {
        return p -> p == 16 ? m16 : m14;
    }

    static byte[] compress(CodingModel m, NctCodec.Settings s, byte[] data) throws IOException {
        return NctCodec.compress(m, s, data);
    }

    static byte[] decompress(CodingModel m, byte[] nct) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NctCodec.decompress(models(m, model14), new ByteArrayInputStream(nct), out, 3, null);
        return out.toByteArray();
    }

    static final NctCodec.Settings[] SETTINGS = {
            new NctCodec.Settings(0, WindowRule.G, 100, 4),
            new NctCodec.Settings(16, WindowRule.G, 64, 5),
            new NctCodec.Settings(32, WindowRule.DELAY, 1000, 2),
            new NctCodec.Settings(24, WindowRule.G, 33, 1),
    };

    @Test
    void roundTripsEmptyOneByteBinaryInvalidUtf8AndText() throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        byte[] binary = new byte[300];
        r.nextBytes(binary);
        byte[][] inputs = {new byte[0], {42}, binary, {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0, (byte) 0x80}, TEXT};
        for (NctCodec.Settings s : SETTINGS) {
            for (byte[] in : inputs) {
                byte[] nct = compress(model, s, in);
                assertArrayEquals(in, decompress(model, nct), s + " " + in.length);
            }
        }
        byte[] nct14 = compress(model14, SETTINGS[1], TEXT);
        assertArrayEquals(TEXT, decompress(model, nct14));
    }

    /** The bytes written depend neither on the number of concurrent streams nor on the kernel threads. */
    @Test
    void outputIndependentOfStreamsAndThreads() throws IOException {
        for (int w : new int[] {0, 16}) {
            byte[] ref = compress(model, new NctCodec.Settings(w, WindowRule.G, 50, 1), TEXT);
            assertArrayEquals(ref, compress(model, new NctCodec.Settings(w, WindowRule.G, 50, 7), TEXT));
            try (Kernels two = new ScalarKernels(2)) {
                CodingModel m2 = new CodingModel(weights, two, 16);
                assertArrayEquals(ref, NctCodec.compress(m2, new NctCodec.Settings(w, WindowRule.G, 50, 3), TEXT));
            }
        }
    }

    @Test
    void wrongModelIsRefusedBeforeDecoding() throws IOException {
        byte[] nct = compress(model, SETTINGS[1], TEXT);
        NctFormatException e = assertThrows(NctFormatException.class, () -> decompress(otherModel, nct));
        assertTrue(e.getMessage().contains("compressed with model"), e.getMessage());
    }

    @Test
    void greedyRuleIsRefusedWhenItLoses() {
        // random bytes under an untrained model: the greedy rule loses windows somewhere
        SplittableRandom r = new SplittableRandom(5);
        byte[] data = new byte[400];
        for (int i = 0; i < data.length; i++) data[i] = (byte) "etaoin shrdlu".charAt(r.nextInt(13));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> compress(model, new NctCodec.Settings(16, WindowRule.GREEDY, 400, 2), data));
        assertTrue(e.getMessage().contains("not lossless") && e.getMessage().endsWith("; use rule g"), e.getMessage());
        assertEquals(List.of("rule"), e.settings());
    }

    /** Every truncation of a file is a "truncated"/corrupt error, never another exception. */
    @Test
    void everyTruncationFails() throws IOException {
        for (NctCodec.Settings s : new NctCodec.Settings[] {SETTINGS[0], SETTINGS[1]}) {
            byte[] nct = compress(model, s, java.util.Arrays.copyOf(TEXT, 120));
            for (int len = 0; len < nct.length; len++) {
                byte[] cut = java.util.Arrays.copyOf(nct, len);
                assertThrows(NctFormatException.class, () -> decompress(model, cut), "length " + len);
            }
        }
    }

    /**
     * Bounded fuzz: bit flips, random bytes, random splices and forged headers. Every case either
     * fails with NctFormatException or (a flip the code does not depend on) yields the original.
     */
    @Test
    void fuzz() throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        long deadline = System.nanoTime() + 8_000_000_000L;
        byte[] data = java.util.Arrays.copyOf(TEXT, 90);
        byte[][] files = {compress(model, SETTINGS[0], data), compress(model, SETTINGS[1], data), compress(model, SETTINGS[2], data)};
        int cases = 0, errors = 0;
        while (System.nanoTime() < deadline || cases < 200) {
            byte[] f = files[r.nextInt(files.length)].clone();
            switch (r.nextInt(4)) {
                case 0 -> { int bit = r.nextInt(f.length * 8); f[bit / 8] ^= (byte) (1 << (bit % 8)); }
                case 1 -> { f = new byte[r.nextInt(200)]; r.nextBytes(f); if (f.length >= 4 && r.nextBoolean()) System.arraycopy("NCT1".getBytes(), 0, f, 0, 4); }
                case 2 -> { int at = r.nextInt(f.length); f[at] = (byte) r.nextInt(256); }
                default -> f = forge(f, r);
            }
            cases++;
            try {
                byte[] out = decompress(model, f);
                assertArrayEquals(data, out, "a damaged file decoded to something else without an error");
            } catch (NctFormatException expected) {
                errors++;
            }
            if (cases > 3000) break;
        }
        assertTrue(errors > cases * 0.9, errors + " errors in " + cases + " cases");
    }

    /** Rewrites a header field (length, block size, counts) and fixes the header CRC, so only validation can catch it. */
    static byte[] forge(byte[] f, SplittableRandom r) {
        // fixed part: magic 4, version 1, flags 1, id 32, P 1, W 1, rule 1, cdf 1, blockSize 4 = 46 bytes, then varint length
        byte[] g = f.clone();
        int which = r.nextInt(3);
        if (which == 0) {            // block size
            int bs = r.nextBoolean() ? r.nextInt() : 1 + r.nextInt(200);
            g[42] = (byte) (bs >>> 24); g[43] = (byte) (bs >>> 16); g[44] = (byte) (bs >>> 8); g[45] = (byte) bs;
        } else {                     // original length: replace the varint by a forged one
            int end = 46;
            while ((g[end] & 0x80) != 0) end++;
            end++;
            long len = which == 1 ? (1L << 40) - r.nextInt(1000) : r.nextInt(1000);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(g, 0, 46);
            try {
                NctHeader.varint(o, len);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            o.write(g, end, g.length - end);
            g = o.toByteArray();
        }
        int crcAt = 46;
        while ((g[crcAt] & 0x80) != 0) crcAt++;
        crcAt += 1 + 4;
        int crc = NctHeader.crc(java.util.Arrays.copyOf(g, crcAt));
        g[crcAt] = (byte) (crc >>> 24); g[crcAt + 1] = (byte) (crc >>> 16); g[crcAt + 2] = (byte) (crc >>> 8); g[crcAt + 3] = (byte) crc;
        return g;
    }

    @Test
    void forgedHugeCountsFailWithoutAllocating() throws IOException {
        byte[] nct = V1Files.compress(model, SETTINGS[0], TEXT);    // the forgery below edits the version 1 layout
        // length 2^40 − 1 in blocks of 1 byte: the table claims ~10^12 entries, the file holds a few
        byte[] g = nct.clone();
        g[42] = 0; g[43] = 0; g[44] = 0; g[45] = 1;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(g, 0, 46);
        NctHeader.varint(o, (1L << 30));
        int end = 46;
        while ((g[end] & 0x80) != 0) end++;
        o.write(g, end + 1, g.length - end - 1);
        byte[] f = o.toByteArray();
        int crcAt = 46;
        while ((f[crcAt] & 0x80) != 0) crcAt++;
        crcAt += 5;
        int crc = NctHeader.crc(java.util.Arrays.copyOf(f, crcAt));
        f[crcAt] = (byte) (crc >>> 24); f[crcAt + 1] = (byte) (crc >>> 16); f[crcAt + 2] = (byte) (crc >>> 8); f[crcAt + 3] = (byte) crc;
        NctFormatException e = assertThrows(NctFormatException.class, () -> decompress(model, f));
        assertTrue(e.getMessage().contains("block table"), e.getMessage());
    }
}
