package org.nct.container;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/** NctSummary (nct list) reads untrusted files: every field right, every damage a format error and nothing else. */
class NctSummaryTest {
    static Weights weights;
    static Kernels kernels;
    static CodingModel model;
    static final byte[] TEXT = "A summary reads the header, the frame tables and the trailer. ".repeat(9).getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void setUp() {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 3);
        kernels = Backends.create(1);
        model = new CodingModel(weights, kernels, 16);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
    }

    static NctSummary read(byte[] b) throws IOException {
        return NctSummary.read(new ByteArrayInputStream(b), b.length);
    }

    @Test
    void theFieldsOfVersions1And2() throws IOException {
        // 64-byte blocks, 64 blocks per frame: several blocks, one frame; and a second file of two frames
        byte[] v2 = NctCodec.compress(model, new NctCodec.Settings(24, WindowRule.DELAY, 64, 4), TEXT);
        NctSummary s = read(v2);
        assertEquals(2, s.version());
        assertArrayEquals(model.id(), s.modelId());
        assertEquals(16, s.precision());
        assertEquals("eqinfo-ac[24,delay]", s.mode());
        assertEquals(64, s.blockSize());
        assertEquals((TEXT.length + 63) / 64, s.blocks());
        assertEquals(TEXT.length, s.rawLength());
        assertEquals(v2.length, s.fileLength());
        byte[] big = Arrays.copyOf(TEXT, 70 * 8);
        NctSummary two = read(NctCodec.compress(model, new NctCodec.Settings(0, WindowRule.G, 8, 4), big));
        assertEquals("ac", two.mode());
        assertEquals(70, two.blocks(), "two frames of up to 64 blocks");
        assertEquals(big.length, two.rawLength());
        byte[] v1 = V1Files.compress(model, new NctCodec.Settings(0, WindowRule.G, 100, 4), TEXT);
        NctSummary one = read(v1);
        assertEquals(1, one.version());
        assertEquals(TEXT.length, one.rawLength());
        assertEquals(6, one.blocks());
        assertEquals(0, read(NctCodec.compress(model, NctCodec.Settings.defaults(0, WindowRule.G), new byte[0])).rawLength(), "empty");
    }

    @Test
    void damageIsAFormatErrorOrLeavesTheSummaryAlone() throws IOException {
        byte[] good = NctCodec.compress(model, new NctCodec.Settings(16, WindowRule.G, 50, 4), Arrays.copyOf(TEXT, 300));
        NctSummary ref = read(good);
        int errors = 0;
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                try {
                    NctSummary s = read(bad);
                    // only the codes are not read: the fields must be those of the good file
                    assertEquals(ref.rawLength(), s.rawLength(), "byte " + i);
                    assertEquals(ref.blocks(), s.blocks(), "byte " + i);
                    assertEquals(ref.mode(), s.mode(), "byte " + i);
                    assertArrayEquals(ref.modelId(), s.modelId(), "byte " + i);
                } catch (NctFormatException e) {
                    errors++;
                }
            }
        }
        assertTrue(errors > good.length / 4, "the header, tables and trailer are checked: " + errors);
        for (int n = 0; n < good.length; n++) {
            int len = n;
            assertThrows(NctFormatException.class, () -> read(Arrays.copyOf(good, len)), "truncated to " + n);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThrows(NctFormatException.class, () -> read(longer), "trailing bytes");
    }
}
