package org.nct.train;

import java.lang.foreign.MemorySegment;

/**
 * An optimizer over the flat parameter and gradient buffers. Its whole state is one flat float
 * buffer of {@link #stateSize()} floats (saved in checkpoints as {@code optimizer.state}).
 * Parameters, gradients and state are buffers of the optimizer's {@code Kernels} (the state is
 * allocated there; {@link #close} frees it).
 */
public interface Optimizer extends AutoCloseable {

    /** "adafactor" or "adamw". */
    String name();

    /** Floats of state. */
    long stateSize();

    /** The state buffer (zero at the start of training), a buffer of the optimizer's kernels. */
    MemorySegment state();

    /** Applies the gradient of step {@code step} (1-based) with learning rate {@code lr}. */
    void update(long step, float lr);

    /** Hyperparameters, one line (logs and checkpoint metadata). */
    String describe();

    /** Frees the state. */
    @Override
    void close();
}
