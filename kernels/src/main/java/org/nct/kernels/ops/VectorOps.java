package org.nct.kernels.ops;

import jdk.incubator.vector.VectorSpecies;
import org.nct.kernels.Parallel;

/**
 * Vector API implementation of every non-GEMM kernel, bit-identical to {@link ScalarOps}: it
 * shares ScalarOps's drivers and overrides the row primitives. IN PROGRESS: no primitive is
 * overridden yet, so this currently runs the scalar primitives (correct bits, scalar speed).
 */
public final class VectorOps extends ScalarOps {

    private final VectorSpecies<Float> species;

    public VectorOps(VectorSpecies<Float> species, Parallel pool) {
        super(pool);
        this.species = species;
    }
}
