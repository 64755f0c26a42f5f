package org.nct.inference;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Weights;

/**
 * Batched incremental inference of M1 with a KV cache per stream. Each of up to {@code slots}
 * independent streams holds its own cache; one {@link #step} feeds one token to each of n streams
 * (each at its own position) and computes their next-token logits as one batch: the GEMMs run over
 * the n rows, attention runs per row with {@link Kernels#attentionRow} against that stream's cache.
 *
 * <p>The operations are those of {@link org.nct.model.Transformer}'s forward pass, in the same
 * order, and every kernel's output row depends only on its own input row (numerics profile), so a
 * stream's logits are bit-identical to the training forward over the same tokens, whatever the
 * other streams, the batch size, the thread count or the vector width. Not thread-safe.
 */
public final class IncrementalM1 implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Weights weights;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final Kernels k;
    private final int slots;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment tok, x, ln, rstd, qkv, atty, gate, up, hid, logits;
    private MemorySegment scratch;
    private final MemorySegment[] cache;   // per slot: [layer][K,V][capacity][A]
    private final int[] capacity;
    private final int rowFloats;           // A

    public IncrementalM1(Weights weights, Kernels kernels, int slots) {
        if (slots < 1) throw new IllegalArgumentException("need at least one stream slot");
        this.weights = weights;
        this.cfg = weights.config();
        this.layout = weights.layout();
        this.k = kernels;
        this.slots = slots;
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize();
        tok = Buffers.ints(arena, slots);
        x = Buffers.floats(arena, (long) slots * C);
        ln = Buffers.floats(arena, (long) slots * C);
        rstd = Buffers.floats(arena, slots);
        qkv = Buffers.floats(arena, (long) slots * 3 * A);
        atty = Buffers.floats(arena, (long) slots * A);
        gate = Buffers.floats(arena, (long) slots * Fm);
        up = Buffers.floats(arena, (long) slots * Fm);
        hid = Buffers.floats(arena, (long) slots * Fm);
        logits = Buffers.floats(arena, (long) slots * V);
        scratch = Buffers.floats(arena, 256);
        cache = new MemorySegment[slots];
        capacity = new int[slots];
        rowFloats = A;
    }

    public ModelConfig config() {
        return cfg;
    }

    public int slots() {
        return slots;
    }

    /** Makes room in a slot's cache for positions 0..positions-1 (doubling; copies what is cached). */
    private void ensure(int slot, int positions) {
        if (positions <= capacity[slot]) return;
        int cap = Math.max(64, capacity[slot]);
        while (cap < positions) cap *= 2;
        MemorySegment next = Buffers.floats(Arena.ofAuto(), (long) cfg.numLayers() * 2 * cap * rowFloats);
        if (cache[slot] != null) {
            long oldBlock = (long) capacity[slot] * rowFloats, newBlock = (long) cap * rowFloats;
            for (int b = 0; b < 2 * cfg.numLayers(); b++) {
                MemorySegment.copy(cache[slot], b * oldBlock * Float.BYTES, next, b * newBlock * Float.BYTES, oldBlock * Float.BYTES);
            }
        }
        cache[slot] = next;
        capacity[slot] = cap;
        if (scratch.byteSize() < (long) cap * Float.BYTES) scratch = Buffers.floats(Arena.ofAuto(), cap);
    }

    private long kOff(int slot, int layer) {
        return (long) (2 * layer) * capacity[slot] * rowFloats;
    }

    private long vOff(int slot, int layer) {
        return (long) (2 * layer + 1) * capacity[slot] * rowFloats;
    }

    /**
     * Feeds token tokens[r] at position positions[r] to stream slotOf[r] for r &lt; n and writes
     * the n rows of next-token logits to {@code out} (n × V floats). The stream's cache must hold
     * positions 0..positions[r]−1 (earlier steps or {@link #copyPosition}).
     */
    public void step(int n, int[] slotOf, int[] tokens, int[] positions, float[] out) {
        if (n < 1 || n > slots) throw new IllegalArgumentException("batch of " + n + " streams, capacity " + slots);
        int L = cfg.numLayers(), C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize();
        int H = cfg.numHeads(), D = cfg.headDim();
        float eps = cfg.normEps();
        MemorySegment p = weights.params();
        for (int r = 0; r < n; r++) {
            if (tokens[r] < 0 || tokens[r] >= V) throw new IllegalArgumentException("token " + tokens[r] + " outside the vocabulary");
            tok.setAtIndex(I, r, tokens[r]);
            ensure(slotOf[r], positions[r] + 1);
        }
        k.embeddingForward(x, 0, p, layout.embed(), tok, 0, n, C);
        for (int l = 0; l < L; l++) {
            ParameterLayout.Layer w = layout.layer(l);
            k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, w.attnNorm(), n, C, eps);
            k.matmulFixedWeights(qkv, 0, ln, 0, p, w.qkv(), null, 0, n, C, 3 * A, false);
            for (int r = 0; r < n; r++) {
                int s = slotOf[r], pos = positions[r];
                MemorySegment c = cache[s];
                long ko = kOff(s, l), vo = vOff(s, l);
                long row = (long) r * 3 * A;
                MemorySegment.copy(qkv, (row + A) * Float.BYTES, c, (ko + (long) pos * A) * Float.BYTES, (long) A * Float.BYTES);
                MemorySegment.copy(qkv, (row + 2L * A) * Float.BYTES, c, (vo + (long) pos * A) * Float.BYTES, (long) A * Float.BYTES);
                k.attentionRow(atty, (long) r * A, qkv, row, c, ko, c, vo, A, p, w.relBias(), scratch, 0,
                        pos, H, D, cfg.numBuckets(), cfg.maxDistance(), 1f);
            }
            k.matmulFixedWeights(x, 0, atty, 0, p, w.out(), null, 0, n, A, C, true);
            k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, w.mlpNorm(), n, C, eps);
            k.matmulFixedWeights(gate, 0, ln, 0, p, w.gate(), null, 0, n, C, Fm, false);
            k.matmulFixedWeights(up, 0, ln, 0, p, w.up(), null, 0, n, C, Fm, false);
            k.reluGateForward(hid, 0, gate, 0, up, 0, (long) n * Fm);
            k.matmulFixedWeights(x, 0, hid, 0, p, w.down(), null, 0, n, Fm, C, true);
        }
        k.rmsnormForward(ln, 0, rstd, 0, x, 0, p, layout.finalNorm(), n, C, eps);
        k.matmulFixedWeights(logits, 0, ln, 0, p, layout.lmHead(), null, 0, n, C, V, false);
        MemorySegment.copy(logits, F, 0, out, 0, n * V);
    }

    /** Copies the cached keys and values of position {@code pos} from one slot to another. */
    public void copyPosition(int fromSlot, int toSlot, int pos) {
        if (fromSlot == toSlot) return;
        ensure(toSlot, pos + 1);
        long bytes = (long) rowFloats * Float.BYTES;
        for (int l = 0; l < cfg.numLayers(); l++) {
            MemorySegment.copy(cache[fromSlot], (kOff(fromSlot, l) + (long) pos * rowFloats) * Float.BYTES,
                    cache[toSlot], (kOff(toSlot, l) + (long) pos * rowFloats) * Float.BYTES, bytes);
            MemorySegment.copy(cache[fromSlot], (vOff(fromSlot, l) + (long) pos * rowFloats) * Float.BYTES,
                    cache[toSlot], (vOff(toSlot, l) + (long) pos * rowFloats) * Float.BYTES, bytes);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
