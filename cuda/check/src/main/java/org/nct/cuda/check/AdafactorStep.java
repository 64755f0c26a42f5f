package org.nct.cuda.check;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Kernels;
import org.nct.model.ParameterLayout;

/**
 * One Adafactor update over a flat parameter buffer, tensor by tensor, through any {@link Kernels}
 * backend (T5X defaults: factored second moments for matrices whose both sides are at least 128,
 * decay 1 − step^−0.8, eps1 1e-30, eps2 1e-3, update clipping 1, lr = 1/sqrt(max(step, 10000))).
 * The same object drives the CPU reference and the GPU in {@link GpuCheck}.
 */
final class AdafactorStep {

    private final ParameterLayout layout;
    private final long[] vr, vc, v;
    private final long stateFloats, scratchFloats;

    AdafactorStep(ParameterLayout layout) {
        this.layout = layout;
        int n = layout.tensors().size();
        vr = new long[n];
        vc = new long[n];
        v = new long[n];
        long next = 0, scratch = 0;
        for (int i = 0; i < n; i++) {
            ParameterLayout.Tensor t = layout.tensors().get(i);
            if (factored(t)) {
                vr[i] = next;
                next += t.rows();
                vc[i] = next;
                next += t.cols();
            } else {
                v[i] = next;
                next += t.size();
            }
            scratch = Math.max(scratch, t.size());
        }
        stateFloats = next;
        scratchFloats = scratch;
    }

    static boolean factored(ParameterLayout.Tensor t) {
        return t.shape().length == 2 && t.rows() >= 128 && t.cols() >= 128;
    }

    long stateFloats() {
        return stateFloats;
    }

    long scratchFloats() {
        return scratchFloats;
    }

    void apply(Kernels k, MemorySegment params, MemorySegment grads, MemorySegment state, MemorySegment scratch, int step) {
        float lr = (float) (1.0 / Math.sqrt(Math.max(step, 10000)));
        float beta2 = (float) (1.0 - Math.pow(step, -0.8));
        for (int i = 0; i < layout.tensors().size(); i++) {
            ParameterLayout.Tensor t = layout.tensors().get(i);
            boolean f = factored(t);
            int rows = t.shape().length == 2 ? t.rows() : 1;
            int cols = (int) (t.size() / rows);
            k.adafactor(params, t.offset(), grads, t.offset(), state, vr[i], state, vc[i], state, v[i],
                    scratch, 0, rows, cols, f, lr, beta2, 1e-30f, 1e-3f, 1f);
        }
    }
}
