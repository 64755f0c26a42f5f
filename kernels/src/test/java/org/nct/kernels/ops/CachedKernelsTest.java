package org.nct.kernels.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.nct.kernels.ops.Bufs.get;
import static org.nct.kernels.ops.Bufs.of;
import static org.nct.kernels.ops.Bufs.poisoned;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.kernels.IntegerCdfRow;
import org.nct.kernels.Kernels;
import org.nct.kernels.RelativePosition;

/**
 * The kernels of the coding path: cached attention (every row equals the same position of the
 * training forward, bit for bit, on every backend, width and thread count, whatever the padding of
 * the cache holds) and logits → CDF rows (equal to the scalar definition, special values included).
 */
class CachedKernelsTest {

    private final Arena arena = Arena.ofAuto();
    static final int NB = 32, MD = 128;

    /**
     * Slot c's sequence of t tokens: qkv (t, 3·H·D); rows ask for random positions of random slots,
     * or, when prefill, for runs of consecutive positions of one slot mixed with other rows.
     */
    private void checkCachedAttention(int h, int d, int slots, int t, int cap, float scale, long seed, boolean prefill) {
        SplittableRandom rng = new SplittableRandom(seed);
        int hd = h * d;
        float[] rb = Bufs.normal(rng, h * NB, 1);
        float[][] qkv = new float[slots][];
        for (int c = 0; c < slots; c++) qkv[c] = Bufs.normal(rng, t * 3 * hd, 0.5);
        // the reference: the batched training forward of each slot's sequence
        float[][] want = new float[slots][];
        try (Kernels ref = Backend.SCALAR.open(1)) {
            for (int c = 0; c < slots; c++) {
                MemorySegment out = poisoned(arena, (long) t * hd), att = poisoned(arena, (long) h * t * t);
                ref.attentionForward(out, 0, att, 0, of(arena, qkv[c]), 0, of(arena, rb), 0, 1, t, h, d, NB, MD, scale);
                want[c] = get(out);
            }
        }
        // the cache in attentionCached's layout; positions past t stay NaN (padding must not matter)
        MemorySegment kt = poisoned(arena, (long) slots * h * cap * d), v = poisoned(arena, (long) slots * h * cap * d);
        for (int c = 0; c < slots; c++) {
            for (int s = 0; s < t; s++) {
                for (int head = 0; head < h; head++) {
                    long region = ((long) c * h + head) * cap * d;
                    for (int j = 0; j < d; j++) {
                        kt.setAtIndex(ValueLayout.JAVA_FLOAT, region + (long) (s & ~15) * d + j * 16L + (s & 15), qkv[c][s * 3 * hd + hd + head * d + j]);
                        v.setAtIndex(ValueLayout.JAVA_FLOAT, region + (long) s * d + j, qkv[c][s * 3 * hd + 2 * hd + head * d + j]);
                    }
                }
            }
        }
        int[] bucket = RelativePosition.table(cap, NB, MD);
        float[] bias = new float[h * cap];
        for (int head = 0; head < h; head++) {
            for (int dist = 0; dist < cap; dist++) bias[head * cap + cap - 1 - dist] = rb[head * NB + bucket[dist]];
        }
        MemorySegment biasS = of(arena, bias);
        int[][] rows = prefill ? prefillRows(rng, slots, t) : randomRows(rng, slots, t);
        int[] slot = rows[0], pos = rows[1];
        int n = slot.length;
        float[] q = new float[n * hd];
        for (int r = 0; r < n; r++) System.arraycopy(qkv[slot[r]], pos[r] * 3 * hd, q, r * hd, hd);
        MemorySegment qS = of(arena, q);
        for (Backend backend : Backend.values()) {
            for (int threads : new int[] {1, 2, 3}) {
                try (Kernels k = backend.open(threads)) {
                    MemorySegment out = poisoned(arena, (long) n * hd);
                    k.attentionCached(out, 0, hd, qS, 0, hd, kt, 0, v, 0, cap, biasS, 0, cap, slot, pos, n, h, d, scale);
                    float[] got = get(out);
                    for (int r = 0; r < n; r++) {
                        float[] w = java.util.Arrays.copyOfRange(want[slot[r]], pos[r] * hd, (pos[r] + 1) * hd);
                        float[] g = java.util.Arrays.copyOfRange(got, r * hd, (r + 1) * hd);
                        assertEquals(-1, Bufs.firstBitDiff(w, g), k.name() + "/" + threads + " threads, d=" + d + ": row " + r + " (slot " + slot[r] + ", pos " + pos[r] + ")");
                    }
                }
            }
        }
    }

    /** {slot[], pos[]}: random positions of random slots (the first rows at 0, t − 1 and a tile's edges). */
    private static int[][] randomRows(SplittableRandom rng, int slots, int t) {
        int n = 2 * slots + 3;
        int[] slot = new int[n], pos = new int[n];
        for (int r = 0; r < n; r++) {
            slot[r] = rng.nextInt(slots);
            pos[r] = r < 4 ? new int[] {0, t - 1, 15, 16}[r] % t : rng.nextInt(t);
        }
        return new int[][] {slot, pos};
    }

