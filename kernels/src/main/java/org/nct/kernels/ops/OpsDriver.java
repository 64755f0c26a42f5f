package org.nct.kernels.ops;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nct.kernels.IntegerCdfRow;
import org.nct.kernels.NctMath;
import org.nct.kernels.Parallel;
import org.nct.kernels.RelativePosition;

/**
 * The drivers of every non-GEMM kernel, written once for every CPU backend: argument checks, the
 * split of the work over the {@link Parallel} pool, the loops over rows, heads and sequences, and
 * the scratch (per worker or per call shape, grown on demand, never per call). The arithmetic is
 * done by a set of row primitives: {@link ScalarPrimitives} (the scalar reference) or
 * {@link VectorPrimitives} (the same bits with the Vector API). The bits of an op are the order
 * of operations of its driver composed with the scalar primitives (docs/kernels-ops.md writes
 * each one out).
 *
 * <p>Every output element is written by exactly one index of a {@link Parallel} split, so no
 * result depends on the thread count. An instance serves one calling thread at a time.
 */
public final class OpsDriver {

    static final ValueLayout.OfFloat F = ScalarPrimitives.F;
    static final ValueLayout.OfInt I = ScalarPrimitives.I;

    /** Elements per parallel block of the elementwise kernels. */
    static final int BLOCK = 1 << 14;
    /** Row kernels (RMSNorm, embedding) over fewer elements than this run on the caller alone. */
    static final long SERIAL_ROW_ELEMENTS = 1 << 16;

    private final Parallel pool;
    /** The row primitives every driver calls. */
    private final ScalarPrimitives prim;
    /** Per-worker scratch of 16 partials (the canonical reductions). */
    private final float[][] partials;
    /** Per-worker row of exp values (cross-entropy's summed exps; a CDF row's weights), grown on demand. */
    private final MemorySegment[] expRows;
    /** Per-worker float scratch (attention backward: dP, then dS, of one (sequence, head): T×T), grown on demand. */
    private final MemorySegment[] rowScratch;
    /** Per-worker copy of one (sequence, head)'s values transposed to (D, T) (attention backward), grown on demand. */
    private final MemorySegment[] valuesT;
    /** Attention forward: the keys of every (sequence, head) transposed to (D, T), grown on demand. */
    private MemorySegment keysT = MemorySegment.NULL;
    /** Attention backward: per-(sequence, head) dRelBias partials, grown on demand. */
    private MemorySegment biasPartials = MemorySegment.NULL;
    /** Adafactor: column sums, then column factors, grown on demand. */
    private MemorySegment colScratch = MemorySegment.NULL;
    /** Bucket of each distance 0..buckets.length-1 for (bucketNb, bucketMd). */
    private int[] buckets = new int[0];
    private int bucketNb = -1, bucketMd = -1;

    private final RmsForward rmsForward = new RmsForward();
    private final RmsBackwardRows rmsBackwardRows = new RmsBackwardRows();
    private final RmsBackwardGain rmsBackwardGain = new RmsBackwardGain();
    private final AttnForward attnForward = new AttnForward();
    private final KeyTranspose keyTranspose = new KeyTranspose();
    private final AttnBackward attnBackward = new AttnBackward();
    private final Elementwise elementwise = new Elementwise();
    private final EmbedForward embedForward = new EmbedForward();
    private final EmbedBackward embedBackward = new EmbedBackward();
    private final CeForward ceForward = new CeForward();
    private final CeBackward ceBackward = new CeBackward();
    private final AttnCached attnCached = new AttnCached();
    private final CdfRows cdfRows = new CdfRows();
    /** Per-worker scores of a group of cached-attention rows (PREFILL_GROUP × cap floats), grown on demand. */
    private final MemorySegment[] cachedScratch;
    /** Per-worker scratch of the grouped cached-attention scores (256 floats). */
    private final float[][] groupScratch;
    /** Cached attention: at most this many rows at consecutive positions of one slot share each key and value load. */
    static final int PREFILL_GROUP = 4;

    /** Training attention forward: query rows per tile (a multiple of 4, the vector row block). */
    static final int TRAIN_QUERY_TILE = 32;
    /** Training attention: per head, relBias by distance, reversed: [h·Tp + T−1−δ] = relBias[h, bucket(δ)]. */
    private MemorySegment trainBiasRev = MemorySegment.NULL;
    /** Training attention, per worker: forward scores of one query tile (TILE, Tp); backward dP/dS of one (sequence, head) (T, Tp). */
    private final MemorySegment[] trainRows;
    /**
     * Training attention, per worker: one (sequence, head)'s keys (forward) or values (backward)
     * transposed to (D, Tp); the backward's bias gradient by distance (Tp).
     */
    private final MemorySegment[] trainTransposed, trainBiasDist;
    /** Training attention backward, per worker: one (sequence, head)'s queries, keys and output gradients as contiguous rows (3, T, D). */
    private final MemorySegment[] trainPacked;
    private final AttnTrainForward attnTrainForward = new AttnTrainForward();
    private final AttnTrainBackward attnTrainBackward = new AttnTrainBackward();

    /** Drivers on {@code pool}'s workers over the primitives {@code prim}. */
    public OpsDriver(Parallel pool, ScalarPrimitives prim) {
        this.pool = pool;
        this.prim = prim;
        this.partials = new float[pool.threads()][16];
        this.groupScratch = new float[pool.threads()][256];
        this.expRows = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(expRows, MemorySegment.NULL);
        this.rowScratch = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(rowScratch, MemorySegment.NULL);
        this.valuesT = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(valuesT, MemorySegment.NULL);
        this.cachedScratch = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(cachedScratch, MemorySegment.NULL);
        this.trainRows = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(trainRows, MemorySegment.NULL);
        this.trainTransposed = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(trainTransposed, MemorySegment.NULL);
        this.trainBiasDist = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(trainBiasDist, MemorySegment.NULL);
        this.trainPacked = new MemorySegment[pool.threads()];
        java.util.Arrays.fill(trainPacked, MemorySegment.NULL);
    }

