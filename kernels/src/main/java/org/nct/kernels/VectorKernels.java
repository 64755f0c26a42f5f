package org.nct.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.gemm.VectorGemm;
import org.nct.kernels.ops.VectorPrimitives;

/** The Vector API backend at one species (128, 256 or 512 bits), bit-identical to ScalarKernels. */
public final class VectorKernels extends CpuKernels {

    public VectorKernels(VectorSpecies<Float> species, int threads) {
        this(species, new Parallel(threads));
    }

    private VectorKernels(VectorSpecies<Float> species, Parallel pool) {
        super("vector-" + species.vectorBitSize(), pool, new VectorGemm(species, pool), new VectorPrimitives(species));
        warmUp();
    }

    /**
     * Runs every kernel once on small shapes with ragged tails, so that all Vector API classes the
     * kernels use are loaded before any hot loop is compiled. Without this, the first call of a
     * later kernel (e.g. attention after many GEMMs) loads new vector classes, HotSpot deoptimizes
     * the compiled GEMM micro-kernel, and under load it can stay un-intrinsified (about 1 GFLOP/s)
     * for the rest of the run.
     */
    private void warmUp() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            int m = 7, k = 33, n = 37, b = 1, t = 20, h = 2, d = 16, nb = 32, md = 128, v = 40;
            MemorySegment a = filled(arena, 4096), c = filled(arena, 4096), e = filled(arena, 4096);
            MemorySegment f = filled(arena, 4096), g = filled(arena, 4096), s = filled(arena, 4096);
            MemorySegment tok = Buffers.ints(arena, 8);
            for (int i = 0; i < 8; i++) tok.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, (i * 5) % v);
            matmul(a, 0, c, 0, e, 0, null, 0, m, k, n, false);
            matmulBackwardData(a, 0, c, 0, e, 0, m, k, n, true);
            matmulBackwardWeight(a, 0, c, 0, e, 0, m, k, n, true);
            rmsnormForward(a, 0, f, 0, c, 0, e, 0, 3, v, 1e-6f);
            rmsnormBackward(g, 0, s, 0, a, 0, c, 0, e, 0, f, 0, 3, v);
            attentionForward(a, 0, f, 0, c, 0, e, 0, b, t, h, d, nb, md, 1f);
            attentionBackward(g, 0, s, 0, a, 0, c, 0, f, 0, b, t, h, d, nb, md, 1f);
            attentionRow(a, 0, c, 0, c, 0, e, 0, 3L * h * d, s, 0, g, 0, t - 1, h, d, nb, md, 1f);
            // one head of D = 64: the tiled training kernels' vector paths at every width
            attentionForwardTraining(a, 0, f, 0, c, 0, e, 0, b, t, 1, 64, nb, md, 1f);
            attentionBackwardTraining(g, 0, s, 0, a, 0, c, 0, f, 0, b, t, 1, 64, nb, md, 1f);
            reluGateForward(a, 0, c, 0, e, 0, n);
            reluGateBackward(g, 0, s, 0, a, 0, c, 0, e, 0, n);
            add(a, 0, a, 0, c, 0, n);
            embeddingForward(a, 0, c, 0, tok, 0, 8, n);
            embeddingBackward(g, 0, a, 0, tok, 0, 8, n, v);
            crossEntropyForward(f, 0, s, 0, c, 0, tok, 0, 3, v, 1e-4f);
            crossEntropyBackward(a, 0, c, 0, s, 0, tok, 0, 3, v, 1e-4f, 1f);
            adamw(a, 0, c, 0, e, 0, f, 0, n, 1e-3f, 0.9f, 0.95f, 0.1f, 0.05f, 1e-8f, 0.1f);
            adafactor(a, 0, c, 0, e, 0, f, 0, null, 0, g, 0, 3, v, true, 1e-3f, 0.5f, 1e-30f, 1e-3f, 1f);
            adafactor(a, 0, c, 0, null, 0, null, 0, e, 0, g, 0, 1, v, false, 1e-3f, 0.5f, 1e-30f, 1e-3f, 1f);
            sumSquares(a, 0, n);
            scale(a, 0, n, 0.5f);
            zero(a, 0, n);
        }
    }

    private static MemorySegment filled(java.lang.foreign.Arena arena, int n) {
        MemorySegment x = Buffers.floats(arena, n);
        for (int i = 0; i < n; i++) x.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 0.01f * ((i * 37) % 101) + 0.1f);
        return x;
    }
}
