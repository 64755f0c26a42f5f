package org.nct.cuda.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.cuda.CudaKernels;
import org.nct.kernels.Kernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Weights;

/**
 * A training step with everything resident on the GPU: parameters, gradients, optimizer state and
 * activations are device buffers of {@link CudaKernels} (one cuMemAlloc each), so no kernel call
 * copies anything between host and device; per step only the tokens go up and the per-token losses
 * come back.
 *
 * <p>The forward and backward passes issue exactly the kernel calls of
 * {@code org.nct.model.Transformer}'s training step (trainingForward, backward) in the same order (the model class allocates host memory, so
 * it cannot run resident on the device as it stands). {@link GpuCheck} verifies the two bitwise:
 * loss and every gradient of this class in the deterministic profile equal the CPU Transformer's.
 * The training profile's attention has no device kernel yet: {@link CudaKernels} runs it on the
 * host, so each layer's attention copies its inputs down and its outputs up (docs/gpu.md).
 */
public final class DeviceTrainer implements AutoCloseable {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final CudaKernels k;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final int capB, capT;
    private final MemorySegment params, grads, act, tokens, adaState, adaScratch;
    private final long[] res, ln1, rstd1, qkv, att, atty, mid, ln2, rstd2, gate, up, hid;
    private final long lnf, rstdf, logits, lse, losses, dres, dln, dqkv, datty, dgate, dup, dhid;
    private final AdafactorStep optimizer;
    private final Arena host = Arena.ofShared();
    private final MemorySegment hostTokens, hostLosses;
    private int curB, curT, tokenCount;

    public DeviceTrainer(CudaKernels kernels, Weights init, int b, int t) {
        this.k = kernels;
        this.cfg = init.config();
        this.layout = init.layout();
        this.capB = b;
        this.capT = t;
        int L = cfg.numLayers(), C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize(), H = cfg.numHeads();
        long R = (long) b * t;
        long[] next = {0};
        res = new long[L + 1];
        ln1 = new long[L]; rstd1 = new long[L]; qkv = new long[L]; att = new long[L]; atty = new long[L];
        mid = new long[L]; ln2 = new long[L]; rstd2 = new long[L]; gate = new long[L]; up = new long[L]; hid = new long[L];
        for (int l = 0; l <= L; l++) res[l] = take(next, R * C);
        for (int l = 0; l < L; l++) {
            ln1[l] = take(next, R * C);
            rstd1[l] = take(next, R);
            qkv[l] = take(next, R * 3 * A);
            att[l] = take(next, (long) b * H * t * t);
            atty[l] = take(next, R * A);
            mid[l] = take(next, R * C);
            ln2[l] = take(next, R * C);
            rstd2[l] = take(next, R);
            gate[l] = take(next, R * Fm);
            up[l] = take(next, R * Fm);
            hid[l] = take(next, R * Fm);
        }
        lnf = take(next, R * C);
        rstdf = take(next, R);
        logits = take(next, R * V);
        lse = take(next, R);
        losses = take(next, R);
        dres = take(next, R * C);
        dln = take(next, R * C);
        dqkv = take(next, R * 3 * A);
        datty = take(next, R * A);
        dgate = take(next, R * Fm);
        dup = take(next, R * Fm);
        dhid = take(next, R * Fm);
        act = k.allocateFloats(next[0]);
        tokens = k.allocateInts(2 * R);
        params = k.allocateFloats(layout.size());
        grads = k.allocateFloats(layout.size());
        k.copy(params, 0, init.params(), 0, layout.size());
        optimizer = new AdafactorStep(layout);
        adaState = k.allocateFloats(optimizer.stateFloats());
        adaScratch = k.allocateFloats(optimizer.scratchFloats());
        hostTokens = host.allocate(2 * R * 4, 64);
        hostLosses = host.allocate(R * 4, 64);
    }

    private static long take(long[] next, long n) {
        long off = next[0];
        next[0] += (n + 15) & ~15L;
        return off;
    }

    public MemorySegment params() {
        return params;
    }

    public MemorySegment grads() {
        return grads;
    }

    public ModelConfig config() {
        return cfg;
    }

