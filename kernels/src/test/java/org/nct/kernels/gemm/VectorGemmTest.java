package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Parallel;

/** VectorGemm against float64 and bit for bit against ScalarGemm at every width and thread count. */
class VectorGemmTest {

    static final VectorSpecies<Float>[] WIDTHS = widths();

    @SuppressWarnings("unchecked")
    private static VectorSpecies<Float>[] widths() {
        return new VectorSpecies[] {FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512};
    }

    /**
     * (m, k, n): odd sizes around tile, vector and reduction-block boundaries; each form's
     * reduction (K, N or M) crosses a block of VectorGemm.KC in {7, 1100, 19}, {13, 9, 1100} and
     * {1100, 11, 5}, and spans three blocks in the three shapes with 2100.
     */
    static final int[][] SHAPES = {
        {1, 1, 1}, {3, 17, 5}, {17, 63, 65}, {9, 129, 33}, {65, 3, 49}, {63, 1, 17}, {2, 65, 129}, {8, 257, 48},
        {0, 5, 3}, {4, 0, 7}, {33, 300, 1}, {7, 1100, 19}, {13, 9, 1100}, {1100, 11, 5}, {1030, 7, 12},
        {7, 2100, 19}, {19, 7, 2100}, {2100, 7, 19},
        {1100, 128, 40}, // dW split by column panels, B packed block by block: 3 step blocks, a 4-row edge tile
        {100, 1, 128}    // Y = X·Wᵀ with K = 1: A and B both have contiguous rows, so the block-packed path runs, with a bias
    };

    @Test
    void bitIdenticalToScalarAtEveryWidthAndThreadCount() {
        SplittableRandom rnd = new SplittableRandom(2024);
        try (Arena arena = Arena.ofShared(); Parallel one = new Parallel(1)) {
            ScalarGemm scalar = new ScalarGemm(one);
            for (int[] s : SHAPES) {
                for (GemmCase.Form form : GemmCase.Form.values()) {
                    for (int init = 0; init < 3; init++) {
                        if (init == 1 && form != GemmCase.Form.FORWARD) continue;
                        GemmCase c = new GemmCase(arena, rnd, form, s[0], s[1], s[2], init == 1, init == 2);
                        c.poison();
                        c.run(scalar);
                        int[] want = c.outputBits();
                        String shape = form + " " + s[0] + "x" + s[1] + "x" + s[2] + " init=" + init;
                        for (VectorSpecies<Float> sp : WIDTHS) {
                            for (int threads : new int[] {1, 2, 4}) {
                                try (Parallel pool = new Parallel(threads)) {
                                    VectorGemm parallel = new VectorGemm(sp, pool, 0); // all threads even for tiny problems
                                    VectorGemm standard = new VectorGemm(sp, pool);    // tiny problems on the caller
                                    for (int rep = 0; rep < 3; rep++) { // rep 1 reuses the packing buffers
                                        String what = shape + " bits=" + sp.vectorBitSize() + " threads=" + threads + " rep=" + rep;
                                        c.poison();
                                        c.run(rep < 2 ? parallel : standard);
                                        assertArrayEquals(want, c.outputBits(), what);
                                        c.assertPaddingUntouched(what);
                                    }
                                }
                            }
                        }
                        if (c.outRows * c.outCols > 0 && c.reduced > 0) {
                            double rel = c.relativeErrorVsFloat64();
                            assertTrue(rel < 1e-6, shape + ": relative error vs float64 " + rel);
                        }
                    }
                }
            }
        }
    }

