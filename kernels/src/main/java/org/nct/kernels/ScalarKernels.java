package org.nct.kernels;

import org.nct.kernels.gemm.ScalarGemm;
import org.nct.kernels.ops.ScalarPrimitives;

/** The scalar reference backend: plain loops that define the bits of every kernel. */
public final class ScalarKernels extends CpuKernels {

    public ScalarKernels(int threads) {
        this(new Parallel(threads));
    }

    private ScalarKernels(Parallel pool) {
        super("scalar", pool, new ScalarGemm(pool), new ScalarPrimitives());
    }
}
