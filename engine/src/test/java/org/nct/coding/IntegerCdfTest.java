package org.nct.coding;

import static org.junit.jupiter.api.Assertions.*;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntegerCdfTest {

    /** Logits given as float bit patterns; {@code fill} for every index not listed in pairs (index, bits). */
    static float[] logits(int fillBits, int... pairs) {
        float[] z = new float[256];
        java.util.Arrays.fill(z, Float.intBitsToFloat(fillBits));
        for (int i = 0; i < pairs.length; i += 2) z[pairs[i]] = Float.intBitsToFloat(pairs[i + 1]);
        return z;
    }

    static int[] cdf(float[] z, int precision) {
        int[] cum = new int[257];
        IntegerCdf.fromLogits(z, 0, precision, cum);
        IntegerCdf.check(cum, 1 << precision);
        return cum;
    }

    static int freq(int[] cum, int s) {
        return cum[s + 1] - cum[s];
    }

    @Test
    void allEqualLogitsGiveTheUniformTable() {
        for (int bits : new int[] {0x00000000, 0x41200000 /* 10.0 */, 0xc2c80000 /* -100.0 */}) {
            int[] c16 = cdf(logits(bits), 16);
            int[] c14 = cdf(logits(bits), 14);
            for (int s = 0; s < 256; s++) {
                assertEquals(256, freq(c16, s));
                assertEquals(64, freq(c14, s));
            }
        }
    }

    @Test
    void oneDominantLogitTakesAllButTheFloor() {
        // 100.0 at index 7, 0.0 elsewhere: exp(-100) is below 2^-30, so the others get the floor only
        int[] cum = cdf(logits(0x00000000, 7, 0x42c80000), 16);
        for (int s = 0; s < 256; s++) assertEquals(s == 7 ? 65536 - 255 : 1, freq(cum, s));
        int[] c14 = cdf(logits(0x00000000, 7, 0x42c80000), 14);
        assertEquals(16384 - 255, freq(c14, 7));
    }

    @Test
    void tiesSplitEquallyAndTheRemainderGoesToTheLowestIndex() {
        // two equal maxima (1.5) among -inf logits: (T-256)/2 each plus the floor, no remainder
        int[] two = cdf(logits(0xff800000, 3, 0x3fc00000, 200, 0x3fc00000), 16);
        assertEquals(1 + 32640, freq(two, 3));
        assertEquals(1 + 32640, freq(two, 200));
        assertEquals(1, freq(two, 0));
        // seven equal maxima: 65280/7 = 9325 rem 5; floors lose 5·... → the remainder lands on index 10
        int[] seven = cdf(logits(0xff800000, 10, 0, 20, 0, 30, 0, 40, 0, 50, 0, 60, 0, 70, 0), 16);
        int base = 1 + 65280 / 7;
        int rem = 65536 - 7 * base - 249;
        assertEquals(base + rem, freq(seven, 10));
        for (int s : new int[] {20, 30, 40, 50, 60, 70}) assertEquals(base, freq(seven, s));
        assertTrue(rem > 0);
    }

    @Test
    void nanAndInfinityAreDeterministic() {
        int[] nan = cdf(logits(0x7fc00000, 5, 0x3f800000), 16);      // NaN everywhere but one
        assertEquals(65536 - 255, freq(nan, 5));
        int[] allNan = cdf(logits(0x7fc00000), 16);
        assertEquals(256, freq(allNan, 0));
        int[] inf = cdf(logits(0x3f800000, 9, 0x7f800000, 11, 0x7f800000), 16);
        assertEquals(1 + 32640, freq(inf, 9));
        assertEquals(1 + 32640, freq(inf, 11));
    }

    /** Each count is within one of 1 + p_i·(T−256), p from a double-precision softmax (StrictMath.exp). */
    @Test
    void countsFollowTheDoubleSoftmax() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            float[] z = new float[256];
            double scale = 0.5 + 10 * r.nextDouble();
            for (int i = 0; i < 256; i++) z[i] = (float) (r.nextGaussian() * scale);
            for (int precision : new int[] {14, 16}) {
                int[] cum = cdf(z, precision);
                double m = Double.NEGATIVE_INFINITY;
                for (float v : z) m = Math.max(m, v);
                double sum = 0;
                for (float v : z) sum += StrictMath.exp(v - m);
                int spread = (1 << precision) - 256;
                int argmax = 0;
                for (int i = 1; i < 256; i++) if (z[i] > z[argmax]) argmax = i;
                for (int i = 0; i < 256; i++) {
                    double ideal = 1 + StrictMath.exp(z[i] - m) / sum * spread;
                    double slack = i == argmax ? 256 : 1.01;
                    assertEquals(ideal, freq(cum, i), slack, "trial " + trial + " symbol " + i);
                }
            }
        }
    }

    /** Golden vector: SHA-256 over the CDFs of 64 seeded logit rows; fails when the procedure's bits change. */
    @Test
    void goldenHashOfSeededLogits() throws Exception {
        SplittableRandom r = new SplittableRandom(2024);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        int[] cum = new int[257];
        float[] z = new float[256];
        for (int row = 0; row < 64; row++) {
            for (int i = 0; i < 256; i++) z[i] = Float.intBitsToFloat(0x3f800000 + r.nextInt(1 << 23)) * (r.nextBoolean() ? 4 : -4) * (row % 5);
            IntegerCdf.fromLogits(z, 0, row % 2 == 0 ? 16 : 14, cum);
            for (int c : cum) sha.update(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        }
        assertEquals(GOLDEN, HexFormat.of().formatHex(sha.digest()));
    }

    static final String GOLDEN = "fb0e012f4671011dbbcae7bb16a52174d0c69a60a3a6e7f1493090837174a685";
}
