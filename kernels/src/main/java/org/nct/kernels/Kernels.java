package org.nct.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The kernel contract: every compute operation of the Transformer (training and inference) and of
 * the optimizers, over flat off-heap float buffers.
 *
 * <p>Conventions, for every method:
 * <ul>
 *   <li>Buffers are {@link MemorySegment}s of native-order fp32 (tokens: int32), addressed by an
 *       <b>element</b> offset (not bytes). Row-major. Shapes are given in the comment of each
 *       argument, e.g. {@code // (M,K)}.</li>
 *   <li>Kernels allocate nothing on the hot path, use no streams or lambdas, and never split a
 *       reduction that the numerics profile orders (see {@link NumericsProfile}) across threads.</li>
 *   <li>Every implementation (scalar reference, Vector API at 128/256/512 bits, CUDA) produces the
 *       <b>same bits</b> for the same inputs, whatever the thread count and whatever other rows are
 *       in the batch. The scalar reference ({@code ScalarKernels}: {@code ScalarGemm} and the ops
 *       driver over {@code ScalarPrimitives}) is the definition.</li>
 *   <li>{@code accumulate == true} means the result is added to what the output holds: the FMA
 *       chain starts from the existing value instead of from 0.</li>
 * </ul>
 *
 * <p><b>Buffers belong to the backend.</b> Every buffer argument of a kernel is a <i>buffer of
 * this backend</i>: a segment made by {@link #allocateFloats}/{@link #allocateInts} (or a slice of
 * one), or, on a {@link #hostResident() host-resident} backend only, any native host segment.
 * The exceptions are stated per method: the int[] arguments (slots, positions) and the
 * {@code cum} output of {@link #cdfRows} are host memory. Only the backend dereferences a buffer:
 * the caller never reads or writes one on the host (a device buffer's address is not host
 * memory) except through {@link #copy} and {@link #hostView}. The caller frees what it allocated
 * with {@link #free}; {@link #close} frees whatever is left.
 */
public interface Kernels extends AutoCloseable {

    /** Human-readable backend name, e.g. "scalar", "vector-512", "cuda". */
    String name();

    /** Number of worker threads this instance uses. */
    int threads();

    // ---------------------------------------------------------------- buffers

    /**
     * True when this backend's buffers are ordinary host memory (the CPU backends): then any native
     * host segment may be passed to a kernel, {@link #hostView} returns the buffer itself and needs
     * no staging, and a caller may use host memory it owns (such as a model's parameters) as a
     * buffer without a copy. False on a device (CUDA): buffers live in device memory.
     */
    boolean hostResident();

    /**
     * n floats of this backend, zeroed, 64-byte aligned (n = 0 gives a buffer of one float). Not
     * for the hot path: callers allocate once and reuse. Free with {@link #free}.
     */
    MemorySegment allocateFloats(long n);

    /** n int32s of this backend, zeroed, 64-byte aligned, as {@link #allocateFloats}. */
    MemorySegment allocateInts(long n);

    /**
     * Frees a buffer made by {@link #allocateFloats}/{@link #allocateInts} (the segment returned,
     * not a slice). A host-resident backend ignores a segment it did not allocate (host memory the
     * caller owns), and every backend ignores a call after {@link #close}. The buffer must not be
     * used afterwards.
     */
    void free(MemorySegment buffer);

    /**
     * Copies n 4-byte elements (floats or int32s, bits unchanged) from src at element srcOff to dst
     * at element dstOff. Each side is a buffer of this backend or native host memory, in any
     * combination (host to device, device to host, within the device, host to host). Ordered after
     * every earlier call on this backend; when dst is host memory its elements are there on return.
     * The two ranges must not overlap.
     */
    void copy(MemorySegment dst, long dstOff, MemorySegment src, long srcOff, long n);

    /**
     * n elements of a buffer of this backend from element off, as host memory the caller may read
     * (not write) until its next call on this backend: on a {@link #hostResident()} backend the
     * slice of the buffer itself (no copy; staging is unused and may be null); otherwise the
     * elements are copied into the host segment staging (at least n elements) and its first n
     * elements are returned. So a caller that only reads results (a loss, rows of CDFs) pays no copy
     * on the CPU.
     */
    MemorySegment hostView(MemorySegment buffer, long off, long n, MemorySegment staging);

    /** Waits until every call made so far has finished (for timing; {@link #copy} to host already waits). No-op on the CPU. */
    default void synchronize() { }

    // ---------------------------------------------------------------- GEMM (canonical order A)

    /**
     * Y = X·Wᵀ (+ bias). Each Y[m,n] is the sequential FMA chain
     * {@code acc = fma(X[m,k], W[n,k], acc)} for k = 0..K-1, acc starting at bias[n] (or 0 when
     * bias is null, or at Y[m,n] when accumulate; bias and accumulate are exclusive).
     */
    void matmul(MemorySegment y, long yOff,      // (M,N) out
                MemorySegment x, long xOff,      // (M,K)
                MemorySegment w, long wOff,      // (N,K)
                MemorySegment bias, long bOff,   // (N) or null
                int m, int k, int n, boolean accumulate);

    /**
     * {@link #matmul} with a W that the caller never changes while this instance is in use
     * (inference weights): a backend may keep W in its own prepared layout across calls (the
     * vector backend keeps its packed panels, so a call does not repack W). Same result bits as
     * {@link #matmul}.
     */
    default void matmulFixedWeights(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                    MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        matmul(y, yOff, x, xOff, w, wOff, bias, bOff, m, k, n, accumulate);
    }

    /**
     * dX (+)= dY·W. Each dX[m,k] is the sequential chain {@code acc = fma(dY[m,j], W[j,k], acc)}
     * for j = 0..N-1.
     */
    void matmulBackwardData(MemorySegment dx, long dxOff,   // (M,K) out
                            MemorySegment dy, long dyOff,   // (M,N)
                            MemorySegment w, long wOff,     // (N,K)
                            int m, int k, int n, boolean accumulate);

    /**
     * dW (+)= dYᵀ·X. Each dW[j,k] is the sequential chain {@code acc = fma(dY[i,j], X[i,k], acc)}
     * for i = 0..M-1 (rows in order; M is never split across threads).
     */
    void matmulBackwardWeight(MemorySegment dw, long dwOff, // (N,K) out
                              MemorySegment dy, long dyOff, // (M,N)
                              MemorySegment x, long xOff,   // (M,K)
                              int m, int k, int n, boolean accumulate);

    // ---------------------------------------------------------------- RMSNorm (T5: no bias, no mean)

    /**
     * For each row r: ms = sum16(x[r,i]²)/C (the canonical 16-partial sum of
     * {@code fma(x,x,p)}), rstd[r] = 1/sqrt(ms + eps), out[r,i] = (x[r,i]·rstd[r])·gain[i].
     */
    void rmsnormForward(MemorySegment out, long outOff,   // (R,C)
                        MemorySegment rstd, long rstdOff, // (R) out, saved for backward
                        MemorySegment x, long xOff,       // (R,C)
                        MemorySegment gain, long gOff,    // (C)
                        int rows, int c, float eps);

    /**
     * dx += ∂L/∂x, dgain += ∂L/∂gain. Per row: s = the 16-partial sum of
     * {@code fma(dout[i]·gain[i], x[i], p)}, c2 = (s·(rstd·rstd))/C,
     * {@code dx[i] = dx[i] + rstd·fma(−x[i], c2, dout[i]·gain[i])}. dgain[i] is the chain over rows
     * r = 0..R-1 in order of {@code fma(x[r,i]·rstd[r], dout[r,i], acc)} from the existing value.
     */
    void rmsnormBackward(MemorySegment dx, long dxOff,      // (R,C) accumulated
                         MemorySegment dgain, long dgOff,   // (C) accumulated
                         MemorySegment dout, long doutOff,  // (R,C)
                         MemorySegment x, long xOff,        // (R,C)
                         MemorySegment gain, long gOff,     // (C)
                         MemorySegment rstd, long rstdOff,  // (R)
                         int rows, int c);

    // ---------------------------------------------------------------- attention with T5 relative bias

    /**
     * Causal multi-head attention for a batch of B sequences of length T with a learned relative
     * position bias. qkv holds, per token, q (H·D), then k (H·D), then v (H·D). For query t of head
     * h: score[s] = dot16(q_t, k_s)·scale + relBias[h, bucket(t−s)] for s = 0..t; p = softmax
     * (max, then e[s] = exp(score−max) with {@link NctMath#exp}, canonical 16-partial sum of e,
     * p[s] = e[s]·(1/sum)); out_t = the sequential chain over s = 0..t of {@code fma(p[s], v_s, acc)}
     * from 0. Probabilities are saved in att for the backward pass; att entries above the diagonal
     * (s &gt; t) are written as +0. Buckets: {@link RelativePosition#bucket}.
     */
    void attentionForward(MemorySegment out, long outOff,   // (B,T,H·D)
                          MemorySegment att, long attOff,   // (B,H,T,T) out: probabilities (s ≤ t)
                          MemorySegment qkv, long qkvOff,   // (B,T,3·H·D)
                          MemorySegment relBias, long rbOff,// (H,numBuckets)
                          int b, int t, int h, int d, int numBuckets, int maxDistance, float scale);

    /**
     * Backward of {@link #attentionForward}, for each (sequence, head), rows t in order:
     * dP[s] = dot16(dout_t, v_s); r = dot16(p_t, dP) over s = 0..t; dS[t,s] = p[s]·(dP[s] − r);
     * a per-(sequence, head) dRelBias partial (from 0) adds dS[t,s] at bucket(t−s), s in order;
     * then dS[t,s] = dS[t,s]·scale. dq_t = chain over s = 0..t of {@code fma(dS[t,s], k_s, acc)};
     * dk_s = chain over t = s..T-1 of {@code fma(dS[t,s], q_t, acc)}; dv_s = chain over
     * t = s..T-1 of {@code fma(p[t,s], dout_t, acc)}; every chain starts from the existing dqkv
     * value. Finally dRelBias[h,j] = dRelBias[h,j] + partial(seq 0) + partial(seq 1) + …, left to
     * right. Thread-count invariant (threads split (sequence, head) pairs).
     */
    void attentionBackward(MemorySegment dqkv, long dqkvOff,    // (B,T,3·H·D) accumulated
                           MemorySegment dRelBias, long drbOff, // (H,numBuckets) accumulated
                           MemorySegment dout, long doutOff,    // (B,T,H·D)
                           MemorySegment qkv, long qkvOff,      // (B,T,3·H·D)
                           MemorySegment att, long attOff,      // (B,H,T,T)
                           int b, int t, int h, int d, int numBuckets, int maxDistance, float scale);

    /**
     * The training profile's causal attention: {@link #attentionForward}'s inputs, outputs and
     * softmax, with the scores in GEMM order so that they are computed on tiles of queries × keys.
     * For query t of head h of each sequence, keys s = 0..t:
     * <ol>
     *   <li>S[t,s] = the sequential chain over i = 0..D-1 of {@code acc = fma(q_t[i], k_s[i], acc)}
     *       from +0 (not dot16);</li>
     *   <li>x[s] = S[t,s]·scale + relBias[h, bucket(t−s)] (a product, then a sum);</li>
     *   <li>m = max(x); e[s] = exp(x[s] − m) ({@link NctMath#exp}); sum = the canonical 16-partial
     *       sum of e; p[s] = e[s]·(1/sum), saved in att (entries s &gt; t written as +0);</li>
     *   <li>out_t[i] = the sequential chain over s = 0..t of {@code fma(p[s], v_s[i], acc)} from +0.</li>
     * </ol>
     * Every output is written by exactly one (sequence, head) work item, so no bit
     * depends on the thread count or on the other sequences of the batch. Not bit-compatible with
     * {@link #attentionForward} (the coding profile): the training step uses this pair, the coding
     * path never does.
     */
    void attentionForwardTraining(MemorySegment out, long outOff,   // (B,T,H·D)
                                  MemorySegment att, long attOff,   // (B,H,T,T) out: probabilities (s ≤ t)
                                  MemorySegment qkv, long qkvOff,   // (B,T,3·H·D)
                                  MemorySegment relBias, long rbOff,// (H,numBuckets)
                                  int b, int t, int h, int d, int numBuckets, int maxDistance, float scale);

    /**
     * Backward of {@link #attentionForwardTraining}, per (sequence, head):
     * <ol>
     *   <li>dP[t,s] = the sequential chain over i of {@code fma(dout_t[i], v_s[i], acc)} from +0 (s ≤ t);</li>
     *   <li>r_t = dot16(p_t[0..t], dP[t,0..t]); dS[t,s] = p[t,s]·(dP[t,s] − r_t);</li>
     *   <li>bias gradient by distance: g[δ] = the chain over t = δ..T-1 in increasing t of
     *       {@code g[δ] = g[δ] + dS[t, t−δ]} from +0; the (sequence, head) partial of bucket j is the
     *       chain over δ = 0..T-1 in increasing δ of {@code partial[bucket(δ)] = partial[bucket(δ)] + g[δ]}
     *       from +0; dRelBias[h,j] = dRelBias[h,j] + partial(seq 0) + partial(seq 1) + …, left to right;</li>
     *   <li>dS[t,s] = dS[t,s]·scale;</li>
     *   <li>dq_t = chain over s = 0..t of {@code fma(dS[t,s], k_s, acc)}; dk_s = chain over
     *       t = s..T-1 of {@code fma(dS[t,s], q_t, acc)}; dv_s = chain over t = s..T-1 of
     *       {@code fma(p[t,s], dout_t, acc)}; each from +0, so dqkv is overwritten (its old
     *       values are never read; unlike {@link #attentionBackward}, which accumulates).</li>
     * </ol>
     * att must hold the probabilities of {@link #attentionForwardTraining}. Thread-count invariant
     * (threads split (sequence, head) pairs; the bias partials are added in sequence order).
     */
    void attentionBackwardTraining(MemorySegment dqkv, long dqkvOff,    // (B,T,3·H·D) out
                                   MemorySegment dRelBias, long drbOff, // (H,numBuckets) accumulated
                                   MemorySegment dout, long doutOff,    // (B,T,H·D)
                                   MemorySegment qkv, long qkvOff,      // (B,T,3·H·D)
                                   MemorySegment att, long attOff,      // (B,H,T,T)
                                   int b, int t, int h, int d, int numBuckets, int maxDistance, float scale);

    /**
     * One query row against a key/value cache — the per-row computation of
     * {@link #attentionForward}, bit for bit, for incremental decoding. Keys and values of
     * positions 0..pos are read from kCache/vCache rows of stride {@code kvStride} floats
     * (row s of head h at {@code kOff + s·kvStride + h·D}); q and out are (H·D).
     * scratch needs at least pos+1 floats (it holds the last head's probabilities afterwards).
     * Runs on the calling thread.
     */
    void attentionRow(MemorySegment out, long outOff,     // (H·D)
                      MemorySegment q, long qOff,         // (H·D)
                      MemorySegment kCache, long kOff,    // (pos+1, kvStride)
                      MemorySegment vCache, long vOff,    // (pos+1, kvStride)
                      long kvStride,
                      MemorySegment relBias, long rbOff,  // (H,numBuckets)
                      MemorySegment scratch, long sOff,   // (pos+1)
                      int pos, int h, int d, int numBuckets, int maxDistance, float scale);

    /**
     * Incremental attention of n query rows, row r against the key/value cache of slot slot[r] at
     * position pos[r] (positions 0..pos[r] cached): for each row the per-row computation of
     * {@link #attentionRow}, bit for bit, with the bias looked up by distance. Rows run in parallel
     * (each row writes only its own output), so no result depends on n, on the other rows or on
     * the thread count.
     *
     * <p>Cache layout, per layer, with {@code cap} positions per slot (a multiple of 16), H heads
     * of D floats: keys in tiles of 16 positions, each head's keys contiguous — element j of head
     * h of the key at position s of slot c at
     * {@code kt[ktOff + ((c·H + h)·cap + (s − s%16))·D + j·16 + s%16]}; values per head —
     * {@code v[vOff + ((c·H + h)·cap + s)·D + j]}. So one head's keys and values of a row are read
     * front to back. The last tile may hold positions past pos[r]: those key columns may be read
     * (their scores computed and ignored) but never influence a result; cap ≥ pos[r]+1.
     * Bias: {@code biasByDistance[bOff + h·bStride + bStride − 1 − δ]} is relBias[h, bucket(δ)]
     * (reversed, so that keys s = 0..pos read it in increasing order); bStride ≥ pos[r]+1.
     * score[s] = dot16(q_h, k_s)·scale + bias(pos − s), then softmax and the value chain exactly as
     * in {@link #attentionForward}.
     */
    void attentionCached(MemorySegment out, long outOff, long outStride,   // (n, outStride): H·D per row
                         MemorySegment q, long qOff, long qStride,         // (n, qStride): H·D per row
                         MemorySegment kt, long ktOff,                     // (slots, H, cap/16, D, 16)
                         MemorySegment v, long vOff,                       // (slots, H, cap, D)
                         int cap,
                         MemorySegment biasByDistance, long bOff, int bStride, // (H, bStride), reversed
                         int[] slot, int[] pos, int n, int h, int d, float scale);

    /**
     * Incremental decoding: the key and value of n rows of qkv go to one layer's cache in the layout
     * of {@link #attentionCached}. Row r (at {@code qkvOff + r·qkvStride}: q (H·D), k (H·D), v (H·D))
     * is stored at position pos[r] of slot slot[r]: element j of head h of its key to
     * {@code kt[ktOff + ((c·H + h)·cap + (p − p%16))·D + j·16 + p%16]}, of its value to
     * {@code v[vOff + ((c·H + h)·cap + p)·D + j]} (c = slot[r], p = pos[r] &lt; cap). A copy: no
     * arithmetic. slot and pos are host arrays.
     */
    void kvStore(MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap,
                 MemorySegment qkv, long qkvOff, long qkvStride,
                 int[] slot, int[] pos, int n, int h, int d);

    /**
     * Copies the cached key and value of position pos from slot fromSlot to slot toSlot in each of
     * {@code layers} layers (layer l's keys at {@code ktOff + l·layerStride}, its values at
     * {@code vOff + l·layerStride}; the layout of {@link #attentionCached}). A copy: no arithmetic.
     * Safe to call from several threads at once for different target slots.
     */
    void kvCopyPosition(MemorySegment kt, long ktOff, MemorySegment v, long vOff, long layerStride, int layers,
                        int cap, int fromSlot, int toSlot, int pos, int h, int d);

    /**
     * Integer CDFs from rows of 256 logits (procedure {@code nct-cdf-v1}, see
     * {@link IntegerCdfRow}): cum[r·257 .. r·257+256] gets the table of total 2^precision for the
     * logits of row r. Rows run in parallel; the bits depend only on each row's logits. logits is a
     * buffer of this backend; cum is host memory (the coders read it on the host).
     */
    void cdfRows(MemorySegment cum, long cumOff,          // (R,257) int32 out
                 MemorySegment logits, long lOff,         // (R,256)
                 int rows, int precision);

    /** The host worker pool of this backend (drivers parallelise host-side work, such as coder steps, on it). */
    Parallel pool();

    // ---------------------------------------------------------------- gated ReLU MLP

    /** out[i] = max(gate[i], 0)·up[i] ({@code Math.max}: NaN propagates, max(−0, 0) = +0). gate and up are separate (N) regions. */
    void reluGateForward(MemorySegment out, long outOff,   // (N)
                         MemorySegment gate, long gOff,    // (N)
                         MemorySegment up, long uOff,      // (N)
                         long n);

    /**
     * dgate[i] = +0 + dout·up where gate &gt; 0, else +0; dup[i] = +0 + max(gate,0)·dout. Both are
     * overwritten (their old values are never read); the "+0 +" turns a −0 product into +0, so the
     * bits are those of zeroing the buffers and accumulating into them.
     */
    void reluGateBackward(MemorySegment dgate, long dgOff,  // (N) out
                          MemorySegment dup, long duOff,    // (N) out
                          MemorySegment dout, long doOff,   // (N)
                          MemorySegment gate, long gOff,    // (N)
                          MemorySegment up, long uOff,      // (N)
                          long n);

    // ---------------------------------------------------------------- elementwise

    /** out[i] = a[i] + b[i] (out may alias a or b). */
    void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n);

    /** out[i] = 0 for i in [0, n). */
    void zero(MemorySegment out, long outOff, long n);

    // ---------------------------------------------------------------- embedding

    /** out[r,:] = table[tokens[r], :]. tokens are int32; one outside the table throws IllegalArgumentException. */
    void embeddingForward(MemorySegment out, long outOff,       // (R,C)
                          MemorySegment table, long tOff,       // (V,C)
                          MemorySegment tokens, long tokOff,    // (R) int32
                          int rows, int c);

    /**
     * dtable[tokens[r], i] = dtable[tokens[r], i] + dout[r, i], rows added in order r = 0..R-1 (no
     * atomics; threads split columns). A token outside [0, vocab) throws IllegalArgumentException.
     */
    void embeddingBackward(MemorySegment dtable, long dtOff,    // (V,C) accumulated
                           MemorySegment dout, long doOff,      // (R,C)
                           MemorySegment tokens, long tokOff,   // (R) int32
                           int rows, int c, int vocab);

    // ---------------------------------------------------------------- loss

    /**
     * Softmax cross-entropy with z-loss per row: lse = max + log(sum16(exp(l − max)))
     * ({@link NctMath#exp}, {@link NctMath#log}); loss[r] = (lse − l[target]) + (zLoss·lse)·lse.
     * Rows with target &lt; 0 are padding: loss[r] = +0 (lse is still computed). lse[r] is saved for
     * the backward pass. A target ≥ vocab throws IllegalArgumentException.
     */
    void crossEntropyForward(MemorySegment loss, long lossOff,      // (R) out
                             MemorySegment lse, long lseOff,        // (R) out
                             MemorySegment logits, long lOff,       // (R,V)
                             MemorySegment targets, long tgtOff,    // (R) int32
                             int rows, int vocab, float zLoss);

    /**
     * dlogits[r,i] = scale·(softmax_i·(1 + 2·zLoss·lse) − [i == target]); 0 for padding rows.
     * Exactly: f = (2·zLoss)·lse + 1; dlogits[i] = (exp(l[i] − lse)·f)·scale, at the target
     * ((exp(l[t] − lse)·f) − 1)·scale. Overwrites dlogits (it may alias logits).
     */
    void crossEntropyBackward(MemorySegment dlogits, long dlOff,    // (R,V) out
                              MemorySegment logits, long lOff,      // (R,V)
                              MemorySegment lse, long lseOff,       // (R)
                              MemorySegment targets, long tgtOff,   // (R) int32
                              int rows, int vocab, float zLoss, float scale);

    // ---------------------------------------------------------------- optimizers

    /**
     * AdamW over a flat range: m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
     * p -= lr·(m/(1−b1^t) / (sqrt(v/(1−b2^t)) + eps) + wd·p). bias corrections are passed in
     * (c1 = 1−b1^t, c2 = 1−b2^t) so the kernel needs no pow. Exactly: m = fma(b1, m, (1−b1)·g);
     * v = fma(b2, v, ((1−b2)·g)·g); u = fma(wd, p, (m/c1)/(sqrt(v/c2) + eps)); p = fma(−lr, u, p).
     */
    void adamw(MemorySegment p, long pOff, MemorySegment g, long gOff,
               MemorySegment m, long mOff, MemorySegment v, long vOff, long n,
               float lr, float b1, float b2, float c1, float c2, float eps, float wd);

    /**
     * Adafactor (T5X defaults: no momentum, factored second moments, update clipping,
     * parameter-scale) for one tensor of rows×cols (cols == n and rows == 1 for a vector).
     * When factored, vr (rows) and vc (cols) hold the row/column means of g²+eps1 as running
     * averages with decay beta2; otherwise v (rows·cols) holds the full average.
     * u = g / sqrt(v̂); u /= max(1, rms(u)/clip); p -= lr·max(eps2, rms(p))·u.
     * Factored, v̂[i,j] = vr[i]·vc[j]/mean(vr) enters as T5X computes it:
     * u = (g·(1/sqrt(vr[i]/mean(vr))))·(1/sqrt(vc[j])). Row sums and whole-tensor sums are
     * canonical 16-partial sums; the column sums of g²+eps1 are sequential chains over rows in
     * order. rms(p) is taken before the update. Single-threaded per tensor; the exact steps are in
     * docs/kernels-ops.md. vr and vc are unused (may be null) when not factored, v when factored.
     * scratch: at least rows·cols floats (holds u).
     */
    void adafactor(MemorySegment p, long pOff, MemorySegment g, long gOff,
                   MemorySegment vr, long vrOff, MemorySegment vc, long vcOff,
                   MemorySegment v, long vOff, MemorySegment scratch, long sOff,
                   int rows, int cols, boolean factored,
                   float lr, float beta2, float eps1, float eps2, float clip);

    /** Sum of squares of a flat range: canonical 16-partial fma sum (for gradient-norm clipping). */
    float sumSquares(MemorySegment x, long xOff, long n);

    /** x[i] *= s. */
    void scale(MemorySegment x, long xOff, long n, float s);

    /** Releases the backend: its workers, and every buffer of it not yet freed. */
    @Override
    default void close() { }
}
