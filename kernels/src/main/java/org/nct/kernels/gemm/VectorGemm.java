package org.nct.kernels.gemm;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.Parallel;

/** Vector API GEMM: register-tiled broadcast micro-kernels over packed panels. PLACEHOLDER: replaced by the GEMM work. */
public final class VectorGemm {

    private final VectorSpecies<Float> species;
    private final Parallel pool;

    public VectorGemm(VectorSpecies<Float> species, Parallel pool) {
        this.species = species;
        this.pool = pool;
    }

    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("VectorGemm.matmul is not implemented yet");
    }

    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("VectorGemm.matmulBackwardData is not implemented yet");
    }

    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("VectorGemm.matmulBackwardWeight is not implemented yet");
    }

}
