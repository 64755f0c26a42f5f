/**
 * nct's CPU kernels: the kernel contract ({@link org.nct.kernels.Kernels}), its scalar reference
 * and Vector API backend, the numerics profile and the worker pool. The Vector API is part of the
 * contract (vector species), so modules reading this one read {@code jdk.incubator.vector}.
 */
module org.nct.kernels {
    requires transitive jdk.incubator.vector;
    requires org.agrona;

    exports org.nct.kernels;
    exports org.nct.kernels.gemm;
    exports org.nct.kernels.ops;
}
