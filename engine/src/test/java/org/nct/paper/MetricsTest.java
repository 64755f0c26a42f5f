package org.nct.paper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void bitsPerByteIsLossOverRatioInBits() {
        assertEquals(8.0, Metrics.bitsPerByte(Math.log(256), 1.0), 1e-12);
        // paper Table 3: the uniform model over AC[v=256] tokens is 8 / 5.49 bits/byte
        assertEquals(1.457, Metrics.bitsPerByte(Math.log(256), 5.49), 5e-4);
        // 2 nats per token at 4 bytes per token
        assertEquals(2.0 / 4.0 / Math.log(2), Metrics.bitsPerByte(2.0, 4.0), 1e-15);
    }

    @Test
    void compressionRatioIsBytesPerToken() {
        assertEquals(2.5, Metrics.compressionRatio(1000, 400), 0);
        assertThrows(IllegalArgumentException.class, () -> Metrics.compressionRatio(10, 0));
        assertThrows(IllegalArgumentException.class, () -> Metrics.compressionRatio(0, 10));
    }

    @Test
    void flopsPerByteMatchesPaperTable15() {
        // AC[v=256] 25m: 2 × 25M / 5.49 + 2 × 3M = 15.11M
        assertEquals(15.11e6, Metrics.flopsPerByte(25_000_000L, 5.49, 3_000_000L), 0.005e6);
        // EqualInfoAC[b=16, v=65k] 2b: 4000M / 5.31 + 6M = 759.30M
        assertEquals(759.30e6, Metrics.flopsPerByte(2_000_000_000L, 5.31, 3_000_000L), 0.005e6);
        // StaticAC[v=256] 403m: no M1 term, 806M / 1.73 = 465.90M
        assertEquals(465.90e6, Metrics.flopsPerByte(403_000_000L, 1.73, 0), 0.005e6);
        // Bytes 25m: 50M
        assertEquals(50e6, Metrics.flopsPerByte(25_000_000L, 1.0, 0), 0);
    }

    @Test
    void uniformMatchesPaperTable3() {
        assertEquals(8.000, Metrics.uniformBitsPerByte(256, 1.0), 1e-12);
        assertEquals(3.008, Metrics.uniformBitsPerByte(256, 2.66), 5e-4);
        assertEquals(3.497, Metrics.uniformBitsPerByte(32000, 4.28), 5e-4);
        // v=65k at twice the ratio gives the same bits/byte as v=256
        assertEquals(Metrics.uniformBitsPerByte(256, 2.66), Metrics.uniformBitsPerByte(65536, 5.32), 1e-12);
    }

    @Test
    void unigramMatchesAHandComputedValue() {
        // training counts 3,1,0,0 smoothed by one: p = 4/8, 2/8, 1/8, 1/8; held-out tokens 0,0,1,3 cost
        // 1 + 1 + 2 + 3 = 7 bits over 4 tokens = 1.75 bits/token; at 2 bytes/token, 0.875 bits/byte
        assertEquals(0.875, Metrics.unigramBitsPerByte(new long[] {3, 1, 0, 0}, new long[] {2, 1, 0, 1}, 2.0), 1e-15);
    }

    @Test
    void unigramIsSmoothedCrossEntropyAgainstDoubleReference() {
        long[] train = {90, 9, 1, 0};
        long[] eval = {80, 15, 4, 1};
        double total = 100 + 4;
        double ref = -(80 * log2(91 / total) + 15 * log2(10 / total) + 4 * log2(2 / total) + 1 * log2(1 / total)) / 100;
        assertEquals(ref / 2.0, Metrics.unigramBitsPerByte(train, eval, 2.0), 1e-12);
        // a skewed source is well below uniform; a flat one is at uniform (up to smoothing)
        assertTrue(Metrics.unigramBitsPerByte(train, eval, 1.0) < Metrics.uniformBitsPerByte(4, 1.0));
        long[] flat = {1_000_000, 1_000_000, 1_000_000, 1_000_000};
        assertEquals(2.0, Metrics.unigramBitsPerByte(flat, new long[] {5, 5, 5, 5}, 1.0), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Metrics.unigramBitsPerByte(train, new long[4], 1.0));
        assertThrows(IllegalArgumentException.class, () -> Metrics.unigramBitsPerByte(train, new long[3], 1.0));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
