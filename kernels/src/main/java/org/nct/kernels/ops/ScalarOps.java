package org.nct.kernels.ops;

import java.lang.foreign.MemorySegment;
import org.nct.kernels.Parallel;

/** Scalar reference of every non-GEMM kernel (the definition of their bits). PLACEHOLDER: replaced by the ops work. */
public final class ScalarOps {

    private final Parallel pool;

    public ScalarOps(Parallel pool) {
        this.pool = pool;
    }

    public void rmsnormForward(MemorySegment out, long outOff, MemorySegment rstd, long rstdOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int rows, int c, float eps) {
        throw new UnsupportedOperationException("ScalarOps.rmsnormForward is not implemented yet");
    }

    public void rmsnormBackward(MemorySegment dx, long dxOff, MemorySegment dgain, long dgOff, MemorySegment dout, long doutOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, MemorySegment rstd, long rstdOff, int rows, int c) {
        throw new UnsupportedOperationException("ScalarOps.rmsnormBackward is not implemented yet");
    }

    public void attentionForward(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv, long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        throw new UnsupportedOperationException("ScalarOps.attentionForward is not implemented yet");
    }

    public void attentionBackward(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff, MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att, long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        throw new UnsupportedOperationException("ScalarOps.attentionBackward is not implemented yet");
    }

    public void attentionRow(MemorySegment out, long outOff, MemorySegment q, long qOff, MemorySegment kCache, long kOff, MemorySegment vCache, long vOff, long kvStride, MemorySegment relBias, long rbOff, MemorySegment scratch, long sOff, int pos, int h, int d, int numBuckets, int maxDistance, float scale) {
        throw new UnsupportedOperationException("ScalarOps.attentionRow is not implemented yet");
    }

    public void reluGateForward(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        throw new UnsupportedOperationException("ScalarOps.reluGateForward is not implemented yet");
    }

    public void reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        throw new UnsupportedOperationException("ScalarOps.reluGateBackward is not implemented yet");
    }

    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        throw new UnsupportedOperationException("ScalarOps.add is not implemented yet");
    }

    public void zero(MemorySegment out, long outOff, long n) {
        throw new UnsupportedOperationException("ScalarOps.zero is not implemented yet");
    }

    public void embeddingForward(MemorySegment out, long outOff, MemorySegment table, long tOff, MemorySegment tokens, long tokOff, int rows, int c) {
        throw new UnsupportedOperationException("ScalarOps.embeddingForward is not implemented yet");
    }

    public void embeddingBackward(MemorySegment dtable, long dtOff, MemorySegment dout, long doOff, MemorySegment tokens, long tokOff, int rows, int c, int vocab) {
        throw new UnsupportedOperationException("ScalarOps.embeddingBackward is not implemented yet");
    }

    public void crossEntropyForward(MemorySegment loss, long lossOff, MemorySegment lse, long lseOff, MemorySegment logits, long lOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss) {
        throw new UnsupportedOperationException("ScalarOps.crossEntropyForward is not implemented yet");
    }

    public void crossEntropyBackward(MemorySegment dlogits, long dlOff, MemorySegment logits, long lOff, MemorySegment lse, long lseOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss, float scale) {
        throw new UnsupportedOperationException("ScalarOps.crossEntropyBackward is not implemented yet");
    }

    public void adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        throw new UnsupportedOperationException("ScalarOps.adamw is not implemented yet");
    }

    public void adafactor(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment vr, long vrOff, MemorySegment vc, long vcOff, MemorySegment v, long vOff, MemorySegment scratch, long sOff, int rows, int cols, boolean factored, float lr, float beta2, float eps1, float eps2, float clip) {
        throw new UnsupportedOperationException("ScalarOps.adafactor is not implemented yet");
    }

    public float sumSquares(MemorySegment x, long xOff, long n) {
        throw new UnsupportedOperationException("ScalarOps.sumSquares is not implemented yet");
    }

    public void scale(MemorySegment x, long xOff, long n, float s) {
        throw new UnsupportedOperationException("ScalarOps.scale is not implemented yet");
    }

}