    // =========================================================================== RMSNorm

    public void rmsnormForward(MemorySegment out, long outOff, MemorySegment rstd, long rstdOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, int rows, int c, float eps) {
        RmsForward k = rmsForward;
        k.out = out; k.outOff = outOff; k.rstd = rstd; k.rstdOff = rstdOff; k.x = x; k.xOff = xOff;
        k.gain = gain; k.gOff = gOff; k.c = c; k.eps = eps;
        forRows(rows, c, k);
    }

    /** Rows [0, rows) of c elements each: on the caller when small (waking the workers costs more), else on the pool. */
    private void forRows(int rows, int c, Parallel.Range k) {
        if ((long) rows * c < SERIAL_ROW_ELEMENTS) {
            if (rows > 0) k.run(0, rows, 0);
        } else {
            pool.forRange(rows, k);
        }
    }

    private final class RmsForward implements Parallel.Range {
        MemorySegment out, rstd, x, gain;
        long outOff, rstdOff, xOff, gOff;
        int c;
        float eps;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                long row = (long) r * c;
                float ss = prim.dot16(x, xOff + row, x, xOff + row, c, partials[w]);
                float rs = 1f / (float) Math.sqrt(ss / c + eps);
                rstd.setAtIndex(F, rstdOff + r, rs);
                prim.rmsnormRow(out, outOff + row, x, xOff + row, gain, gOff, c, rs);
            }
        }
    }

    public void rmsnormBackward(MemorySegment dx, long dxOff, MemorySegment dgain, long dgOff, MemorySegment dout, long doutOff, MemorySegment x, long xOff, MemorySegment gain, long gOff, MemorySegment rstd, long rstdOff, int rows, int c) {
        RmsBackwardRows k = rmsBackwardRows;
        k.dx = dx; k.dxOff = dxOff; k.dout = dout; k.doutOff = doutOff; k.x = x; k.xOff = xOff;
        k.gain = gain; k.gOff = gOff; k.rstd = rstd; k.rstdOff = rstdOff; k.c = c;
        pool.forRange(rows, k);
        RmsBackwardGain g = rmsBackwardGain;
        g.dgain = dgain; g.dgOff = dgOff; g.dout = dout; g.doutOff = doutOff; g.x = x; g.xOff = xOff;
        g.rstd = rstd; g.rstdOff = rstdOff; g.rows = rows; g.c = c;
        pool.forRange(c, g);
    }

    private final class RmsBackwardRows implements Parallel.Range {
        MemorySegment dx, dout, x, gain, rstd;
        long dxOff, doutOff, xOff, gOff, rstdOff;
        int c;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                long row = (long) r * c;
                float rs = rstd.getAtIndex(F, rstdOff + r);
                float s = prim.rmsnormGradDot(dout, doutOff + row, gain, gOff, x, xOff + row, c, partials[w]);
                float c2 = s * (rs * rs) / c;
                prim.rmsnormBackwardRow(dx, dxOff + row, dout, doutOff + row, gain, gOff, x, xOff + row, c, rs, c2);
            }
        }
    }

    private final class RmsBackwardGain implements Parallel.Range {
        MemorySegment dgain, dout, x, rstd;
        long dgOff, doutOff, xOff, rstdOff;
        int rows, c;

        @Override public void run(int from, int to, int w) {
            for (int r = 0; r < rows; r++) {
                long row = (long) r * c;
                prim.rmsnormGainRow(dgain, dgOff + from, dout, doutOff + row + from, x, xOff + row + from,
                        to - from, rstd.getAtIndex(F, rstdOff + r));
            }
        }
    }

    // =========================================================================== attention

    public void attentionForward(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv, long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        AttnForward k = attnForward;
        k.out = out; k.outOff = outOff; k.att = att; k.attOff = attOff; k.qkv = qkv; k.qkvOff = qkvOff;
        k.relBias = relBias; k.rbOff = rbOff; k.t = t; k.h = h; k.d = d; k.numBuckets = numBuckets;
        k.scale = scale; k.bucket = buckets(t, numBuckets, maxDistance);
        long nKeys = (long) b * h * d * t;
        if (keysT.byteSize() < nKeys * Float.BYTES) keysT = Arena.ofAuto().allocate(nKeys * Float.BYTES, 64);
        KeyTranspose kt = keyTranspose;
        kt.qkv = qkv; kt.qkvOff = qkvOff; kt.t = t; kt.h = h; kt.d = d;
        pool.forRange(b * h, kt);
        pool.forRange(b * h * t, k);
    }

    /** keysT[((b·H + h)·D + i)·T + s] = k_s[i] of head h of sequence b (a copy; no arithmetic). */
    private final class KeyTranspose implements Parallel.Range {
        MemorySegment qkv;
        long qkvOff;
        int t, h, d;

        @Override public void run(int from, int to, int w) {
            long hd = (long) h * d, stride = 3 * hd;
            for (int bh = from; bh < to; bh++) {
                int head = bh % h, seq = bh / h;
                long k0 = qkvOff + (long) seq * t * stride + hd + (long) head * d, dst = (long) bh * d * t;
                for (int s = 0; s < t; s++) {
                    for (int i = 0; i < d; i++) {
                        keysT.setAtIndex(F, dst + (long) i * t + s, qkv.getAtIndex(F, k0 + s * stride + i));
                    }
                }
            }
        }
    }

    private final class AttnForward implements Parallel.Range {
        MemorySegment out, att, qkv, relBias;
        long outOff, attOff, qkvOff, rbOff;
        int t, h, d, numBuckets;
        float scale;
        int[] bucket;

        @Override public void run(int from, int to, int w) {
            long hd = (long) h * d, stride = 3 * hd;
            for (int row = from; row < to; row++) {
                int tq = row % t, bh = row / t, head = bh % h, seq = bh / h;
                long tok0 = qkvOff + (long) seq * t * stride + (long) head * d;
                long attRow = attOff + ((long) bh * t + tq) * t;
                prim.scoresTransposed(att, attRow, qkv, tok0 + tq * stride, keysT, (long) bh * d * t, t, tq + 1, d, partials[w]);
                attendRow(out, outOff + ((long) seq * t + tq) * hd + (long) head * d,
                        qkv, tok0 + 2 * hd, stride, relBias, rbOff + (long) head * numBuckets, bucket,
                        att, attRow, tq, d, scale, w);
                prim.zeroRange(att, attRow + tq + 1, t - tq - 1);
            }
        }
    }

    public void attentionRow(MemorySegment out, long outOff, MemorySegment q, long qOff, MemorySegment kCache, long kOff, MemorySegment vCache, long vOff, long kvStride, MemorySegment relBias, long rbOff, MemorySegment scratch, long sOff, int pos, int h, int d, int numBuckets, int maxDistance, float scale) {
        int[] bucket = buckets(pos + 1, numBuckets, maxDistance);
        for (int head = 0; head < h; head++) {
            long ho = (long) head * d;
            for (int s = 0; s <= pos; s++) {
                scratch.setAtIndex(F, sOff + s, prim.dot16(q, qOff + ho, kCache, kOff + ho + s * kvStride, d, partials[0]));
            }
            attendRow(out, outOff + ho, vCache, vOff + ho, kvStride,
                    relBias, rbOff + (long) head * numBuckets, bucket, scratch, sOff, pos, d, scale, 0);
        }
    }

    /**
     * One query row of one head, p[s] holding dot16(q, k_s) for s = 0..pos on entry:
     * p[s] = softmax_s(p[s]·scale + bias[bucket(pos − s)]); out = Σ_s p[s]·v_s as sequential FMA
     * chains over s from 0.
     */
    private void attendRow(MemorySegment out, long outOff, MemorySegment v, long vOff, long vStride,
                           MemorySegment bias, long biasOff, int[] bucket,
                           MemorySegment p, long pOff, int pos, int d, float scale, int w) {
        int n = pos + 1;
        for (int s = 0; s < n; s++) {
            float sc = p.getAtIndex(F, pOff + s) * scale;
            p.setAtIndex(F, pOff + s, sc + bias.getAtIndex(F, biasOff + bucket[pos - s]));
        }
        float max = prim.max(p, pOff, n);
        float sum = prim.expSum16(p, pOff, p, pOff, n, max, partials[w]);
        prim.scaleRange(p, pOff, p, pOff, n, 1f / sum);
        prim.weightedRowSum(out, outOff, false, p, pOff, 1, n, v, vOff, vStride, d);
    }

    public void attentionCached(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride,
                                MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap,
                                MemorySegment biasByDistance, long bOff, int bStride,
                                int[] slot, int[] pos, int n, int h, int d, float scale) {
        for (int r = 0; r < n; r++) {
            if (pos[r] < 0 || pos[r] >= bStride || pos[r] >= cap || cap % 16 != 0) {
                throw new IllegalArgumentException("position " + pos[r] + " does not fit a cache of " + cap + " positions (bias table " + bStride + ")");
            }
        }
        for (int w = 0; w < cachedScratch.length; w++) {
            long bytes = (long) PREFILL_GROUP * cap * Float.BYTES;
            if (cachedScratch[w].byteSize() < bytes) cachedScratch[w] = Arena.ofAuto().allocate(bytes, 64);
        }
        AttnCached k = attnCached;
        k.out = out; k.outOff = outOff; k.outStride = outStride; k.q = q; k.qOff = qOff; k.qStride = qStride;
        k.kt = kt; k.ktOff = ktOff; k.v = v; k.vOff = vOff; k.cap = cap; k.bias = biasByDistance; k.bOff = bOff;
        k.bStride = bStride; k.slot = slot; k.pos = pos; k.h = h; k.d = d; k.scale = scale;
        if (n == 1) k.run(0, 1, 0); else pool.forRange(n, k);
        k.slot = null; k.pos = null;
    }

    /**
     * One query row per index: per head, scores over the tiled keys, bias by distance, softmax,
     * value chain. Heads are the outer loop, so rows of one slot (a prefill) read each head's keys
     * and values while they are still in cache. Up to {@link #PREFILL_GROUP} consecutive rows of
     * one worker that are consecutive positions of one slot form a group: their scores and their
     * value chains are each one primitive over the group ({@link ScalarPrimitives#scoresCachedRows},
     * {@link ScalarPrimitives#weightedRowSums}: every row's own computation, which the vector
     * primitives do with each key and value loaded once for the group), the softmax per row. Every
     * (row, head) result is its own computation either way, so no bit depends on the grouping.
     */
    private final class AttnCached implements Parallel.Range {
        MemorySegment out, q, kt, v, bias;
        long outOff, outStride, qOff, qStride, ktOff, vOff, bOff;
        int cap, bStride, h, d;
        float scale;
        int[] slot, pos;

        @Override public void run(int from, int to, int w) {
            MemorySegment p = cachedScratch[w];
            for (int head = 0; head < h; head++) {
                long ho = (long) head * d, bias0 = bOff + (long) head * bStride + bStride - 1;
                for (int r = from; r < to; ) {
                    int c = slot[r], t = pos[r], n = t + 1, g = 1;
                    while (g < PREFILL_GROUP && r + g < to && slot[r + g] == c && pos[r + g] == t + g) g++;
                    long region = ((long) c * h + head) * cap * d, qr = qOff + r * qStride + ho, or = outOff + r * outStride + ho;
                    if (g == 1) {
                        prim.scoresCached(p, 0, q, qr, kt, ktOff + region, n, d, partials[w]);
                        softmaxCached(p, 0, bias0 - t, n, w);
                        prim.weightedRowSum(out, or, false, p, 0, 1, n, v, vOff + region, d, d);
                    } else {
                        prim.scoresCachedRows(p, 0, cap, q, qr, qStride, kt, ktOff + region, n, g, d, partials[w], groupScratch[w]);
                        for (int i = 0; i < g; i++) softmaxCached(p, (long) i * cap, bias0 - t - i, n + i, w);
                        prim.weightedRowSums(out, or, outStride, p, 0, cap, n, g, v, vOff + region, d, d);
                    }
                    r += g;
                }
            }
        }

        /** p[s] = softmax_s(p[s]·scale + bias[biasAt + s]) over s = 0..n-1. */
        private void softmaxCached(MemorySegment p, long pOff, long biasAt, int n, int w) {
            prim.biasScaleRange(p, pOff, bias, biasAt, n, scale);
            float max = prim.max(p, pOff, n);
            float sum = prim.expSum16(p, pOff, p, pOff, n, max, partials[w]);
            prim.scaleRange(p, pOff, p, pOff, n, 1f / sum);
        }
    }

    public void cdfRows(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int rows, int precision) {
        if (precision < 9 || precision > 16) throw new IllegalArgumentException("CDF precision must be 9..16 bits, got " + precision);
        for (int w = 0; w < expRows.length; w++) expRows[w] = atLeast(expRows[w], IntegerCdfRow.SYMBOLS);
        CdfRows k = cdfRows;
        k.cum = cum; k.cumOff = cumOff; k.logits = logits; k.lOff = lOff; k.precision = precision;
        if (rows == 1) k.run(0, 1, 0); else pool.forRange(rows, k);
    }

    private final class CdfRows implements Parallel.Range {
        MemorySegment cum, logits;
        long cumOff, lOff;
        int precision;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                prim.cdfRow(cum, cumOff + (long) r * (IntegerCdfRow.SYMBOLS + 1), logits, lOff + (long) r * IntegerCdfRow.SYMBOLS, precision, expRows[w]);
            }
        }
    }

    public void attentionBackward(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff, MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att, long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        long nPartials = (long) b * h * numBuckets;
        if (biasPartials.byteSize() < nPartials * Float.BYTES) {
            biasPartials = Arena.ofAuto().allocate(nPartials * Float.BYTES, 64);
        }
        for (int w = 0; w < rowScratch.length; w++) {
            if (rowScratch[w].byteSize() < (long) t * t * Float.BYTES) {
                rowScratch[w] = Arena.ofAuto().allocate((long) t * t * Float.BYTES, 64);
            }
            if (valuesT[w].byteSize() < (long) d * t * Float.BYTES) {
                valuesT[w] = Arena.ofAuto().allocate((long) d * t * Float.BYTES, 64);
            }
        }
        AttnBackward k = attnBackward;
        k.dqkv = dqkv; k.dqkvOff = dqkvOff; k.dout = dout; k.doutOff = doutOff; k.qkv = qkv; k.qkvOff = qkvOff;
        k.att = att; k.attOff = attOff; k.t = t; k.h = h; k.d = d; k.numBuckets = numBuckets; k.scale = scale;
        k.bucket = buckets(t, numBuckets, maxDistance);
        pool.forRange(b * h, k);
        addBiasPartials(dRelBias, drbOff, b, h, numBuckets);
    }

    private final class AttnBackward implements Parallel.Range {
        MemorySegment dqkv, dout, qkv, att;
        long dqkvOff, doutOff, qkvOff, attOff;
        int t, h, d, numBuckets;
        float scale;
        int[] bucket;

        @Override public void run(int from, int to, int w) {
            long hd = (long) h * d, stride = 3 * hd;
            MemorySegment ds = rowScratch[w], vT = valuesT[w];
            for (int bh = from; bh < to; bh++) {
                int head = bh % h, seq = bh / h;
                long tok0 = (long) seq * t * stride + (long) head * d;  // q of token 0 of this head
                long q0 = qkvOff + tok0, k0 = q0 + hd, v0 = q0 + 2 * hd;
                long dq0 = dqkvOff + tok0, dk0 = dq0 + hd, dv0 = dq0 + 2 * hd;
                long do0 = doutOff + (long) seq * t * hd + (long) head * d;
                long part = (long) bh * numBuckets;
                prim.zeroRange(biasPartials, part, numBuckets);
                for (int s = 0; s < t; s++) {       // vT[i·T + s] = v_s[i] (a copy)
                    for (int i = 0; i < d; i++) vT.setAtIndex(F, (long) i * t + s, qkv.getAtIndex(F, v0 + s * stride + i));
                }
                for (int tq = 0; tq < t; tq++) {
                    int n = tq + 1;
                    long pRow = attOff + ((long) bh * t + tq) * t, dsRow = (long) tq * t;
                    long doRow = do0 + tq * hd;
                    prim.scoresTransposed(ds, dsRow, dout, doRow, vT, 0, t, n, d, partials[w]);   // dP[s] = dot16(dout_t, v_s)
                    float rowDot = prim.dot16(att, pRow, ds, dsRow, n, partials[w]);
                    // ds = p·(dP − rowDot); dRelBias partial += ds (s in order); ds *= scale
                    prim.softmaxBackwardRow(ds, dsRow, att, pRow, n, rowDot);
                    for (int s = 0; s < n; s++) {
                        long bo = part + bucket[tq - s];
                        biasPartials.setAtIndex(F, bo, biasPartials.getAtIndex(F, bo) + ds.getAtIndex(F, dsRow + s));
                    }
                    prim.scaleRange(ds, dsRow, ds, dsRow, n, scale);
                    // dq_t: chain over s = 0..t from the existing value
                    prim.weightedRowSum(dqkv, dq0 + tq * stride, true, ds, dsRow, 1, n, qkv, k0, stride, d);
                }
                for (int s = 0; s < t; s++) {
                    // dk_s, dv_s: chains over t = s..T-1 from the existing value
                    prim.weightedRowSum(dqkv, dk0 + s * stride, true, ds, (long) s * t + s, t, t - s, qkv, q0 + s * stride, stride, d);
                    prim.weightedRowSum(dqkv, dv0 + s * stride, true, att, attOff + ((long) bh * t + s) * t + s, t, t - s,
                            dout, do0 + s * hd, hd, d);
                }
            }
        }
    }

    // =========================================================================== attention, training profile

    /**
     * The row stride of the transposed keys/values, of the score rows and of the reversed bias:
     * T rounded up to 64 (whole key blocks fit), plus 16, so that a row holds n ≤ T entries
     * rounded up to 16 (the vector softmax's padded last block) and so that successive rows fall
     * in different L1 sets (a stride of a power of two kilobytes kept a column walk in a few sets).
     */
    static int paddedLength(int t) {
        return ((t + 63) & ~63) + 16;
    }

    /** s when it holds at least n floats, else a new 64-byte-aligned segment of n floats (scratch grows once per shape). */
    static MemorySegment atLeast(MemorySegment s, long n) {
        return s.byteSize() >= n * Float.BYTES ? s : Arena.ofAuto().allocate(n * Float.BYTES, 64);
    }

    public void attentionForwardTraining(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv, long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        int tp = paddedLength(t);
        int[] bucket = buckets(t, numBuckets, maxDistance);
        trainBiasRev = atLeast(trainBiasRev, (long) h * tp);
        for (int w = 0; w < trainRows.length; w++) {
            trainRows[w] = atLeast(trainRows[w], (long) TRAIN_QUERY_TILE * tp);
            trainTransposed[w] = atLeast(trainTransposed[w], (long) d * tp);
        }
        for (int head = 0; head < h; head++) {     // a copy: no arithmetic
            for (int dist = 0; dist < t; dist++) {
                trainBiasRev.setAtIndex(F, (long) head * tp + t - 1 - dist, relBias.getAtIndex(F, rbOff + (long) head * numBuckets + bucket[dist]));
            }
        }
        AttnTrainForward k = attnTrainForward;
        k.out = out; k.outOff = outOff; k.att = att; k.attOff = attOff; k.qkv = qkv; k.qkvOff = qkvOff;
        k.t = t; k.h = h; k.d = d; k.scale = scale;
        pool.forRange(b * h, k);
    }

    /** dst[dstOff + s·d + i] = src[srcOff + s·srcStride + i] for s &lt; t, i &lt; d (a copy). */
    static void packRows(MemorySegment dst, long dstOff, MemorySegment src, long srcOff, long srcStride, int t, int d) {
        for (int s = 0; s < t; s++) {
            MemorySegment.copy(src, (srcOff + s * srcStride) * Float.BYTES, dst, (dstOff + (long) s * d) * Float.BYTES, (long) d * Float.BYTES);
        }
    }

    /** dst[i·dstStride + s] = src[s·srcStride + i] for s &lt; t, i &lt; d (a copy). */
    static void transposeHead(MemorySegment dst, long dstOff, long dstStride, MemorySegment src, long srcOff, long srcStride, int t, int d) {
        for (int s = 0; s < t; s++) {
            for (int i = 0; i < d; i++) dst.setAtIndex(F, dstOff + i * dstStride + s, src.getAtIndex(F, srcOff + s * srcStride + i));
        }
    }

    /**
     * One work item per (sequence, head): its keys transposed into the worker's (D, Tp) buffer,
     * which then stays in L2, then per tile of TRAIN_QUERY_TILE query rows: scores, softmax, P·V.
     */
    private final class AttnTrainForward implements Parallel.Range {
        MemorySegment out, att, qkv;
        long outOff, attOff, qkvOff;
        int t, h, d;
        float scale;

        @Override public void run(int from, int to, int w) {
            long hd = (long) h * d, stride = 3 * hd;
            int tp = paddedLength(t), tiles = Math.ceilDiv(t, TRAIN_QUERY_TILE);
            MemorySegment sc = trainRows[w], kT = trainTransposed[w];
            for (int bh = from; bh < to; bh++) {
                int head = bh % h, seq = bh / h;
                long tok0 = qkvOff + (long) seq * t * stride + (long) head * d;
                transposeHead(kT, 0, tp, qkv, tok0 + hd, stride, t, d);
                for (int tile = 0; tile < tiles; tile++) {
                    int t0 = tile * TRAIN_QUERY_TILE, rows = Math.min(TRAIN_QUERY_TILE, t - t0);
                    prim.trainScores(sc, 0, tp, qkv, tok0 + t0 * stride, stride, kT, 0, tp, t0, rows, d);
                    long attTile = attOff + ((long) bh * t + t0) * t;
                    for (int r = 0; r < rows; r++) {
                        int n = t0 + r + 1;
                        long row = (long) r * tp, attRow = attTile + (long) r * t;
                        prim.trainSoftmaxRow(att, attRow, t, sc, row, trainBiasRev, (long) head * tp + t - n, n, scale, partials[w]);
                    }
                    prim.trainTriangle(out, outOff + ((long) seq * t + t0) * hd + (long) head * d, hd, false,
                            att, attTile, t, 1, qkv, tok0 + 2 * hd, stride, true, t0, rows, t, d);
                }
            }
        }
    }

    public void attentionBackwardTraining(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff, MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att, long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        int tp = paddedLength(t);
        biasPartials = atLeast(biasPartials, (long) b * h * numBuckets);
        for (int w = 0; w < trainRows.length; w++) {
            trainRows[w] = atLeast(trainRows[w], (long) Math.max(t, TRAIN_QUERY_TILE) * tp);
            trainTransposed[w] = atLeast(trainTransposed[w], (long) d * tp);
            trainBiasDist[w] = atLeast(trainBiasDist[w], tp);
            trainPacked[w] = atLeast(trainPacked[w], 3L * t * d);
        }
        AttnTrainBackward k = attnTrainBackward;
        k.dqkv = dqkv; k.dqkvOff = dqkvOff; k.dout = dout; k.doutOff = doutOff; k.qkv = qkv; k.qkvOff = qkvOff;
        k.att = att; k.attOff = attOff; k.t = t; k.h = h; k.d = d; k.numBuckets = numBuckets; k.scale = scale;
        k.bucket = buckets(t, numBuckets, maxDistance);
        pool.forRange(b * h, k);
        addBiasPartials(dRelBias, drbOff, b, h, numBuckets);
    }

    /** dRelBias[h, j] = dRelBias[h, j] + partial(seq 0) + partial(seq 1) + ... (sequences in order). */
    private void addBiasPartials(MemorySegment dRelBias, long drbOff, int b, int h, int numBuckets) {
        for (int head = 0; head < h; head++) {
            for (int j = 0; j < numBuckets; j++) {
                long o = drbOff + (long) head * numBuckets + j;
                float acc = dRelBias.getAtIndex(F, o);
                for (int seq = 0; seq < b; seq++) {
                    acc += biasPartials.getAtIndex(F, ((long) seq * h + head) * numBuckets + j);
                }
                dRelBias.setAtIndex(F, o, acc);
            }
        }
    }

    /** One work item per (sequence, head): dP by tiles, dS row by row (with the bias gradient by distance), then dQ, dK, dV by tiles. */
    private final class AttnTrainBackward implements Parallel.Range {
        MemorySegment dqkv, dout, qkv, att;
        long dqkvOff, doutOff, qkvOff, attOff;
        int t, h, d, numBuckets;
        float scale;
        int[] bucket;

        @Override public void run(int from, int to, int w) {
            long hd = (long) h * d, stride = 3 * hd;
            int tp = paddedLength(t);
            MemorySegment ds = trainRows[w], vT = trainTransposed[w], g = trainBiasDist[w], rows = trainPacked[w];
            long td = (long) t * d;
            for (int bh = from; bh < to; bh++) {
                int head = bh % h, seq = bh / h;
                long tok0 = (long) seq * t * stride + (long) head * d;  // q of token 0 of this head
                long q0 = qkvOff + tok0, k0 = q0 + hd, v0 = q0 + 2 * hd;
                long dq0 = dqkvOff + tok0, dk0 = dq0 + hd, dv0 = dq0 + 2 * hd;
                long do0 = doutOff + (long) seq * t * hd + (long) head * d;
                long p0 = attOff + (long) bh * t * t;
                transposeHead(vT, 0, tp, qkv, v0, stride, t, d);
                packRows(rows, 0, qkv, q0, stride, t, d);
                packRows(rows, td, qkv, k0, stride, t, d);
                packRows(rows, 2 * td, dout, do0, hd, t, d);
                prim.trainScores(ds, 0, tp, rows, 2 * td, d, vT, 0, tp, 0, t, d);        // dP
                prim.zeroRange(g, 0, t);
                for (int tq = 0; tq < t; tq++) {
                    int n = tq + 1;
                    long pRow = p0 + (long) tq * t, dsRow = (long) tq * tp;
                    prim.trainSoftmaxBackwardRow(ds, dsRow, att, pRow, g, t - n, n, scale, partials[w]);   // dS; g[t−1−δ] += dS[t, t−δ]
                }
                long part = (long) bh * numBuckets;
                prim.zeroRange(biasPartials, part, numBuckets);
                for (int dist = 0; dist < t; dist++) {
                    long o = part + bucket[dist];
                    biasPartials.setAtIndex(F, o, biasPartials.getAtIndex(F, o) + g.getAtIndex(F, t - 1 - dist));
                }
                prim.trainTriangle(dqkv, dq0, stride, false, ds, 0, tp, 1, rows, td, d, true, 0, t, t, d);       // dQ = dS·K
                prim.trainTriangle(dqkv, dk0, stride, false, ds, 0, 1, tp, rows, 0, d, false, 0, t, t, d);       // dK = dSᵀ·Q
                prim.trainTriangle(dqkv, dv0, stride, false, att, p0, 1, t, rows, 2 * td, d, false, 0, t, t, d); // dV = Pᵀ·dO
            }
        }
    }

    /** The bucket table for distances 0..n-1 (cached; grows geometrically; rebuilt when nb/md change). */
    private int[] buckets(int n, int numBuckets, int maxDistance) {
        if (numBuckets != bucketNb || maxDistance != bucketMd || buckets.length < n) {
            int len = Math.max(n, numBuckets == bucketNb && maxDistance == bucketMd ? 2 * buckets.length : 0);
            buckets = RelativePosition.table(Math.max(len, 64), numBuckets, maxDistance);
            bucketNb = numBuckets;
            bucketMd = maxDistance;
        }
        return buckets;
    }

    // =========================================================================== elementwise

    private static final int OP_RELU_GATE = 0, OP_RELU_GATE_BACKWARD = 1, OP_ADD = 2, OP_ZERO = 3,
            OP_SCALE = 4, OP_ADAMW = 5;

    public void reluGateForward(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        Elementwise e = elementwise;
        e.a = out; e.aOff = outOff; e.b = gate; e.bOff = gOff; e.c = up; e.cOff = uOff;
        runElementwise(OP_RELU_GATE, n);
    }

    public void reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout, long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        Elementwise e = elementwise;
        e.a = dgate; e.aOff = dgOff; e.b = dup; e.bOff = duOff; e.c = dout; e.cOff = doOff;
        e.d = gate; e.dOff = gOff; e.e = up; e.eOff = uOff;
        runElementwise(OP_RELU_GATE_BACKWARD, n);
    }

    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        Elementwise e = elementwise;
        e.a = out; e.aOff = outOff; e.b = a; e.bOff = aOff; e.c = b; e.cOff = bOff;
        runElementwise(OP_ADD, n);
    }

    public void zero(MemorySegment out, long outOff, long n) {
        Elementwise e = elementwise;
        e.a = out; e.aOff = outOff;
        runElementwise(OP_ZERO, n);
    }

    public void scale(MemorySegment x, long xOff, long n, float s) {
        Elementwise e = elementwise;
        e.a = x; e.aOff = xOff; e.s0 = s;
        runElementwise(OP_SCALE, n);
    }

    public void adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
        Elementwise e = elementwise;
        e.a = p; e.aOff = pOff; e.b = g; e.bOff = gOff; e.c = m; e.cOff = mOff; e.d = v; e.dOff = vOff;
        e.s0 = lr; e.s1 = b1; e.s2 = b2; e.s3 = c1; e.s4 = c2; e.s5 = eps; e.s6 = wd;
        runElementwise(OP_ADAMW, n);
    }

    private void runElementwise(int op, long n) {
        Elementwise e = elementwise;
        e.op = op;
        e.n = n;
        long blocks = (n + BLOCK - 1) / BLOCK;
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException("n too large: " + n);
        pool.forRange((int) blocks, e);
    }

    private final class Elementwise implements Parallel.Range {
        int op;
        long n;
        MemorySegment a, b, c, d, e;
        long aOff, bOff, cOff, dOff, eOff;
        float s0, s1, s2, s3, s4, s5, s6;

        @Override public void run(int from, int to, int w) {
            long i0 = (long) from * BLOCK, len = Math.min(n, (long) to * BLOCK) - i0;
            switch (op) {
                case OP_RELU_GATE -> prim.reluGateRange(a, aOff + i0, b, bOff + i0, c, cOff + i0, len);
                case OP_RELU_GATE_BACKWARD -> prim.reluGateBackwardRange(a, aOff + i0, b, bOff + i0, c, cOff + i0,
                        d, dOff + i0, e, eOff + i0, len);
                case OP_ADD -> prim.addRange(a, aOff + i0, b, bOff + i0, c, cOff + i0, len);
                case OP_ZERO -> prim.zeroRange(a, aOff + i0, len);
                case OP_SCALE -> prim.scaleRange(a, aOff + i0, a, aOff + i0, len, s0);
                case OP_ADAMW -> prim.adamwRange(a, aOff + i0, b, bOff + i0, c, cOff + i0, d, dOff + i0, len,
                        s0, s1, s2, s3, s4, s5, s6);
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }

    // =========================================================================== embedding

    public void embeddingForward(MemorySegment out, long outOff, MemorySegment table, long tOff, MemorySegment tokens, long tokOff, int rows, int c) {
        long vocab = (table.byteSize() / Float.BYTES - tOff) / Math.max(1, c);
        for (int r = 0; r < rows; r++) checkToken(tokens.getAtIndex(I, tokOff + r), r, vocab);
        EmbedForward k = embedForward;
        k.out = out; k.outOff = outOff; k.table = table; k.tOff = tOff; k.tokens = tokens; k.tokOff = tokOff; k.c = c;
        forRows(rows, c, k);
    }

    private final class EmbedForward implements Parallel.Range {
        MemorySegment out, table, tokens;
        long outOff, tOff, tokOff;
        int c;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                long tok = tokens.getAtIndex(I, tokOff + r);
                MemorySegment.copy(table, F, (tOff + tok * c) * Float.BYTES, out, F, (outOff + (long) r * c) * Float.BYTES, c);
            }
        }
    }

    public void embeddingBackward(MemorySegment dtable, long dtOff, MemorySegment dout, long doOff, MemorySegment tokens, long tokOff, int rows, int c, int vocab) {
        for (int r = 0; r < rows; r++) checkToken(tokens.getAtIndex(I, tokOff + r), r, vocab);
        EmbedBackward k = embedBackward;
        k.dtable = dtable; k.dtOff = dtOff; k.dout = dout; k.doOff = doOff; k.tokens = tokens; k.tokOff = tokOff;
        k.rows = rows; k.c = c;
        pool.forRange(c, k);
    }

    private final class EmbedBackward implements Parallel.Range {
        MemorySegment dtable, dout, tokens;
        long dtOff, doOff, tokOff;
        int rows, c;

        @Override public void run(int from, int to, int w) {
            for (int r = 0; r < rows; r++) {
                long dst = dtOff + (long) tokens.getAtIndex(I, tokOff + r) * c + from;
                prim.addRange(dtable, dst, dtable, dst, dout, doOff + (long) r * c + from, to - from);
            }
        }
    }

    private static void checkToken(long tok, int row, long vocab) {
        if (tok < 0 || tok >= vocab) {
            throw new IllegalArgumentException("token " + tok + " at row " + row + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    // =========================================================================== cross-entropy

    public void crossEntropyForward(MemorySegment loss, long lossOff, MemorySegment lse, long lseOff, MemorySegment logits, long lOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss) {
        checkTargets(targets, tgtOff, rows, vocab);
        for (int w = 0; w < expRows.length; w++) expRows[w] = atLeast(expRows[w], vocab);
        CeForward k = ceForward;
        k.loss = loss; k.lossOff = lossOff; k.lse = lse; k.lseOff = lseOff; k.logits = logits; k.lOff = lOff;
        k.targets = targets; k.tgtOff = tgtOff; k.vocab = vocab; k.zLoss = zLoss;
        pool.forRange(rows, k);
    }

    private final class CeForward implements Parallel.Range {
        MemorySegment loss, lse, logits, targets;
        long lossOff, lseOff, lOff, tgtOff;
        int vocab;
        float zLoss;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                long row = lOff + (long) r * vocab;
                float max = prim.max(logits, row, vocab);
                float l = max + NctMath.log(prim.expSum16(logits, row, expRows[w], 0, vocab, max, partials[w]));
                lse.setAtIndex(F, lseOff + r, l);
                int tgt = targets.getAtIndex(I, tgtOff + r);
                float value = 0f;
                if (tgt >= 0) value = (l - logits.getAtIndex(F, row + tgt)) + zLoss * l * l;
                loss.setAtIndex(F, lossOff + r, value);
            }
        }
    }

    public void crossEntropyBackward(MemorySegment dlogits, long dlOff, MemorySegment logits, long lOff, MemorySegment lse, long lseOff, MemorySegment targets, long tgtOff, int rows, int vocab, float zLoss, float scale) {
        checkTargets(targets, tgtOff, rows, vocab);
        CeBackward k = ceBackward;
        k.dlogits = dlogits; k.dlOff = dlOff; k.logits = logits; k.lOff = lOff; k.lse = lse; k.lseOff = lseOff;
        k.targets = targets; k.tgtOff = tgtOff; k.vocab = vocab; k.zLoss = zLoss; k.scale = scale;
        pool.forRange(rows, k);
    }

    private final class CeBackward implements Parallel.Range {
        MemorySegment dlogits, logits, lse, targets;
        long dlOff, lOff, lseOff, tgtOff;
        int vocab;
        float zLoss, scale;

        @Override public void run(int from, int to, int w) {
            for (int r = from; r < to; r++) {
                long dRow = dlOff + (long) r * vocab, lRow = lOff + (long) r * vocab;
                int tgt = targets.getAtIndex(I, tgtOff + r);
                if (tgt < 0) {
                    prim.zeroRange(dlogits, dRow, vocab);
                    continue;
                }
                float l = lse.getAtIndex(F, lseOff + r);
                float f = 2f * zLoss * l + 1f;
                float atTarget = (NctMath.exp(logits.getAtIndex(F, lRow + tgt) - l) * f - 1f) * scale;
                prim.expRange(dlogits, dRow, logits, lRow, vocab, l, f, scale);
                dlogits.setAtIndex(F, dRow + tgt, atTarget);
            }
        }
    }

    private static void checkTargets(MemorySegment targets, long tgtOff, int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            int tgt = targets.getAtIndex(I, tgtOff + r);
            if (tgt >= vocab) {
                throw new IllegalArgumentException("target " + tgt + " at row " + r + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    // =========================================================================== optimizers

    /**
     * Adafactor as T5X computes it (single-threaded per tensor): the factored second moment enters
     * as u = g·rowFactor[i]·colFactor[j] with rowFactor = 1/sqrt(vr[i]/mean(vr)) and colFactor =
     * 1/sqrt(vc[j]), which is g/sqrt(vr[i]·vc[j]/mean(vr)).
     */
    public void adafactor(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment vr, long vrOff, MemorySegment vc, long vcOff, MemorySegment v, long vOff, MemorySegment scratch, long sOff, int rows, int cols, boolean factored, float lr, float beta2, float eps1, float eps2, float clip) {
        long n = (long) rows * cols;
        float omb = 1f - beta2;
        if (factored) {
            if (colScratch.byteSize() < (long) cols * Float.BYTES) {
                colScratch = Arena.ofAuto().allocate((long) cols * Float.BYTES, 64);
            }
            prim.zeroRange(colScratch, 0, cols);
            for (int r = 0; r < rows; r++) {
                long row = gOff + (long) r * cols;
                float mean = prim.sumSqEps16(g, row, cols, eps1, partials[0]) / cols;
                vr.setAtIndex(F, vrOff + r, Math.fma(beta2, vr.getAtIndex(F, vrOff + r), omb * mean));
                prim.addSqEpsRange(colScratch, 0, g, row, cols, eps1);
            }
            float meanVr = prim.sum16(vr, vrOff, rows, partials[0]) / rows;
            prim.adafactorColFactors(vc, vcOff, colScratch, 0, cols, beta2, omb, rows);
            for (int r = 0; r < rows; r++) {
                float rowFactor = 1f / (float) Math.sqrt(vr.getAtIndex(F, vrOff + r) / meanVr);
                long row = (long) r * cols;
                prim.adafactorFactoredRow(scratch, sOff + row, g, gOff + row, colScratch, 0, cols, rowFactor);
            }
        } else {
            prim.adafactorUnfactoredRange(scratch, sOff, g, gOff, v, vOff, n, beta2, omb, eps1);
        }
        float rmsU = (float) Math.sqrt(prim.dot16(scratch, sOff, scratch, sOff, n, partials[0]) / (float) n);
        float denom = Math.max(1f, rmsU / clip);
        float rmsP = (float) Math.sqrt(prim.dot16(p, pOff, p, pOff, n, partials[0]) / (float) n);
        float step = lr * Math.max(eps2, rmsP);
        prim.adafactorUpdateRange(p, pOff, scratch, sOff, n, denom, step);
    }

    public float sumSquares(MemorySegment x, long xOff, long n) {
        return prim.dot16(x, xOff, x, xOff, n, partials[0]);
    }
}