    /**
     * {slot[], pos[]} shaped like a prefill step: for len = 1..9 a run of len consecutive positions
     * of one slot — from position 0, ending at t − 1, straddling a tile edge (16·m), or anywhere —
     * then a row of another slot; then rows of one slot that are not a run (a gap, a repeat), and a
     * run of 23 (several groups, cut differently by each thread count).
     */
    private static int[][] prefillRows(SplittableRandom rng, int slots, int t) {
        java.util.List<int[]> rows = new java.util.ArrayList<>();
        for (int len = 1; len <= 9; len++) {
            int c = rng.nextInt(slots), edge = 16 * (1 + rng.nextInt(Math.max(1, (t - len) / 16)));
            int start = switch (len % 4) {
                case 0 -> 0;
                case 1 -> t - len;
                case 2 -> Math.max(0, Math.min(t - len, edge - 1 - rng.nextInt(len)));
                default -> rng.nextInt(t - len + 1);
            };
            for (int i = 0; i < len; i++) rows.add(new int[] {c, start + i});
            if (slots > 1) rows.add(new int[] {(c + 1 + rng.nextInt(slots - 1)) % slots, rng.nextInt(t)});
        }
        int c = rng.nextInt(slots), p = rng.nextInt(t - 4);
        rows.add(new int[] {c, p});
        rows.add(new int[] {c, p + 2});         // a gap
        rows.add(new int[] {c, p + 2});         // a repeat
        rows.add(new int[] {c, p + 3});
        int start = rng.nextInt(t - 23 + 1);
        for (int i = 0; i < 23; i++) rows.add(new int[] {c, start + i});
        int[] slot = new int[rows.size()], pos = new int[rows.size()];
        for (int r = 0; r < slot.length; r++) {
            slot[r] = rows.get(r)[0];
            pos[r] = rows.get(r)[1];
        }
        return new int[][] {slot, pos};
    }

    @Test
    void cachedAttentionIsTheForwardRowBitForBit() {
        // distances over every T5 bucket; d = 64 and 48 take the vector tiles, d = 22 the scalar path
        checkCachedAttention(2, 64, 3, 150, 160, 1f, 1, false);
        checkCachedAttention(3, 48, 4, 37, 48, 0.7f, 2, false);
        checkCachedAttention(2, 22, 2, 40, 48, 1f, 3, false);
    }

    @Test
    void prefillRowsAreTheForwardRowsBitForBit() {
        // groups of consecutive positions: d = 64 and 48 take the grouped vector scores (48 the
        // value chains in part or wholly row by row), d = 22 and d = 40 the scalar path; the last
        // tile padded with NaN (t < cap) or full (t = cap)
        checkCachedAttention(2, 64, 3, 150, 160, 1f, 4, true);
        checkCachedAttention(4, 64, 1, 64, 64, 0.125f, 5, true);
        checkCachedAttention(3, 48, 4, 37, 48, 0.7f, 6, true);
        checkCachedAttention(2, 22, 2, 40, 48, 1f, 7, true);
        checkCachedAttention(1, 40, 2, 29, 32, 1f, 8, true);
    }

    @Test
    void cachedAttentionRefusesAPositionOutsideTheCache() {
        try (Kernels k = Backend.VECTOR_256.open(1)) {
            MemorySegment buf = poisoned(arena, 4096);
            assertThrows(IllegalArgumentException.class, () -> k.attentionCached(buf, 0, 32, buf, 0, 32, buf, 0, buf, 0, 16,
                    buf, 0, 16, new int[] {0}, new int[] {16}, 1, 2, 16, 1f));
        }
    }

    /** Rows of logits with every special case of the procedure, then random rows. */
    private static float[] cdfLogits(int rows, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] l = new float[rows * 256];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 256; i++) {
                int o = r * 256 + i;
                l[o] = switch (r) {
                    case 0 -> Float.NEGATIVE_INFINITY;                                      // no information
                    case 1 -> Float.NaN;                                                    // no information
                    case 2 -> i % 3 == 0 ? Float.POSITIVE_INFINITY : 1f;                    // +inf share the mass
                    case 3 -> i == 200 ? 5f : i % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                    case 4 -> i < 100 ? 3f : 3f - 1e-6f * i;                               // ties at the max
                    case 5 -> (float) (rng.nextGaussian() * 80);                            // underflow to 0
                    case 6 -> 0f;                                                           // uniform
                    case 7 -> i % 17 == 0 ? Float.NaN : (float) rng.nextGaussian() * 3;
                    default -> (float) (rng.nextGaussian() * (1 + r % 9));
                };
            }
        }
        return l;
    }

    @Test
    void cdfRowsAreTheScalarDefinitionBitForBit() {
        int rows = 67;
        float[] logits = cdfLogits(rows, 11);
        MemorySegment lS = of(arena, logits);
        for (int precision : new int[] {9, 14, 16}) {
            int[] want = new int[rows * 257];
            MemorySegment wS = MemorySegment.ofArray(want);
            for (int r = 0; r < rows; r++) IntegerCdfRow.fromLogits(lS, r * 256L, precision, wS, r * 257L);
            for (int r = 0; r < rows; r++) {
                assertEquals(0, want[r * 257], "cum[0]");
                assertEquals(1 << precision, want[r * 257 + 256], "total of row " + r);
                for (int i = 0; i < 256; i++) {
                    if (want[r * 257 + i + 1] <= want[r * 257 + i]) throw new AssertionError("symbol " + i + " of row " + r + " has no count");
                }
            }
            for (Backend backend : Backend.values()) {
                for (int threads : new int[] {1, 2}) {
                    try (Kernels k = backend.open(threads)) {
                        MemorySegment cum = arena.allocate((long) rows * 257 * 4, 64);
                        cum.fill((byte) 0x7f);
                        k.cdfRows(cum, 0, lS, 0, rows, precision);
                        assertArrayEquals(want, cum.toArray(ValueLayout.JAVA_INT), k.name() + "/" + threads + " threads, P=" + precision);
                    }
                }
            }
        }
    }
}
