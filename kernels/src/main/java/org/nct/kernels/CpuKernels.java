package org.nct.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.nct.kernels.gemm.Gemm;
import org.nct.kernels.ops.OpsDriver;
import org.nct.kernels.ops.ScalarPrimitives;

/**
 * The {@link Kernels} contract on the CPU, implemented once for both CPU backends: one worker
 * pool, a {@link Gemm} and the {@link OpsDriver} over a set of row primitives. {@link ScalarKernels}
 * (the scalar reference) and {@link VectorKernels} (the Vector API) differ only in the GEMM and
 * the primitives they pass in.
 *
 * <p>Buffers are host memory ({@link #hostResident()}): each allocation is a 64-byte-aligned
 * segment in its own shared arena, closed by {@link #free} (or by {@link #close}, for those left);
 * kernels also take any native host segment, and {@link #hostView} is the buffer itself.
 */
public abstract sealed class CpuKernels implements Kernels permits ScalarKernels, VectorKernels {

    private final String name;
    private final Parallel pool;
    private final Gemm gemm;
    private final OpsDriver ops;
    /** Live allocations by address (guarded by this backend's monitor); null once closed. */
    private Map<Long, Arena> arenas = new HashMap<>();

    /** A backend named {@code name} on {@code pool} (closed with it), running {@code gemm} and the ops over {@code primitives}. */
    protected CpuKernels(String name, Parallel pool, Gemm gemm, ScalarPrimitives primitives) {
        this.name = name;
        this.pool = pool;
        this.gemm = gemm;
        this.ops = new OpsDriver(pool, primitives);
    }

    @Override public final String name() { return name; }
    @Override public final int threads() { return pool.threads(); }
    /** The worker pool (shared with callers that parallelise around kernels). */
    @Override public final Parallel pool() { return pool; }

    @Override public final boolean hostResident() { return true; }

    @Override public final MemorySegment allocateFloats(long n) {
        return allocate(n, false);
    }

    @Override public final MemorySegment allocateInts(long n) {
        return allocate(n, true);
    }

    private MemorySegment allocate(long n, boolean ints) {
        Arena arena = Arena.ofShared();
        MemorySegment s = ints ? Buffers.ints(arena, n) : Buffers.floats(arena, n);
        synchronized (this) {
            if (arenas == null) {
                arena.close();
                throw new IllegalStateException("the " + name + " backend is closed");
            }
            arenas.put(s.address(), arena);
        }
        return s;
    }

    @Override public final void free(MemorySegment buffer) {
        if (buffer == null) return;
        Arena arena;
        synchronized (this) {
            arena = arenas == null ? null : arenas.remove(buffer.address());
        }
        if (arena != null) arena.close();
    }

    @Override public final void copy(MemorySegment dst, long dstOff, MemorySegment src, long srcOff, long n) {
        MemorySegment.copy(src, srcOff * Float.BYTES, dst, dstOff * Float.BYTES, n * Float.BYTES);
    }

    @Override public final MemorySegment hostView(MemorySegment buffer, long off, long n, MemorySegment staging) {
        return buffer.asSlice(off * Float.BYTES, n * Float.BYTES);
    }

    @Override public final void kvStore(MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap, MemorySegment qkv, long qkvOff, long qkvStride, int[] slot, int[] pos, int n, int h, int d) {
        KvCache.store(kt, ktOff, v, vOff, cap, qkv, qkvOff, qkvStride, slot, pos, n, h, d);
    }

    @Override public final void kvCopyPosition(MemorySegment kt, long ktOff, MemorySegment v, long vOff, long layerStride, int layers, int cap, int fromSlot, int toSlot, int pos, int h, int d) {
        KvCache.copyPosition(kt, ktOff, v, vOff, layerStride, layers, cap, fromSlot, toSlot, pos, h, d);
    }

