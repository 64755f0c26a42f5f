package org.nct.kernels.gemm;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.Parallel;

/** Vector API GEMM. INTERIM: forwards to ScalarGemm (same bits) until the tiled kernels land on branch gemm. */
public final class VectorGemm {

    private final VectorSpecies<Float> species;
    private final Parallel pool;

    public VectorGemm(VectorSpecies<Float> species, Parallel pool) {
        this.species = species;
        this.pool = pool;
        this.interim = new ScalarGemm(pool);
    }

    private final ScalarGemm interim;

    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        interim.matmul(y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
    }

    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff, int m, int k, int n, boolean accumulate) {
        interim.matmulBackwardData(dx, dxOff, dy, dyOff, w, wOff, m, k, n, accumulate);
    }

    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff, int m, int k, int n, boolean accumulate) {
        interim.matmulBackwardWeight(dw, dwOff, dy, dyOff, x, xOff, m, k, n, accumulate);
    }

}
