package org.nct.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;

/**
 * A model's parameters: its config, the flat layout and one off-heap float buffer (64-byte
 * aligned, native order) holding every tensor at its layout offset. Owns its memory; close it.
 *
 * <p>This is host memory: the image that initialisation, checkpoints and the model id read and
 * write. A model class runs on a backend's buffer of the parameters, {@link #onBackend}: on the
 * CPU that is this memory itself (no copy: the model and these weights are one), on a device a
 * copy, which {@link #readBack} brings back here (a trainer does so before it saves).
 */
public final class Weights implements AutoCloseable {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final Arena arena;
    private final MemorySegment params;

    private Weights(ModelConfig config) {
        this.config = config;
        this.layout = new ParameterLayout(config);
        this.arena = Arena.ofShared();
        this.params = Buffers.floats(arena, layout.size());
    }

    /** Zero-filled parameters. */
    public static Weights allocate(ModelConfig config) {
        return new Weights(config);
    }

    /**
     * T5X initialisation, deterministic in {@code seed} (SplittableRandom and a Box–Muller normal
     * in StrictMath, so the bits do not depend on the JVM): embed N(0,1); q rows N(0,(C·D)^-½);
     * k and v rows N(0,C^-½); attention out N(0,(H·D)^-½); gate and up N(0,C^-½); down N(0,F^-½);
     * lm_head N(0,C^-½); norms 1; rel_bias 0.1·N(0,1). Standard deviations are given.
     */
    public static Weights init(ModelConfig config, long seed) {
        Weights w = new Weights(config);
        SplittableRandom rng = new SplittableRandom(seed);
        ParameterLayout l = w.layout;
        int v = config.vocabSize(), c = config.dModel(), a = config.attnDim(), f = config.mlpDim();
        w.normal(rng, l.embed(), (long) v * c, 1.0);
        for (int i = 0; i < config.numLayers(); i++) {
            ParameterLayout.Layer y = l.layer(i);
            w.fill(y.attnNorm(), c, 1f);
            w.normal(rng, y.qkv(), (long) a * c, 1.0 / Math.sqrt((double) c * config.headDim()));
            w.normal(rng, y.qkv() + (long) a * c, 2L * a * c, 1.0 / Math.sqrt(c));
            w.normal(rng, y.relBias(), (long) config.numHeads() * config.numBuckets(), 0.1);
            w.normal(rng, y.out(), (long) c * a, 1.0 / Math.sqrt(a));
            w.fill(y.mlpNorm(), c, 1f);
            w.normal(rng, y.gate(), (long) f * c, 1.0 / Math.sqrt(c));
            w.normal(rng, y.up(), (long) f * c, 1.0 / Math.sqrt(c));
            w.normal(rng, y.down(), (long) c * f, 1.0 / Math.sqrt(f));
        }
        w.fill(l.finalNorm(), c, 1f);
        w.normal(rng, l.lmHead(), (long) v * c, 1.0 / Math.sqrt(c));
        return w;
    }

    private void fill(long off, long n, float value) {
        for (long i = 0; i < n; i++) params.setAtIndex(F, off + i, value);
    }

    private void normal(SplittableRandom rng, long off, long n, double std) {
        for (long i = 0; i < n; i += 2) {
            double u1 = 1.0 - rng.nextDouble();              // (0, 1]
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double t = 2.0 * StrictMath.PI * u2;
            params.setAtIndex(F, off + i, (float) (std * r * StrictMath.cos(t)));
            if (i + 1 < n) params.setAtIndex(F, off + i + 1, (float) (std * r * StrictMath.sin(t)));
        }
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The flat parameter buffer ({@link ParameterLayout#size()} floats). */
    public MemorySegment params() {
        return params;
    }

    /**
     * The parameters as a buffer of {@code k}: on a {@link Kernels#hostResident() host-resident}
     * backend this memory itself (writes by the backend's kernels are writes to these weights);
     * otherwise a new buffer of k holding a copy, which the caller frees with {@link #release}.
     */
    public MemorySegment onBackend(Kernels k) {
        if (k.hostResident()) return params;
        MemorySegment b = k.allocateFloats(layout.size());
        k.copy(b, 0, params, 0, layout.size());
        return b;
    }

    /** Copies a buffer made by {@link #onBackend} back into these weights (nothing when it is this memory). */
    public void readBack(Kernels k, MemorySegment buffer) {
        if (buffer != params) k.copy(params, 0, buffer, 0, layout.size());
    }

    /** Frees a buffer made by {@link #onBackend} (nothing when it is this memory). */
    public void release(Kernels k, MemorySegment buffer) {
        if (buffer != params) k.free(buffer);
    }

    /** A view of one tensor's floats. */
    public MemorySegment tensor(String name) {
        ParameterLayout.Tensor t = layout.tensor(name);
        if (t == null) throw new IllegalArgumentException("no tensor named '" + name + "'");
        return params.asSlice(t.offset() * Float.BYTES, t.size() * Float.BYTES);
    }

    /** A copy with its own memory. */
    public Weights copy() {
        Weights w = new Weights(config);
        MemorySegment.copy(params, 0, w.params, 0, layout.size() * Float.BYTES);
        return w;
    }

    @Override
    public void close() {
        arena.close();
    }
}
