package org.nct.cuda.check;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.cuda.CudaKernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Weights;

/**
 * Batched incremental decoding of M1 on the GPU with per-sequence KV caches (the step coding runs):
 * each of nseq sequences feeds one token at its own position and gets its next-token logits. Each
 * position's computation is the per-row computation of the full-sequence forward pass, so the
 * logits equal, bit for bit, those of {@code Transformer.forward} over the whole prefix (checked by
 * {@link GpuCheck}), whatever the batch and whatever the other sequences hold.
 *
 * <p>Residual additions are the fused matmul chains of the Transformer ({@code x + a·Wᵀ} as an FMA
 * chain starting from x).
 */
public final class DeviceDecoder implements AutoCloseable {

    private final CudaKernels k;
    private final ModelConfig cfg;
    private final ParameterLayout layout;
    private final int nseq, maxLen;
    private final MemorySegment params, x, h, rstd, qkv, a, gate, up, hid, logits, kCache, vCache, io, scratch;
    private final MemorySegment hostIo, hostLogits;

    public DeviceDecoder(CudaKernels kernels, Weights weights, int nseq, int maxLen) {
        this.k = kernels;
        this.cfg = weights.config();
        this.layout = weights.layout();
        this.nseq = nseq;
        this.maxLen = maxLen;
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize(), L = cfg.numLayers();
        params = k.allocateFloats(layout.size());
        k.copy(params, 0, weights.params(), 0, layout.size());
        x = k.allocateFloats((long) nseq * C);
        h = k.allocateFloats((long) nseq * C);
        rstd = k.allocateFloats(nseq);
        qkv = k.allocateFloats((long) nseq * 3 * A);
        a = k.allocateFloats((long) nseq * A);
        gate = k.allocateFloats((long) nseq * Fm);
        up = k.allocateFloats((long) nseq * Fm);
        hid = k.allocateFloats((long) nseq * Fm);
        logits = k.allocateFloats((long) nseq * V);
        kCache = k.allocateFloats((long) L * nseq * maxLen * A);
        vCache = k.allocateFloats((long) L * nseq * maxLen * A);
        io = k.allocateInts(2L * nseq);
        scratch = k.allocateFloats((long) nseq * cfg.numHeads() * maxLen);
        hostIo = k.allocateHost(8L * nseq);
        hostLogits = k.allocateHost(4L * nseq * V);
    }

    public int batch() {
        return nseq;
    }

    /**
     * One step: sequence i feeds tokens[i] at position pos[i] (0 ≤ pos &lt; maxLen; its cache rows
     * 0..pos−1 hold its earlier tokens). Returns host logits (nseq, V), valid until the next step.
     */
    public MemorySegment step(int[] tokens, int[] pos) {
        int C = cfg.dModel(), A = cfg.attnDim(), Fm = cfg.mlpDim(), V = cfg.vocabSize(), L = cfg.numLayers();
        int maxPos = 0;
        for (int i = 0; i < nseq; i++) {
            if (pos[i] < 0 || pos[i] >= maxLen) throw new IllegalArgumentException("position " + pos[i] + " outside [0, " + maxLen + ")");
            if (tokens[i] < 0 || tokens[i] >= V) throw new IllegalArgumentException("token " + tokens[i] + " outside [0, " + V + ")");
            hostIo.setAtIndex(ValueLayout.JAVA_INT, i, tokens[i]);
            hostIo.setAtIndex(ValueLayout.JAVA_INT, nseq + i, pos[i]);
            maxPos = Math.max(maxPos, pos[i]);
        }
        k.copy(io, 0, hostIo, 0, 2L * nseq);
        MemorySegment posSeg = io.asSlice(4L * nseq);
        float eps = cfg.normEps();
        long seqStride = (long) maxLen * A;
        k.embeddingForward(x, 0, params, layout.embed(), io, 0, nseq, C);
        for (int l = 0; l < L; l++) {
            ParameterLayout.Layer w = layout.layer(l);
            MemorySegment kc = kCache.asSlice(4L * l * nseq * seqStride), vc = vCache.asSlice(4L * l * nseq * seqStride);
            k.rmsnormForward(h, 0, rstd, 0, x, 0, params, w.attnNorm(), nseq, C, eps);
            k.matmul(qkv, 0, h, 0, params, w.qkv(), null, 0, nseq, C, 3 * A, false);
            k.storeKv(kc, vc, qkv, posSeg, seqStride, nseq, A);
            k.attentionRows(a, A, qkv, 3L * A, kc, vc, seqStride, A, params, w.relBias(), posSeg, scratch,
                    maxLen - 1, nseq, cfg.numHeads(), cfg.headDim(), cfg.numBuckets(), cfg.maxDistance(), 1f);
            k.matmul(x, 0, a, 0, params, w.out(), null, 0, nseq, A, C, true);
            k.rmsnormForward(h, 0, rstd, 0, x, 0, params, w.mlpNorm(), nseq, C, eps);
            k.matmul(gate, 0, h, 0, params, w.gate(), null, 0, nseq, C, Fm, false);
            k.matmul(up, 0, h, 0, params, w.up(), null, 0, nseq, C, Fm, false);
            k.reluGateForward(hid, 0, gate, 0, up, 0, (long) nseq * Fm);
            k.matmul(x, 0, hid, 0, params, w.down(), null, 0, nseq, Fm, C, true);
        }
        k.rmsnormForward(h, 0, rstd, 0, x, 0, params, layout.finalNorm(), nseq, C, eps);
        k.matmul(logits, 0, h, 0, params, layout.lmHead(), null, 0, nseq, C, V, false);
        k.copy(hostLogits, 0, logits, 0, (long) nseq * V);
        return hostLogits;
    }

    @Override
    public void close() {
        for (MemorySegment s : new MemorySegment[] {params, x, h, rstd, qkv, a, gate, up, hid, logits, kCache, vCache, io, scratch}) {
            k.free(s);
        }
        k.freeHost(hostIo);
        k.freeHost(hostLogits);
    }
}
