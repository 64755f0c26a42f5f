package org.nct.kernels.gemm;

import java.lang.foreign.MemorySegment;

/** The GEMM part of the {@link org.nct.kernels.Kernels} contract, as a CPU backend runs it. */
public interface Gemm {

    /** Y = X·Wᵀ (+ bias); see {@link org.nct.kernels.Kernels#matmul}. */
    void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate);

    /** {@link #matmul} with weights the caller never changes; see {@link org.nct.kernels.Kernels#matmulFixedWeights}. */
    default void matmulFixedWeights(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                    MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        matmul(y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
    }

    /** dX (+)= dY·W; see {@link org.nct.kernels.Kernels#matmulBackwardData}. */
    void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff,
                            int m, int k, int n, boolean accumulate);

    /** dW (+)= dYᵀ·X; see {@link org.nct.kernels.Kernels#matmulBackwardWeight}. */
    void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff,
                              int m, int k, int n, boolean accumulate);
}
