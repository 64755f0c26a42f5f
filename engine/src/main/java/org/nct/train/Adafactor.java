package org.nct.train;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Kernels;
import org.nct.model.ParameterLayout;

/**
 * Adafactor as T5X configures it: no momentum (β1 = none), second moments factored into row and
 * column averages for matrices whose two dimensions are both at least 128 (full for the rest),
 * decay {@code β2_t = 1 − t^−0.8}, ε1 = 1e-30, update clipping at RMS 1.0, and steps scaled by
 * the parameter's RMS (at least ε2 = 1e-3). State layout: for each tensor in layout order, its
 * row averages then its column averages (factored) or its full average.
 */
public final class Adafactor implements Optimizer {

    public static final int MIN_DIM_TO_FACTOR = 128;
    public static final double DECAY_EXPONENT = 0.8;
    public static final float EPS1 = 1e-30f, EPS2 = 1e-3f, CLIP = 1.0f;

    private final Kernels k;
    private final ParameterLayout layout;
    private final MemorySegment params, grads, state, scratch;
    private final long[] stateOffset;
    private final boolean[] factored;
    private final long stateSize;

    public Adafactor(Kernels k, ParameterLayout layout, MemorySegment params, MemorySegment grads) {
        this.k = k;
        this.layout = layout;
        this.params = params;
        this.grads = grads;
        int n = layout.tensors().size();
        stateOffset = new long[n];
        factored = new boolean[n];
        long off = 0, largest = 1;
        for (int i = 0; i < n; i++) {
            ParameterLayout.Tensor t = layout.tensors().get(i);
            factored[i] = t.shape().length == 2 && Math.min(t.rows(), t.cols()) >= MIN_DIM_TO_FACTOR;
            stateOffset[i] = off;
            off += factored[i] ? (long) t.rows() + t.cols() : t.size();
            largest = Math.max(largest, t.size());
        }
        stateSize = off;
        state = k.allocateFloats(stateSize);
        scratch = k.allocateFloats(largest);
    }

    @Override
    public String name() {
        return "adafactor";
    }

    @Override
    public long stateSize() {
        return stateSize;
    }

    @Override
    public MemorySegment state() {
        return state;
    }

    /** β2 of step t (1-based): 1 − t^−0.8, so the first step uses the squared gradient alone. */
    public static float beta2(long step) {
        return (float) (1.0 - Math.pow(step, -DECAY_EXPONENT));
    }

    @Override
    public void update(long step, float lr) {
        float beta2 = beta2(step);
        for (int i = 0; i < stateOffset.length; i++) {
            ParameterLayout.Tensor t = layout.tensors().get(i);
            int rows = t.rows(), cols = t.cols();
            if (t.shape().length == 1) {
                rows = 1;
                cols = (int) t.size();
            }
            long s = stateOffset[i];
            if (factored[i]) {
                k.adafactor(params, t.offset(), grads, t.offset(), state, s, state, s + rows, null, 0,
                        scratch, 0, rows, cols, true, lr, beta2, EPS1, EPS2, CLIP);
            } else {
                k.adafactor(params, t.offset(), grads, t.offset(), null, 0, null, 0, state, s,
                        scratch, 0, rows, cols, false, lr, beta2, EPS1, EPS2, CLIP);
            }
        }
    }

    @Override
    public void close() {
        k.free(state);
        k.free(scratch);
    }

    @Override
    public String describe() {
        return "adafactor(decay_rate=" + DECAY_EXPONENT + ", clipping=" + CLIP + ", eps1=" + EPS1 + ", eps2=" + EPS2
                + ", factor_min_dim=" + MIN_DIM_TO_FACTOR + ", beta1=none)";
    }
}
