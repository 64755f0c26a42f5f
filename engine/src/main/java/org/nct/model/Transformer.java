package org.nct.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;

/**
 * Forward and backward pass of the decoder (docs/architecture.md) on the {@link Kernels} contract, in
 * the llm.c style: parameters and their gradients are flat buffers addressed by the
 * {@link ParameterLayout}; all activations of one (batch, length) shape live in one flat buffer
 * at precomputed offsets, allocated once by {@link #reserve} and reused by every step, so a
 * training step allocates nothing.
 *
 * <p>Residual additions are fused into the projections: {@code x + a·Wᵀ} is computed as the FMA
 * chain of the matmul starting from x ({@code accumulate = true}).
 *
 * <p>Two numerics profiles (docs/architecture.md, "Numerics profiles"): {@link #forward} runs the
 * coding profile, whose logits equal the incremental decoder's bit for bit (evaluation,
 * generation, the equivalence tests); {@link #trainingForward} and {@link #backward} run the
 * training profile, which differs only in attention ({@link Kernels#attentionForwardTraining}, tiled).
 * Both are deterministic and independent of the thread count.
 *
 * <p>Buffers belong to the backend: the parameters ({@link Weights#onBackend}: on the CPU the
 * weights' own memory, on a device a copy), the gradients, the activations and the tokens are
 * buffers of the {@link Kernels}, so the same class runs on the CPU and device-resident on a GPU.
 * The host reads and writes them only through {@link Kernels#copy} and {@link Kernels#hostView}:
 * per step the tokens go in, and the per-row losses (2·b·t floats) come out, which on the CPU is no
 * copy at all.
 *
 * <p>Not thread-safe; one instance per training or evaluation loop.
 */
public final class Transformer implements AutoCloseable {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Weights weights;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final Kernels k;
    private final MemorySegment params;   // a buffer of k (Weights.onBackend)
    private final MemorySegment grads;    // a buffer of k

    /** Host memory: the tokens of a step before they are copied in, and the staging of hostView (device backends). */
    private Arena hostArena;
    private MemorySegment hostTokens, lossStage, logitStage;

    // activation shape and buffers (see reserve)
    private MemorySegment act;      // all activations (a buffer of k)
    private MemorySegment tokens;   // (R) inputs, then (R) targets, int32 (a buffer of k)
    private int capB, capT, curB, curT;
    private long[] res;             // L+1 residual streams (R,C): res[l] is the input of layer l
    private long[] ln1, rstd1, qkv, att, atty, mid, ln2, rstd2, gate, up, hid;
    private long lnf, rstdf, logits, lse, losses;
    private long dres, dln, dqkv, dgate, dup;
    private int tokenCount;
    /** Whether the last forward ran the training profile (and so saved what backward needs). */
    private boolean trainingProfile;
    private double lossSum, ceSum;

    public Transformer(Weights weights, Kernels kernels) {
        this.weights = weights;
        this.cfg = weights.config();
        this.layout = weights.layout();
        this.k = kernels;
        this.params = weights.onBackend(kernels);
        this.grads = kernels.allocateFloats(layout.size());
    }

    public Weights weights() {
        return weights;
    }

    public ModelConfig config() {
        return cfg;
    }

    public Kernels kernels() {
        return k;
    }

    /**
     * Gradient buffer (same layout as the parameters): the gradient of the last {@link #backward()}.
     * A buffer of {@link #kernels()}: read it through {@link Kernels#copy}/{@link Kernels#hostView}.
     */
    public MemorySegment grads() {
        return grads;
    }

    /**
     * The parameters this model runs on, a buffer of {@link #kernels()} (the optimizers update it):
     * on a host-resident backend the weights' own memory, otherwise a copy that
     * {@link #syncWeights} brings back into {@link #weights()}.
     */
    public MemorySegment params() {
        return params;
    }

