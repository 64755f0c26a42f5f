package org.nct.kernels.gemm;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Parallel;

/** The scalar reference against float64 and against its own definition (exact fma chains). */
class ScalarGemmTest {

    static final int[][] SHAPES = {{1, 1, 1}, {3, 17, 5}, {17, 63, 65}, {65, 129, 3}, {63, 1, 17}, {2, 65, 129}};

    @Test
    void allFormsMatchFloat64AndTheirExactChains() {
        try (Parallel pool = new Parallel(2); Arena arena = Arena.ofShared()) {
            ScalarGemm gemm = new ScalarGemm(pool);
            SplittableRandom rnd = new SplittableRandom(7);
            for (int[] s : SHAPES) {
                for (GemmCase.Form form : GemmCase.Form.values()) {
                    for (int init = 0; init < 3; init++) {
                        if (init == 1 && form != GemmCase.Form.FORWARD) continue;
                        GemmCase c = new GemmCase(arena, rnd, form, s[0], s[1], s[2], init == 1, init == 2);
                        c.poison();
                        c.run(gemm);
                        String what = form + " " + s[0] + "x" + s[1] + "x" + s[2] + " init=" + init;
                        double rel = c.relativeErrorVsFloat64();
                        assertTrue(rel < 1e-6, what + ": relative error " + rel);
                        c.assertEqualsExactChain(what);
                    }
                }
            }
        }
    }

    @Test
    void threadCountDoesNotChangeBits() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofShared()) {
            for (GemmCase.Form form : GemmCase.Form.values()) {
                GemmCase c = new GemmCase(arena, rnd, form, 29, 33, 31, false, true);
                int[] ref = null;
                for (int threads : new int[] {1, 2, 4}) {
                    try (Parallel pool = new Parallel(threads)) {
                        c.poison();
                        c.run(new ScalarGemm(pool));
                        int[] bits = c.outputBits();
                        if (ref == null) ref = bits;
                        else org.junit.jupiter.api.Assertions.assertArrayEquals(ref, bits, form + " threads=" + threads);
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        try (Parallel pool = new Parallel(1); Arena arena = Arena.ofShared()) {
            ScalarGemm gemm = new ScalarGemm(pool);
            MemorySegment s = arena.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> gemm.matmul(s, 0, s, 0, s, 0, s, 0, 1, 1, 1, true));
            assertThrows(IllegalArgumentException.class, () -> gemm.matmulBackwardData(s, 0, s, 0, s, 0, -1, 1, 1, false));
            gemm.matmul(s, 0, s, 0, s, 0, null, 0, 0, 0, 0, false);
            assertEquals(0f, s.getAtIndex(JAVA_FLOAT, 0));
        }
    }
}