    /**
     * matmulFixedWeights keeps each weight's packed panels: interleaved calls on several weight
     * matrices, with new inputs every round, give the bits of ScalarGemm (and of plain matmul).
     */
    @Test
    void fixedWeightsBitIdenticalAcrossRepeatedInterleavedCalls() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {17, 63, 65}, {64, 256, 768}, {9, 1100, 33}, {0, 5, 3}, {2, 65, 129}};
        try (Arena arena = Arena.ofShared(); Parallel one = new Parallel(1)) {
            ScalarGemm scalar = new ScalarGemm(one);
            for (VectorSpecies<Float> sp : WIDTHS) {
                for (int threads : new int[] {1, 2}) {
                    try (Parallel pool = new Parallel(threads)) {
                        VectorGemm fixed = new VectorGemm(sp, pool);
                        VectorGemm plain = new VectorGemm(sp, pool);
                        GemmCase[] cases = new GemmCase[shapes.length];
                        for (int i = 0; i < shapes.length; i++) {
                            int[] s = shapes[i];
                            cases[i] = new GemmCase(arena, rnd, GemmCase.Form.FORWARD, s[0], s[1], s[2], i % 3 == 1, i % 3 == 2);
                        }
                        for (int round = 0; round < 3; round++) {
                            for (GemmCase c : cases) {
                                String what = c.m + "x" + c.k + "x" + c.n + " bits=" + sp.vectorBitSize() + " threads=" + threads + " round=" + round;
                                c.refillA(rnd);
                                c.poison();
                                c.run(scalar);
                                int[] want = c.outputBits();
                                c.poison();
                                c.run(plain);
                                assertArrayEquals(want, c.outputBits(), what + " plain");
                                c.poison();
                                c.runFixedWeights(fixed);
                                assertArrayEquals(want, c.outputBits(), what + " fixed weights");
                                c.assertPaddingUntouched(what);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Large enough for several reduction blocks, row blocks and column panels at every width; the
     * third and fourth cross the MC row block and the KC reduction block with remainders (rows not
     * a multiple of MR, columns not of the tile width) in every form; the last has more output
     * columns than rows in dX and dW (column panels split over the threads, a partial last panel).
     */
    @Test
    void largerShapesMatchFloat64AndScalar() {
        SplittableRandom rnd = new SplittableRandom(99);
        try (Arena arena = Arena.ofShared(); Parallel pool = new Parallel(2)) {
            ScalarGemm scalar = new ScalarGemm(pool);
            VectorGemm vec = new VectorGemm(FloatVector.SPECIES_PREFERRED, pool);
            // the last three: dW with B packed block by block (threads split the panels, with
            // half-size step blocks above 264 rows; then threads split the rows)
            int[][] shapes = {{300, 270, 130}, {70, 129, 300}, {200, 600, 70}, {391, 1030, 131}, {300, 1030, 40},
                              {1100, 512, 131}, {700, 1024, 301}, {1100, 256, 301}};
            for (int[] s : shapes) {
                for (GemmCase.Form form : GemmCase.Form.values()) {
                    GemmCase c = new GemmCase(arena, rnd, form, s[0], s[1], s[2], form == GemmCase.Form.FORWARD, form != GemmCase.Form.FORWARD);
                    String what = form + " " + s[0] + "x" + s[1] + "x" + s[2];
                    c.poison();
                    c.run(scalar);
                    int[] want = c.outputBits();
                    c.poison();
                    c.run(vec);
                    assertArrayEquals(want, c.outputBits(), what);
                    double rel = c.relativeErrorVsFloat64();
                    assertTrue(rel < 1e-6, what + ": relative error vs float64 " + rel);
                }
            }
        }
    }

    /** A row's result does not change when rows are added to the batch (M grows). */
    @Test
    void batchInvariant() {
        SplittableRandom rnd = new SplittableRandom(5);
        int k = 70, n = 53;
        try (Arena arena = Arena.ofShared(); Parallel pool = new Parallel(2)) {
            for (VectorSpecies<Float> sp : WIDTHS) {
                VectorGemm g = new VectorGemm(sp, pool);
                GemmCase big = new GemmCase(arena, rnd, GemmCase.Form.FORWARD, 37, k, n, true, false);
                big.poison();
                big.run(g);
                for (int m : new int[] {1, 2, 9, 36}) {
                    MemorySegment y = arena.allocate((long) m * n * Float.BYTES, 64);
                    g.matmul(y, 0, big.a, GemmCase.PAD, big.b, GemmCase.PAD, big.biasSeg, GemmCase.PAD, m, k, n, false);
                    for (int r = 0; r < m; r++) {
                        for (int c = 0; c < n; c++) {
                            assertEquals(Float.floatToRawIntBits(big.outAt(r, c)), Float.floatToRawIntBits(y.getAtIndex(JAVA_FLOAT, (long) r * n + c)),
                                    "bits=" + sp.vectorBitSize() + " m=" + m + " at (" + r + "," + c + ")");
                        }
                    }
                }
            }
        }
    }
}
