package org.nct.kernels.gemm;

/** Argument checks shared by the GEMM implementations. */
final class GemmArgs {
    private GemmArgs() { }

    static void check(int m, int k, int n, boolean hasBias, boolean accumulate) {
        if (m < 0 || k < 0 || n < 0) {
            throw new IllegalArgumentException("GEMM sizes must be >= 0, got m=" + m + " k=" + k + " n=" + n);
        }
        if (hasBias && accumulate) {
            throw new IllegalArgumentException("GEMM bias and accumulate are exclusive");
        }
    }
}