    /** Copies the parameters the model runs on back into {@link #weights()} (nothing on the CPU, where they are one). */
    public void syncWeights() {
        weights.readBack(k, params);
    }

    /**
     * Makes room for batches of up to b sequences of up to t tokens. Allocates only when the
     * shape is new; a training loop calls it once, and smaller batches reuse the buffers.
     */
    public void reserve(int b, int t) {
        if (b < 1 || t < 1) throw new IllegalArgumentException("batch and length must be positive, got " + b + "×" + t);
        if ((long) b * t > Integer.MAX_VALUE / 16) {
            throw new IllegalArgumentException("batch " + b + " × length " + t + " is too large");
        }
        if (b == capB && t == capT) return;
        freeActivations();
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
        dgate = take(next, R * Fm);
        dup = take(next, R * Fm);
        long bytes = next[0] * Float.BYTES + 2 * R * Integer.BYTES;
        long limit = physicalMemory();
        if (bytes > limit) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "batch %d × length %d needs %.1f GiB of activations, more than this machine's %.1f GiB; use a smaller batch or length",
                    b, t, bytes / 1073741824.0, limit / 1073741824.0));
        }
        act = k.allocateFloats(next[0]);
        tokens = k.allocateInts(2 * R);
        hostArena = Arena.ofShared();
        hostTokens = Buffers.ints(hostArena, 2 * R);
        if (!k.hostResident()) lossStage = Buffers.floats(hostArena, losses + R - lse);
        capB = b;
        capT = t;
    }

    private void freeActivations() {
        if (act != null) k.free(act);
        if (tokens != null) k.free(tokens);
        if (hostArena != null) hostArena.close();
        act = tokens = hostTokens = lossStage = logitStage = null;
        hostArena = null;
        capB = capT = 0;
    }

    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /** Reserves n floats, rounded up to 16 so every tensor starts 64-byte aligned. */
    private static long take(long[] next, long n) {
        long off = next[0];
        next[0] += (n + 15) & ~15L;
        return off;
    }

    /** Floats held by the activation buffer of the reserved shape. */
    public long activationFloats() {
        return act == null ? 0 : act.byteSize() / Float.BYTES;
    }

    /**
     * Forward pass over b sequences of t tokens in the coding profile (its logits are the
     * incremental decoder's, bit for bit). {@code inputs} and {@code targets} are (b·t)
     * token ids, row-major; an input of -1 is read as token 0, a target of -1 is padding (no
     * loss). Returns the mean over non-padding targets of CE + zLoss·lse² (NaN when every
     * target is padding). {@code targets} may be null to compute logits only.
     */
    public float forward(int[] inputs, int[] targets, int b, int t) {
        return forward(inputs, targets, b, t, false);
    }

    /**
     * {@link #forward} in the training profile (tiled attention, {@link Kernels#attentionForwardTraining}),
     * keeping what {@link #backward} needs: the forward of a training step.
     */
    public float trainingForward(int[] inputs, int[] targets, int b, int t) {
        if (targets == null) throw new IllegalArgumentException("a training forward needs targets");
        return forward(inputs, targets, b, t, true);
    }

    private float forward(int[] inputs, int[] targets, int b, int t, boolean training) {
        if (b < 1 || t < 1) throw new IllegalArgumentException("batch and length must be positive, got " + b + "×" + t);
        if (b > capB || t > capT) reserve(Math.max(b, capB), Math.max(t, capT));
        int R = b * t;
        if (inputs.length < R || (targets != null && targets.length < R)) throw new IllegalArgumentException("need " + R + " tokens");
        int V = cfg.vocabSize();
        int count = 0;
        for (int r = 0; r < R; r++) {
            int x = inputs[r];
            if (x < -1 || x >= V) throw new IllegalArgumentException("input token " + x + " at " + r + " is outside [0, " + V + ")");
            hostTokens.setAtIndex(I, r, Math.max(x, 0));
            int y = targets == null ? -1 : targets[r];
            if (y < -1 || y >= V) throw new IllegalArgumentException("target token " + y + " at " + r + " is outside [0, " + V + ")");
            hostTokens.setAtIndex(I, (long) capB * capT + r, y);
            if (y >= 0) count++;
        }
        k.copy(tokens, 0, hostTokens, 0, R);
        if (targets != null) k.copy(tokens, (long) capB * capT, hostTokens, (long) capB * capT, R);
        curB = b;
        curT = t;
        tokenCount = count;
        trainingProfile = training;
        runForward(targets);
        return tokenCount == 0 ? Float.NaN : (float) (lossSum / tokenCount);
    }

    /** Sum of the per-token losses of the last forward (for averaging over several batches). */
    public double lossSum() {
        return lossSum;
    }

    /** Sum of the per-token cross-entropies (loss without the z-loss term) of the last forward. */
    public double crossEntropySum() {
        return ceSum;
    }

    /** Number of non-padding targets in the last forward. */
    public int tokenCount() {
        return tokenCount;
    }

    /**
     * The activation buffer and the element offset of the last forward's logits, (b,t,V) row-major.
     * A buffer of {@link #kernels()}: read it through {@link Kernels#copy}/{@link Kernels#hostView},
     * or use {@link #logits}.
     */
    public MemorySegment activations() {
        return act;
    }

    /** Copies rows first..first+rows−1 of the last forward's logits ((b·t) rows of V) to out at outOff. */
    public void logits(long first, int rows, float[] out, int outOff) {
        int V = cfg.vocabSize();
        long n = (long) rows * V;
        if (first < 0 || rows < 0 || first + rows > (long) curB * curT) throw new IndexOutOfBoundsException("logit rows " + first + "+" + rows + " of " + (long) curB * curT);
        if (!k.hostResident() && (logitStage == null || logitStage.byteSize() < n * Float.BYTES)) logitStage = Buffers.floats(hostArena, n);
        MemorySegment.copy(k.hostView(act, logits + first * V, n, logitStage), F, 0, out, outOff, (int) n);
    }

    public long logitsOffset() {
        return logits;
    }

    private void runForward(int[] targets) {
        embedForward();
        for (int l = 0; l < cfg.numLayers(); l++) {
            attentionForward(l);
            mlpForward(l);
        }
        headForward(targets);
    }

    /**
     * Backward pass of the last forward, which must have been a {@link #trainingForward}:
     * overwrites {@link #grads()} with the gradient of the mean loss. The logits, attention outputs
     * and MLP hidden activations of that forward are overwritten by their gradients (call
     * trainingForward again before another backward).
     */
    public void backward() {
        if (!trainingProfile) throw new IllegalStateException("backward needs a trainingForward first (the coding profile's forward keeps nothing for it)");
        if (tokenCount == 0) throw new IllegalStateException("backward needs a forward with at least one non-padding target");
        trainingProfile = false;
        zeroAccumulatedGrads();
        headBackward();
        for (int l = cfg.numLayers() - 1; l >= 0; l--) {
            mlpBackward(l);
            attentionBackward(l);
        }
        embedBackward();
    }

    // ---------------------------------------------------------------- blocks: forward/backward pairs
    // R = B·T rows; dres holds dL/d(residual stream) between blocks during the backward pass.

    /** res[0] = embed[tokens]. */
    private void embedForward() {
        k.embeddingForward(act, res[0], params, layout.embed(), tokens, 0, curB * curT, cfg.dModel());
    }

    private void embedBackward() {
        k.embeddingBackward(grads, layout.embed(), act, dres, tokens, 0, curB * curT, cfg.dModel(), cfg.vocabSize());
    }

    /** mid = res[l] + attention(rmsnorm(res[l])·attn_norm·qkvᵀ)·outᵀ, the sum fused into the out GEMM. */
    private void attentionForward(int l) {
        MemorySegment p = params;
        ParameterLayout.Layer w = layout.layer(l);
        int R = curB * curT, C = cfg.dModel(), A = cfg.attnDim();
        k.rmsnormForward(act, ln1[l], act, rstd1[l], act, res[l], p, w.attnNorm(), R, C, cfg.normEps());
        k.matmul(act, qkv[l], act, ln1[l], p, w.qkv(), null, 0, R, C, 3 * A, false);
        if (trainingProfile) {
            k.attentionForwardTraining(act, atty[l], act, att[l], act, qkv[l], p, w.relBias(),
                    curB, curT, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
        } else {
            k.attentionForward(act, atty[l], act, att[l], act, qkv[l], p, w.relBias(),
                    curB, curT, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
        }
        k.copy(act, mid[l], act, res[l], (long) R * C);
        k.matmul(act, mid[l], act, atty[l], p, w.out(), null, 0, R, A, C, true);
    }

    /** dres: dL/dmid in, dL/dres[l] out. Once the out gradient has read atty, its buffer holds dL/datty. */
    private void attentionBackward(int l) {
        MemorySegment p = params, g = grads;
        ParameterLayout.Layer w = layout.layer(l);
        int R = curB * curT, C = cfg.dModel(), A = cfg.attnDim();
        long datty = atty[l];
        k.matmulBackwardWeight(g, w.out(), act, dres, act, atty[l], R, A, C, false);
        k.matmulBackwardData(act, datty, act, dres, p, w.out(), R, A, C, false);
        k.attentionBackwardTraining(act, dqkv, g, w.relBias(), act, datty, act, qkv[l], act, att[l],
                curB, curT, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
        k.matmulBackwardWeight(g, w.qkv(), act, dqkv, act, ln1[l], R, C, 3 * A, false);
        k.matmulBackwardData(act, dln, act, dqkv, p, w.qkv(), R, C, 3 * A, false);
        k.rmsnormBackward(act, dres, g, w.attnNorm(), act, dln, act, res[l], p, w.attnNorm(), act, rstd1[l], R, C);
    }

    /** res[l+1] = mid + (relu(h·gateᵀ)·(h·upᵀ))·downᵀ with h = rmsnorm(mid)·mlp_norm, the sum fused into the down GEMM. */
    private void mlpForward(int l) {
        MemorySegment p = params;
        ParameterLayout.Layer w = layout.layer(l);
        int R = curB * curT, C = cfg.dModel(), Fm = cfg.mlpDim();
        k.rmsnormForward(act, ln2[l], act, rstd2[l], act, mid[l], p, w.mlpNorm(), R, C, cfg.normEps());
        k.matmul(act, gate[l], act, ln2[l], p, w.gate(), null, 0, R, C, Fm, false);
        k.matmul(act, up[l], act, ln2[l], p, w.up(), null, 0, R, C, Fm, false);
        k.reluGateForward(act, hid[l], act, gate[l], act, up[l], (long) R * Fm);
        k.copy(act, res[l + 1], act, mid[l], (long) R * C);
        k.matmul(act, res[l + 1], act, hid[l], p, w.down(), null, 0, R, Fm, C, true);
    }

    /** dres: dL/dres[l+1] in, dL/dmid out. Once the down gradient has read hid, its buffer holds dL/dhid. */
    private void mlpBackward(int l) {
        MemorySegment p = params, g = grads;
        ParameterLayout.Layer w = layout.layer(l);
        int R = curB * curT, C = cfg.dModel(), Fm = cfg.mlpDim();
        long dhid = hid[l];
        k.matmulBackwardWeight(g, w.down(), act, dres, act, hid[l], R, Fm, C, false);
        k.matmulBackwardData(act, dhid, act, dres, p, w.down(), R, Fm, C, false);
        k.reluGateBackward(act, dgate, act, dup, act, dhid, act, gate[l], act, up[l], (long) R * Fm);
        k.matmulBackwardWeight(g, w.gate(), act, dgate, act, ln2[l], R, C, Fm, false);
        k.matmulBackwardWeight(g, w.up(), act, dup, act, ln2[l], R, C, Fm, false);
        k.matmulBackwardData(act, dln, act, dgate, p, w.gate(), R, C, Fm, false);
        k.matmulBackwardData(act, dln, act, dup, p, w.up(), R, C, Fm, true);
        k.rmsnormBackward(act, dres, g, w.mlpNorm(), act, dln, act, mid[l], p, w.mlpNorm(), act, rstd2[l], R, C);
    }

    /** logits = (rmsnorm(res[L])·final_norm)·lm_headᵀ; with targets, the per-row losses and their sums (read on the host). */
    private void headForward(int[] targets) {
        MemorySegment p = params;
        int L = cfg.numLayers(), R = curB * curT, C = cfg.dModel(), V = cfg.vocabSize();
        long tgt = (long) capB * capT;
        k.rmsnormForward(act, lnf, act, rstdf, act, res[L], p, layout.finalNorm(), R, C, cfg.normEps());
        k.matmul(act, logits, act, lnf, p, layout.lmHead(), null, 0, R, C, V, false);
        lossSum = 0;
        ceSum = 0;
        if (targets == null) return;
        k.crossEntropyForward(act, losses, act, lse, act, logits, tokens, tgt, R, V, cfg.zLoss());
        // lse (R) and losses (R) are neighbours: one view of both
        MemorySegment h = k.hostView(act, lse, losses + R - lse, lossStage);
        long lo = losses - lse;
        double s = 0, ce = 0, z = cfg.zLoss();
        for (int r = 0; r < R; r++) {
            if (targets[r] < 0) continue;
            double loss = h.getAtIndex(F, lo + r), lz = h.getAtIndex(F, r);
            s += loss;
            ce += loss - z * lz * lz;
        }
        lossSum = s;
        ceSum = ce;
    }

    /** Gradient of the mean loss through the head; leaves dL/dres[L] in dres (the logits hold their gradient). */
    private void headBackward() {
        MemorySegment p = params, g = grads;
        int L = cfg.numLayers(), R = curB * curT, C = cfg.dModel(), V = cfg.vocabSize();
        long tgt = (long) capB * capT;
        k.crossEntropyBackward(act, logits, act, logits, act, lse, tokens, tgt, R, V, cfg.zLoss(), 1f / tokenCount);
        k.matmulBackwardWeight(g, layout.lmHead(), act, logits, act, lnf, R, C, V, false);
        k.matmulBackwardData(act, dln, act, logits, p, layout.lmHead(), R, C, V, false);
        k.zero(act, dres, (long) R * C);
        k.rmsnormBackward(act, dres, g, layout.finalNorm(), act, dln, act, res[L], p, layout.finalNorm(), act, rstdf, R, C);
    }

    /**
     * Zeroes the gradients that kernels accumulate into (embedding, norm gains, relative biases);
     * every weight-gradient GEMM overwrites its tensor (accumulate = false).
     */
    private void zeroAccumulatedGrads() {
        int C = cfg.dModel();
        k.zero(grads, layout.embed(), (long) cfg.vocabSize() * C);
        k.zero(grads, layout.finalNorm(), C);
        for (int l = 0; l < cfg.numLayers(); l++) {
            ParameterLayout.Layer w = layout.layer(l);
            k.zero(grads, w.attnNorm(), C);
            k.zero(grads, w.relBias(), (long) cfg.numHeads() * cfg.numBuckets());
            k.zero(grads, w.mlpNorm(), C);
        }
    }

    /** Frees the backend buffers (the weights stay the caller's; call {@link #syncWeights} first to keep a device's updates). */
    @Override
    public void close() {
        freeActivations();
        k.free(grads);
        weights.release(k, params);
    }
}
