package org.nct.train;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Kernels;
import org.nct.model.ParameterLayout;

/**
 * AdamW with bias correction. Weight decay applies to matrices (embeddings, projections), not to
 * norm gains or relative-position biases. State: first moments of every parameter, then second
 * moments (2·P floats, parameter layout order).
 */
public final class AdamW implements Optimizer {

    private final Kernels k;
    private final ParameterLayout layout;
    private final MemorySegment params, grads, state;
    private final float beta1, beta2, eps, weightDecay;

    public AdamW(Kernels k, ParameterLayout layout, MemorySegment params, MemorySegment grads,
                 float beta1, float beta2, float eps, float weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW betas must be in [0, 1)");
        if (!(eps > 0) || !(weightDecay >= 0)) throw new IllegalArgumentException("AdamW needs eps > 0 and weight decay >= 0");
        this.k = k;
        this.layout = layout;
        this.params = params;
        this.grads = grads;
        this.state = k.allocateFloats(2 * layout.size());
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    public long stateSize() {
        return 2 * layout.size();
    }

    @Override
    public MemorySegment state() {
        return state;
    }

    @Override
    public void update(long step, float lr) {
        float c1 = (float) (1 - Math.pow(beta1, step)), c2 = (float) (1 - Math.pow(beta2, step));
        long p = layout.size();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            float wd = t.shape().length == 2 && !t.name().endsWith("rel_bias") ? weightDecay : 0f;
            k.adamw(params, t.offset(), grads, t.offset(), state, t.offset(), state, p + t.offset(), t.size(),
                    lr, beta1, beta2, c1, c2, eps, wd);
        }
    }

    @Override
    public void close() {
        k.free(state);
    }

    @Override
    public String describe() {
        return "adamw(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weight_decay=" + weightDecay + ")";
    }
}
