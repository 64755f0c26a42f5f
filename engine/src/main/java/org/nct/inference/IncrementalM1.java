package org.nct.inference;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.RelativePosition;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Weights;

/**
 * Batched incremental inference of M1 with a KV cache per stream. Each of up to {@code slots}
 * independent streams holds its own cache; one {@link #step} feeds one token to each of n streams
 * (each at its own position) and computes their next-token logits as one batch: the GEMMs run over
 * the n rows, attention runs per row ({@link Kernels#attentionCached}, rows in parallel) against
 * that stream's cache.
 *
 * <p>The operations are those of {@link org.nct.model.Transformer}'s forward pass, in the same
 * order, and every kernel's output row depends only on its own input row (numerics profile), so a
 * stream's logits are bit-identical to the training forward over the same tokens, whatever the
 * other streams, the batch size, the thread count or the vector width. Not thread-safe.
 *
 * <p>Memory: the caches of all slots share one off-heap region of {@code cap} positions per slot,
 * in the layout of {@link Kernels#attentionCached} (per head; keys in tiles of 16 positions). It
 * grows when a step needs a later position than any before — by doubling, the last growth straight
 * to {@code maxPositions} rounded up to 16 — and the old region is freed at once; every later context
 * reuses it. So it grows with slots × the longest context, never with the input.
 *
 * <p>Buffers belong to the backend: the parameters ({@link Weights#onBackend}), the activations,
 * the caches and the bias table are buffers of the {@link Kernels}, and the KV cache writes are
 * kernel-contract operations ({@link Kernels#kvStore}, {@link Kernels#kvCopyPosition}), so the same
 * class runs device-resident on a GPU. Per step the host copies in the n tokens and reads the n
 * rows of logits ({@link #step}) or gets their CDFs in host memory ({@link #stepToCdf}).
 */