    /** Mean loss over the non-padding targets (inputs/targets as in Transformer.forward). */
    public float forward(int[] inputs, int[] targets, int b, int t) {
        if (b > capB || t > capT) throw new IllegalArgumentException("batch larger than reserved");
        int R = b * t, V = cfg.vocabSize();
        long tgt = (long) capB * capT;
        int count = 0;
        for (int r = 0; r < R; r++) {
            int x = inputs[r], y = targets[r];
            if (x < -1 || x >= V || y < -1 || y >= V) throw new IllegalArgumentException("token outside [0, " + V + ") at " + r);
            hostTokens.setAtIndex(ValueLayout.JAVA_INT, r, Math.max(x, 0));
            hostTokens.setAtIndex(ValueLayout.JAVA_INT, tgt + r, y);
            if (y >= 0) count++;
        }
        k.copy(tokens, 0, hostTokens, 0, 2 * tgt);
        curB = b;
        curT = t;
        tokenCount = count;
        MemorySegment p = params;
        int L = cfg.numLayers(), C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim();
        float eps = cfg.normEps();
        k.embeddingForward(act, res[0], p, layout.embed(), tokens, 0, R, C);
        for (int l = 0; l < L; l++) {
            ParameterLayout.Layer w = layout.layer(l);
            k.rmsnormForward(act, ln1[l], act, rstd1[l], act, res[l], p, w.attnNorm(), R, C, eps);
            k.matmul(act, qkv[l], act, ln1[l], p, w.qkv(), null, 0, R, C, 3 * A, false);
            k.attentionForwardTraining(act, atty[l], act, att[l], act, qkv[l], p, w.relBias(),
                    b, t, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
            k.copy(act, mid[l], act, res[l], (long) R * C);
            k.matmul(act, mid[l], act, atty[l], p, w.out(), null, 0, R, A, C, true);
            k.rmsnormForward(act, ln2[l], act, rstd2[l], act, mid[l], p, w.mlpNorm(), R, C, eps);
            k.matmul(act, gate[l], act, ln2[l], p, w.gate(), null, 0, R, C, Fm, false);
            k.matmul(act, up[l], act, ln2[l], p, w.up(), null, 0, R, C, Fm, false);
            k.reluGateForward(act, hid[l], act, gate[l], act, up[l], (long) R * Fm);
            k.copy(act, res[l + 1], act, mid[l], (long) R * C);
            k.matmul(act, res[l + 1], act, hid[l], p, w.down(), null, 0, R, Fm, C, true);
        }
        k.rmsnormForward(act, lnf, act, rstdf, act, res[L], p, layout.finalNorm(), R, C, eps);
        k.matmul(act, logits, act, lnf, p, layout.lmHead(), null, 0, R, C, V, false);
        k.crossEntropyForward(act, losses, act, lse, act, logits, tokens, tgt, R, V, cfg.zLoss());
        k.copy(hostLosses, 0, act, losses, R);
        double s = 0;
        for (int r = 0; r < R; r++) s += hostLosses.getAtIndex(F, r);
        return count == 0 ? Float.NaN : (float) (s / count);
    }

    /** Gradient of the last forward's mean loss into {@link #grads()} (logits overwritten). */
    public void backward() {
        MemorySegment p = params, g = grads;
        int L = cfg.numLayers(), C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize();
        int B = curB, T = curT, R = B * T;
        long tgt = (long) capB * capT;
        k.zero(g, 0, layout.size());
        k.crossEntropyBackward(act, logits, act, logits, act, lse, tokens, tgt, R, V, cfg.zLoss(), 1f / tokenCount);
        k.matmulBackwardWeight(g, layout.lmHead(), act, logits, act, lnf, R, C, V, false);
        k.matmulBackwardData(act, dln, act, logits, p, layout.lmHead(), R, C, V, false);
        k.zero(act, dres, (long) R * C);
        k.rmsnormBackward(act, dres, g, layout.finalNorm(), act, dln, act, res[L], p, layout.finalNorm(), act, rstdf, R, C);
        for (int l = L - 1; l >= 0; l--) {
            ParameterLayout.Layer w = layout.layer(l);
            k.matmulBackwardWeight(g, w.down(), act, dres, act, hid[l], R, Fm, C, false);
            k.matmulBackwardData(act, dhid, act, dres, p, w.down(), R, Fm, C, false);
            k.zero(act, dgate, (long) R * Fm);
            k.zero(act, dup, (long) R * Fm);
            k.reluGateBackward(act, dgate, act, dup, act, dhid, act, gate[l], act, up[l], (long) R * Fm);
            k.matmulBackwardWeight(g, w.gate(), act, dgate, act, ln2[l], R, C, Fm, false);
            k.matmulBackwardWeight(g, w.up(), act, dup, act, ln2[l], R, C, Fm, false);
            k.matmulBackwardData(act, dln, act, dgate, p, w.gate(), R, C, Fm, false);
            k.matmulBackwardData(act, dln, act, dup, p, w.up(), R, C, Fm, true);
            k.rmsnormBackward(act, dres, g, w.mlpNorm(), act, dln, act, mid[l], p, w.mlpNorm(), act, rstd2[l], R, C);
            k.matmulBackwardWeight(g, w.out(), act, dres, act, atty[l], R, A, C, false);
            k.matmulBackwardData(act, datty, act, dres, p, w.out(), R, A, C, false);
            k.zero(act, dqkv, (long) R * 3 * A);
            k.attentionBackwardTraining(act, dqkv, g, w.relBias(), act, datty, act, qkv[l], act, att[l],
                    B, T, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
            k.matmulBackwardWeight(g, w.qkv(), act, dqkv, act, ln1[l], R, C, 3 * A, false);
            k.matmulBackwardData(act, dln, act, dqkv, p, w.qkv(), R, C, 3 * A, false);
            k.rmsnormBackward(act, dres, g, w.attnNorm(), act, dln, act, res[l], p, w.attnNorm(), act, rstd1[l], R, C);
        }
        k.embeddingBackward(g, layout.embed(), act, dres, tokens, 0, R, C, V);
    }

    /** One Adafactor update of the parameters with the current gradients. */
    public void update(int step) {
        optimizer.apply(k, params, grads, adaState, adaScratch, step);
    }

    /** The device kernels in use. */
    public Kernels kernels() {
        return k;
    }

    @Override
    public void close() {
        k.free(act);
        k.free(tokens);
        k.free(params);
        k.free(grads);
        k.free(adaState);
        k.free(adaScratch);
        host.close();
    }
}