    @Override public final void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        gemm.matmul(y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
    }
    @Override public final void matmulFixedWeights(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        gemm.matmulFixedWeights(y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
    }
    @Override public final void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w, long wOff, int m, int k, int n, boolean accumulate) {
        gemm.matmulBackwardData(dx, dxOff, dy, dyOff, w, wOff, m, k, n, accumulate);
    }
    @Override public final void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x, long xOff, int m, int k, int n, boolean accumulate) {
        gemm.matmulBackwardWeight(dw, dwOff, dy, dyOff, x, xOff, m, k, n, accumulate);
    }
    @Override public final void rmsnormForward(MemorySegment out, long outOff, MemorySegment rstd, long rstdOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int rows, int c, float eps) {
        ops.rmsnormForward(out, outOff, rstd, rstdOff, x, xOff, gain, gOff, rows, c, eps);
    }
    @Override public final void rmsnormBackward(MemorySegment dx, long dxOff, MemorySegment dgain, long dgOff, MemorySegment dout, long doutOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, MemorySegment rstd, long rstdOff, int rows, int c) {
        ops.rmsnormBackward(dx, dxOff, dgain, dgOff, dout, doutOff, x, xOff, gain, gOff, rstd, rstdOff, rows, c);
    }
    @Override public final void attentionForward(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv, long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        ops.attentionForward(out, outOff, att, attOff, qkv, qkvOff, relBias, rbOff, b, t, h, d, numBuckets, maxDistance, scale);
    }
    @Override public final void attentionBackward(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff, MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att, long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        ops.attentionBackward(dqkv, dqkvOff, dRelBias, drbOff, dout, doutOff, qkv, qkvOff, att, attOff, b, t, h, d, numBuckets, maxDistance, scale);
    }
    @Override public final void attentionForwardTraining(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv, long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        ops.attentionForwardTraining(out, outOff, att, attOff, qkv, qkvOff, relBias, rbOff, b, t, h, d, numBuckets, maxDistance, scale);
    }
    @Override public final void attentionBackwardTraining(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff, MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att, long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        ops.attentionBackwardTraining(dqkv, dqkvOff, dRelBias, drbOff, dout, doutOff, qkv, qkvOff, att, attOff, b, t, h, d, numBuckets, maxDistance, scale);
    }
    @Override public final void attentionRow(MemorySegment out, long outOff, MemorySegment q, long qOff, MemorySegment kCache, long kOff, MemorySegment vCache, long vOff, long kvStride, MemorySegment relBias, long rbOff, MemorySegment scratch, long sOff, int pos, int h, int d, int numBuckets, int maxDistance, float scale) {
        ops.attentionRow(out, outOff, q, qOff, kCache, kOff, vCache, vOff, kvStride, relBias, rbOff, scratch, sOff, pos, h, d, numBuckets, maxDistance, scale);
    }
    @Override public final void attentionCached(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride, MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap, MemorySegment biasByDistance, long bOff, int bStride, int[] slot, int[] pos, int n, int h, int d, float scale) {
        ops.attentionCached(out, outOff, outStride, q, qOff, qStride, kt, ktOff, v, vOff, cap, biasByDistance, bOff, bStride, slot, pos, n, h, d, scale);
    }
    @Override public final void cdfRows(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int rows, int precision) {
        ops.cdfRows(cum, cumOff, logits, lOff, rows, precision);
    }
    @Override public final void reluGateForward(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        ops.reluGateForward(out, outOff, gate, gOff, up, uOff, n);
    }
    @Override public final void reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        ops.reluGateBackward(dgate, dgOff, dup, duOff, dout, doOff, gate, gOff, up, uOff, n);
    }
    @Override public final void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        ops.add(out, outOff, a, aOff, b, bOff, n);
    }
    @Override public final void zero(MemorySegment out, long outOff, long n) {
        ops.zero(out, outOff, n);
    }
    @Override public final void embeddingForward(MemorySegment out, long outOff, MemorySegment table, long tOff, MemorySegment tokens, long tokOff, int rows, int c) {
        ops.embeddingForward(out, outOff, table, tOff, tokens, tokOff, rows, c);
    }
    @Override public final void embeddingBackward(MemorySegment dtable, long dtOff, MemorySegment dout, long doOff, MemorySegment tokens, long tokOff, int rows, int c, int vocab) {
        ops.embeddingBackward(dtable, dtOff, dout, doOff, tokens, tokOff, rows, c, vocab);
    }
    @Override public final void crossEntropyForward(MemorySegment loss, long lossOff, MemorySegment lse, long lseOff, MemorySegment logits, long lOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss) {
        ops.crossEntropyForward(loss, lossOff, lse, lseOff, logits, lOff, targets, tgtOff, rows, vocab, zLoss);
    }
    @Override public final void crossEntropyBackward(MemorySegment dlogits, long dlOff, MemorySegment logits, long lOff, MemorySegment lse, long lseOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss, float scale) {
        ops.crossEntropyBackward(dlogits, dlOff, logits, lOff, lse, lseOff, targets, tgtOff, rows, vocab, zLoss, scale);
    }
    @Override public final void adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        ops.adamw(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, b1, b2, c1, c2, eps, wd);
    }
    @Override public final void adafactor(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment vr, long vrOff, MemorySegment vc, long vcOff, MemorySegment v, long vOff, MemorySegment scratch, long sOff, int rows, int cols, boolean factored, float lr, float beta2, float eps1, float eps2, float clip) {
        ops.adafactor(p, pOff, g, gOff, vr, vrOff, vc, vcOff, v, vOff, scratch, sOff, rows, cols, factored, lr, beta2, eps1, eps2, clip);
    }
    @Override public final float sumSquares(MemorySegment x, long xOff, long n) {
        return ops.sumSquares(x, xOff, n);
    }
    @Override public final void scale(MemorySegment x, long xOff, long n, float s) {
        ops.scale(x, xOff, n, s);
    }

    @Override public final void close() {
        Map<Long, Arena> left;
        synchronized (this) {
            left = arenas;
            arenas = null;
        }
        if (left != null) for (Arena a : left.values()) a.close();
        pool.close();
    }
}