public final class IncrementalM1 implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Weights weights;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final Kernels k;
    private final int slots;
    private final int maxPositions;
    private final int rows;                 // rows per step
    private final MemorySegment params;     // a buffer of k (Weights.onBackend)
    private final MemorySegment tok, x, ln, rstd, qkv, atty, gate, up, hid, logits;   // buffers of k
    private final Arena hostArena = Arena.ofShared();
    private final MemorySegment hostTok;    // the step's tokens before they are copied in
    private MemorySegment logitStage;       // hostView staging of the logits (device backends)
    private MemorySegment cache;            // a buffer of k; per layer: keys (slots, H, cap/16, D, 16), then values (slots, H, cap, D)
    private MemorySegment bias;             // a buffer of k; per layer: (H, cap), bias by distance, reversed
    private int cap;                        // positions per slot, a multiple of 16
    private final int rowFloats;            // A

    /** The longest context a decoder holds when its caller states no bound. */
    public static final int MAX_POSITIONS = 1 << 20;

    /** Slots whose contexts may grow to {@link #MAX_POSITIONS} positions. */
    public IncrementalM1(Weights weights, Kernels kernels, int slots) {
        this(weights, kernels, slots, MAX_POSITIONS);
    }

    /** Slots whose contexts hold at most {@code maxPositions} positions (a block's length plus its start token). */
    public IncrementalM1(Weights weights, Kernels kernels, int slots, int maxPositions) {
        this(weights, kernels, slots, maxPositions, slots);
    }

    /**
     * As above, with steps of up to {@code rows} rows: several rows may feed the same slot at
     * consecutive positions (a prefill: every row's key and value are cached before any row
     * attends, and a row attends only to positions up to its own).
     */
    public IncrementalM1(Weights weights, Kernels kernels, int slots, int maxPositions, int rows) {
        if (slots < 1) throw new IllegalArgumentException("need at least one stream slot");
        if (rows < 1) throw new IllegalArgumentException("need at least one row per step");
        if (maxPositions < 1) throw new IllegalArgumentException("need at least one position per slot");
        this.weights = weights;
        this.cfg = weights.config();
        this.layout = weights.layout();
        this.k = kernels;
        this.slots = slots;
        this.maxPositions = maxPositions;
        this.rows = rows;
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize();
        params = weights.onBackend(k);
        tok = k.allocateInts(rows);
        x = k.allocateFloats((long) rows * C);
        ln = k.allocateFloats((long) rows * C);
        rstd = k.allocateFloats(rows);
        qkv = k.allocateFloats((long) rows * 3 * A);
        atty = k.allocateFloats((long) rows * A);
        gate = k.allocateFloats((long) rows * Fm);
        up = k.allocateFloats((long) rows * Fm);
        hid = k.allocateFloats((long) rows * Fm);
        logits = k.allocateFloats((long) rows * V);
        hostTok = Buffers.ints(hostArena, rows);
        rowFloats = A;
    }

    public ModelConfig config() {
        return cfg;
    }

    public int slots() {
        return slots;
    }

    /** The most rows one step takes. */
    public int rows() {
        return rows;
    }

    /** Bytes of off-heap cache currently held (all slots). */
    public long cacheBytes() {
        return cache == null ? 0 : cache.byteSize() + bias.byteSize();
    }

    private long layerFloats() {
        return 2L * slots * rowFloats * cap;
    }

    /** Element offset of layer l's keys; head h of slot c starts (c·H + h)·cap·D after it. */
    private long ktOff(int layer) {
        return layer * layerFloats();
    }

    /** Element offset of layer l's values; head h of slot c starts (c·H + h)·cap·D after it. */
    private long vOff(int layer) {
        return layer * layerFloats() + (long) slots * rowFloats * cap;
    }

    /**
     * Makes room for positions 0..positions-1 in every slot, plus the padding of
     * {@link Kernels#attentionCached} (a multiple of 16): doubling, copying what is cached.
     */
    private void ensure(int positions) {
        if ((positions + 15 & ~15) <= cap) return;
        if (positions > maxPositions) throw new IllegalArgumentException("position " + (positions - 1) + " beyond this decoder's " + maxPositions + " positions");
        int bound = maxPositions + 15 & ~15;
        int next = Math.max(16, cap);
        while (next < positions) next *= 2;
        if (next > bound / 4) next = bound;     // the last growth goes to the bound: old + new ≤ 1.25 × bound
        next = Math.min(next, bound);
        int[] buckets = RelativePosition.table(next, cfg.numBuckets(), cfg.maxDistance());
        int L = cfg.numLayers(), H = cfg.numHeads(), A = rowFloats;
        MemorySegment nc = k.allocateFloats((long) L * 2 * slots * A * next);
        MemorySegment nb = k.allocateFloats((long) L * H * next);
        if (cache != null) {
            // every (layer, K/V, slot, head) region keeps its positions 0..cap-1 at its start
            long oldRegion = (long) cap * cfg.headDim(), newRegion = (long) next * cfg.headDim();
            long regions = (long) L * 2 * slots * H;
            for (long g = 0; g < regions; g++) k.copy(nc, g * newRegion, cache, g * oldRegion, oldRegion);
        }
        // the bias table is built on the host from the weights' relative biases, then copied in
        MemorySegment p = weights.params();
        int nb0 = cfg.numBuckets();
        try (Arena host = Arena.ofConfined()) {
            MemorySegment table = Buffers.floats(host, (long) H * next);
            for (int l = 0; l < L; l++) {
                long rb = layout.layer(l).relBias();
                for (int h = 0; h < H; h++) {
                    long row = (long) h * next;
                    for (int dist = 0; dist < next; dist++) {
                        table.setAtIndex(F, row + next - 1 - dist, p.getAtIndex(F, rb + (long) h * nb0 + buckets[dist]));
                    }
                }
                k.copy(nb, (long) l * H * next, table, 0, (long) H * next);
            }
        }
        freeCache();
        cache = nc;
        bias = nb;
        cap = next;
    }

    /**
     * Feeds token tokens[r] at position positions[r] to stream slotOf[r] for r &lt; n and writes
     * the n rows of next-token logits to {@code out} (n × V floats). The stream's cache must hold
     * positions 0..positions[r]−1 (earlier steps or {@link #copyPosition}).
     */
    public void step(int n, int[] slotOf, int[] tokens, int[] positions, float[] out) {
        forward(n, slotOf, tokens, positions);
        long m = (long) n * cfg.vocabSize();
        if (!k.hostResident() && logitStage == null) logitStage = Buffers.floats(hostArena, (long) rows * cfg.vocabSize());
        MemorySegment.copy(k.hostView(logits, 0, m, logitStage), F, 0, out, 0, (int) m);
    }

    /**
     * {@link #step} that leaves the logits in this decoder's own buffer, {@link #logits()}: the
     * integer CDFs of the n rows are then made by {@link Kernels#cdfRows} into {@code cum}
     * (n × 257 int32, host memory) with total 2^precision.
     */
    public void stepToCdf(int n, int[] slotOf, int[] tokens, int[] positions, MemorySegment cum, int precision) {
        forward(n, slotOf, tokens, positions);
        k.cdfRows(cum, 0, logits, 0, n, precision);
    }

    /** The logits of the last step's rows (n × V floats): a buffer of the kernels (read it through {@link Kernels#copy}). */
    public MemorySegment logits() {
        return logits;
    }

    private void freeCache() {
        if (cache != null) k.free(cache);
        if (bias != null) k.free(bias);
        cache = bias = null;
    }

    private void forward(int n, int[] slotOf, int[] tokens, int[] positions) {
        if (n < 1 || n > rows) throw new IllegalArgumentException("batch of " + n + " rows, capacity " + rows);
        int L = cfg.numLayers(), C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize();
        int H = cfg.numHeads(), D = cfg.headDim();
        float eps = cfg.normEps();
        MemorySegment p = params;
        int maxPos = 0;
        for (int r = 0; r < n; r++) {
            if (tokens[r] < 0 || tokens[r] >= V) throw new IllegalArgumentException("token " + tokens[r] + " outside the vocabulary");
            if (slotOf[r] < 0 || slotOf[r] >= slots) throw new IllegalArgumentException("slot " + slotOf[r] + " outside 0.." + (slots - 1));
            if (positions[r] < 0) throw new IllegalArgumentException("negative position " + positions[r]);
            hostTok.setAtIndex(I, r, tokens[r]);
            maxPos = Math.max(maxPos, positions[r]);
        }
        ensure(maxPos + 1);
        k.copy(tok, 0, hostTok, 0, n);
        k.embeddingForward(x, 0, p, layout.embed(), tok, 0, n, C);
        for (int l = 0; l < L; l++) {
            ParameterLayout.Layer w = layout.layer(l);
            k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, w.attnNorm(), n, C, eps);
            k.matmulFixedWeights(qkv, 0, ln, 0, p, w.qkv(), null, 0, n, C, 3 * A, false);
            long kt = ktOff(l), vo = vOff(l);
            k.kvStore(cache, kt, cache, vo, cap, qkv, 0, 3L * A, slotOf, positions, n, H, D);
            k.attentionCached(atty, 0, A, qkv, 0, 3L * A, cache, kt, cache, vo, cap, bias, (long) l * H * cap, cap,
                    slotOf, positions, n, H, D, 1f);
            k.matmulFixedWeights(x, 0, atty, 0, p, w.out(), null, 0, n, A, C, true);
            k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, w.mlpNorm(), n, C, eps);
            k.matmulFixedWeights(gate, 0, ln, 0, p, w.gate(), null, 0, n, C, Fm, false);
            k.matmulFixedWeights(up, 0, ln, 0, p, w.up(), null, 0, n, C, Fm, false);
            k.reluGateForward(hid, 0, gate, 0, up, 0, (long) n * Fm);
            k.matmulFixedWeights(x, 0, hid, 0, p, w.down(), null, 0, n, Fm, C, true);
        }
        k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, layout.finalNorm(), n, C, eps);
        k.matmulFixedWeights(logits, 0, ln, 0, p, layout.lmHead(), null, 0, n, C, V, false);
    }

    /**
     * Copies the cached keys and values of position {@code pos} from one slot to another. Slots are
     * disjoint, so copies into different target slots may run on different threads, provided the
     * cache already holds position {@code pos} (no growth).
     */
    public void copyPosition(int fromSlot, int toSlot, int pos) {
        if (fromSlot == toSlot) return;
        ensure(pos + 1);
        k.kvCopyPosition(cache, 0, cache, vOff(0), layerFloats(), cfg.numLayers(), cap, fromSlot, toSlot, pos, cfg.numHeads(), cfg.headDim());
    }

    @Override
    public void close() {
        freeCache();
        for (MemorySegment m : new MemorySegment[] {tok, x, ln, rstd, qkv, atty, gate, up, hid, logits}) k.free(m);
        weights.release(k, params);
        hostArena.close();
    }
}
