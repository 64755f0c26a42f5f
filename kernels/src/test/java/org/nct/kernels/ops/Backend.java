package org.nct.kernels.ops;

import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;

/** The backends the ops tests run on: scalar reference and the Vector API at each width. */
enum Backend {
    SCALAR, VECTOR_128, VECTOR_256, VECTOR_512;

    Kernels open(int threads) {
        return switch (this) {
            case SCALAR -> new ScalarKernels(threads);
            case VECTOR_128 -> new VectorKernels(Backends.species(128), threads);
            case VECTOR_256 -> new VectorKernels(Backends.species(256), threads);
            case VECTOR_512 -> new VectorKernels(Backends.species(512), threads);
        };
    }
}
