package org.nct.cuda.check;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.cuda.CudaKernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Weights;

/**
 * Batched incremental decoding of M1 on the GPU with a KV cache per stream slot (the step coding
 * runs), the device counterpart of {@code org.nct.inference.IncrementalM1}: one {@link #step} feeds
 * one token to each of n streams, each at its own position, and returns their next-token logits.
 * Each row's computation is the per-row computation of the full-sequence forward pass, so the
 * logits equal, bit for bit, those of {@code Transformer.forward} over the whole prefix (checked by
 * {@link GpuCheck}), whatever the batch and whatever the other streams hold. Residual additions are
 * the fused matmul chains of the Transformer ({@code x + a·Wᵀ} as an FMA chain starting from x).
 */
public final class DeviceDecoder implements AutoCloseable {

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final CudaKernels k;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final int slots, maxLen;
    private final long seqStride, layerStride;
    private final MemorySegment params, x, h, rstd, qkv, a, gate, up, hid, logits, kCache, vCache, io, scratch;
    private final MemorySegment cdfs, hostIo, hostLogits, hostCdfs;

    public DeviceDecoder(CudaKernels kernels, Weights weights, int slots, int maxLen) {
        this.k = kernels;
        this.cfg = weights.config();
        this.layout = weights.layout();
        this.slots = slots;
        this.maxLen = maxLen;
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize(), L = cfg.numLayers();
        seqStride = (long) maxLen * A;
        layerStride = slots * seqStride;
        params = k.allocateFloats(layout.size());
        k.copy(params, 0, weights.params(), 0, layout.size());
        x = k.allocateFloats((long) slots * C);
        h = k.allocateFloats((long) slots * C);
        rstd = k.allocateFloats(slots);
        qkv = k.allocateFloats((long) slots * 3 * A);
        a = k.allocateFloats((long) slots * A);
        gate = k.allocateFloats((long) slots * Fm);
        up = k.allocateFloats((long) slots * Fm);
        hid = k.allocateFloats((long) slots * Fm);
        logits = k.allocateFloats((long) slots * V);
        kCache = k.allocateFloats(L * layerStride);
        vCache = k.allocateFloats(L * layerStride);
        io = k.allocateInts(3L * slots);
        scratch = k.allocateFloats((long) slots * cfg.numHeads() * maxLen);
        hostIo = k.allocateHost(12L * slots);
        hostLogits = k.allocateHost(4L * slots * V);
        cdfs = k.allocateInts(257L * slots);
        hostCdfs = k.allocateHost(4L * 257 * slots);
    }

    public int slots() {
        return slots;
    }

    public int maxLen() {
        return maxLen;
    }

    public ModelConfig config() {
        return cfg;
    }

    /**
     * One step: row r feeds tokens[r] at position positions[r] to the stream in slot slotOf[r]
     * (r &lt; n; distinct slots; the slot's cache holds positions 0..positions[r]−1). Returns host
     * logits (n, V), valid until the next step.
     */
    public MemorySegment step(int n, int[] slotOf, int[] tokens, int[] positions) {
        forward(n, slotOf, tokens, positions);
        k.copy(hostLogits, 0, logits, 0, (long) n * cfg.vocabSize());
        return hostLogits;
    }

    /**
     * A step that returns, instead of logits, each row's integer CDF (n rows of 257 int32, as
     * {@code IntegerCdf.fromLogits} with this precision), built on the GPU; valid until the next step.
     */
    public MemorySegment stepCdf(int n, int[] slotOf, int[] tokens, int[] positions, int precision) {
        if (cfg.vocabSize() != 256) throw new IllegalStateException("integer CDFs need a 256-symbol model");
        forward(n, slotOf, tokens, positions);
        k.integerCdf(cdfs, 0, logits, 0, n, precision);
        k.copy(hostCdfs, 0, cdfs, 0, 257L * n);
        return hostCdfs;
    }

    /** The model over one token per row, logits left on the device. */
    private void forward(int n, int[] slotOf, int[] tokens, int[] positions) {
        if (n < 1 || n > slots) throw new IllegalArgumentException("batch of " + n + " streams, capacity " + slots);
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize(), L = cfg.numLayers();
        for (int r = 0; r < n; r++) {
            if (positions[r] < 0 || positions[r] >= maxLen) {
                throw new IllegalArgumentException("position " + positions[r] + " outside [0, " + maxLen + ")");
            }
            if (tokens[r] < 0 || tokens[r] >= V) throw new IllegalArgumentException("token " + tokens[r] + " outside [0, " + V + ")");
            if (slotOf[r] < 0 || slotOf[r] >= slots) throw new IllegalArgumentException("slot " + slotOf[r] + " outside [0, " + slots + ")");
            hostIo.setAtIndex(I, r, tokens[r]);
            hostIo.setAtIndex(I, slots + r, positions[r]);
            hostIo.setAtIndex(I, 2L * slots + r, slotOf[r]);
        }
        k.copy(io, 0, hostIo, 0, 3L * slots);
        MemorySegment posSeg = io.asSlice(4L * slots), slotSeg = io.asSlice(8L * slots);
        float eps = cfg.normEps();
        k.embeddingForward(x, 0, params, layout.embed(), io, 0, n, C);
        for (int l = 0; l < L; l++) {
            ParameterLayout.Layer w = layout.layer(l);
            MemorySegment kc = kCache.asSlice(4L * l * layerStride), vc = vCache.asSlice(4L * l * layerStride);
            k.rmsnormForward(h, 0, rstd, 0, x, 0, params, w.attnNorm(), n, C, eps);
            k.matmul(qkv, 0, h, 0, params, w.qkv(), null, 0, n, C, 3 * A, false);
            k.storeKv(kc, vc, qkv, posSeg, slotSeg, seqStride, n, A);
            k.attentionRows(a, A, qkv, 3L * A, kc, vc, slotSeg, seqStride, A, params, w.relBias(), posSeg, scratch,
                    maxLen - 1, n, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
            k.matmul(x, 0, a, 0, params, w.out(), null, 0, n, A, C, true);
            k.rmsnormForward(h, 0, rstd, 0, x, 0, params, w.mlpNorm(), n, C, eps);
            k.matmul(gate, 0, h, 0, params, w.gate(), null, 0, n, C, Fm, false);
            k.matmul(up, 0, h, 0, params, w.up(), null, 0, n, C, Fm, false);
            k.reluGateForward(hid, 0, gate, 0, up, 0, (long) n * Fm);
            k.matmul(x, 0, hid, 0, params, w.down(), null, 0, n, Fm, C, true);
        }
        k.rmsnormForward(h, 0, rstd, 0, x, 0, params, layout.finalNorm(), n, C, eps);
        k.matmul(logits, 0, h, 0, params, layout.lmHead(), null, 0, n, C, V, false);
    }

    /** Copies position 0 (keys and values, every layer) of slot {@code from} to slots dst[0..count). */
    public void copyPosition0(int from, int[] dst, int count) {
        if (count == 0) return;
        for (int i = 0; i < count; i++) hostIo.setAtIndex(I, i, dst[i]);
        k.copy(io, 0, hostIo, 0, count);
        k.copyPosition0(kCache, vCache, io, count, from, seqStride, layerStride, cfg.numLayers(), cfg.attnDim());
    }

    @Override
    public void close() {
        for (MemorySegment s : new MemorySegment[] {params, x, h, rstd, qkv, a, gate, up, hid, logits, kCache, vCache, io, scratch, cdfs}) {
            k.free(s);
        }
        k.freeHost(hostIo);
        k.freeHost(hostLogits);
        k.freeHost(hostCdfs);
    }
}
