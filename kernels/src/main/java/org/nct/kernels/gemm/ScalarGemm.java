package org.nct.kernels.gemm;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Parallel;

/** Scalar reference of the three GEMM forms (the definition of their bits). PLACEHOLDER: replaced by the GEMM work. */
public final class ScalarGemm {

    private final Parallel pool;

    public ScalarGemm(Parallel pool) {
        this.pool = pool;
    }

    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("ScalarGemm.matmul is not implemented yet");
    }

    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("ScalarGemm.matmulBackwardData is not implemented yet");
    }

    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff, int m, int k, int n, boolean accumulate) {
        throw new UnsupportedOperationException("ScalarGemm.matmulBackwardWeight is not implemented yet");
    }

}
