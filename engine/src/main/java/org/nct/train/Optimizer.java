package org.nct.train;

import java.lang.foreign.MemorySegment;

/**
 * An optimizer over the flat parameter and gradient buffers. Its whole state is one flat float
 * buffer of {@link #stateSize()} floats (saved in checkpoints as {@code optimizer.state}).
 */
public interface Optimizer {

    /** "adafactor" or "adamw". */
    String name();

    /** Floats of state. */
    long stateSize();

    /** The state buffer (zero at the start of training). */
    MemorySegment state();

    /** Applies the gradient of step {@code step} (1-based) with learning rate {@code lr}. */
    void update(long step, float lr);

    /** Hyperparameters, one line (logs and checkpoint metadata). */
    String describe();
}
