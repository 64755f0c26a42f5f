package org.nct.api;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowRule;
import org.nct.container.NctCodec;
import org.nct.container.NctFormatException;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;

/**
 * The embeddable nct compressor: M1 from a checkpoint (or the bundled M1), compressing to and from
 * the .nct format (the same bytes as {@code nct compress} with the same settings).
 *
 * <pre>{@code
 * try (NctCompressor nct = NctCompressor.builder().build()) {   // the bundled M1; .model(path) for another
 *     byte[] packed = nct.compress(text);
 *     byte[] back = nct.decompress(packed);
 * }
 * }</pre>
 *
 * <p><b>Settings.</b> {@link #builder()} sets the coding mode ({@link Builder#window}, {@link Builder#rule},
 * {@link Builder#blockSize}, {@link Builder#precision}), the parallelism ({@link Builder#threads},
 * {@link Builder#streams}) and where M1 comes from ({@link Builder#model} or caller-owned
 * {@link Builder#weights}/{@link Builder#kernels}). The defaults are those of the README: Equal-Info
 * windows of 16 bits, rule G, CDFs of 2^16, all processors. Decompression reads the mode from the
 * file; only the model must match.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. Coding calls share M1's kernels
 * and run one batch at a time (each batch uses all of the kernels' threads), whatever their
 * precision: a compress racing a decompress gives the same bytes as the two run one after the
 * other. A stream from {@link #compressingStream}/{@link #decompressingStream} is itself for one
 * thread at a time, like any {@code OutputStream}/{@code InputStream}.
 *
 * <p><b>Errors.</b> Damaged input, or input compressed with another model, is an
 * {@link NctFormatException}, thrown before any byte of the damaged batch is returned.
 *
 * <p><b>Running it.</b> On the class path nct needs the JVM option
 * {@code --add-modules jdk.incubator.vector}; the CUDA backend also needs
 * {@code --enable-native-access}. M1's weights and key/value caches live in native memory.
 * README.md, section "Using nct as a library", lists the options and the memory in one place.
 */
public final class NctCompressor implements AutoCloseable {
    private final Weights weights;
    private final Kernels kernels;
    private final boolean ownsWeights;
    private final boolean ownsKernels;
    private final NctCodec.Settings settings;
    private final int precision;
    private final Map<Integer, CodingModel> models = new HashMap<>();

    private NctCompressor(Weights weights, boolean ownsWeights, Kernels kernels, boolean ownsKernels, NctCodec.Settings settings, int precision) {
        this.weights = weights;
        this.ownsWeights = ownsWeights;
        this.kernels = kernels;
        this.ownsKernels = ownsKernels;
        this.settings = settings;
        this.precision = precision;
    }

    /** A builder with the default settings (see the class comment); the bundled M1 unless a model or weights are set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the bundled M1 ({@code models/m1.safetensors}, packaged in the engine jar) with the
     * default settings of {@link #open(Path)}. The same as {@code builder().build()}.
     *
     * @throws BundledM1.Missing when this build carries no bundled M1
     */
    public static NctCompressor open() throws IOException {
        return builder().build();
    }

    /**
     * Opens a checkpoint with the default settings: EqualInfoAC windows of 16 bits, rule G, 2^16 CDFs.
     * The same as {@code builder().model(checkpoint).build()}.
     */
    public static NctCompressor open(Path checkpoint) throws IOException {
        return builder().model(checkpoint).build();
    }

    /** Opens a checkpoint with the given settings and CDF precision, on the default kernel backend. */
    public static NctCompressor open(Path checkpoint, NctCodec.Settings settings, int precision) throws IOException {
        return builder().model(checkpoint).settings(settings).precision(precision).build();
    }

    /** Uses weights and kernels the caller owns (closing this compressor closes neither). */
    public static NctCompressor of(Weights weights, Kernels kernels, NctCodec.Settings settings, int precision) {
        try {
            return builder().weights(weights).kernels(kernels).settings(settings).precision(precision).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);           // nothing is read when the weights are given
        }
    }

    /**
     * Settings of an {@link NctCompressor}. Each setter checks its value at once
     * ({@link IllegalArgumentException}); {@link #build()} checks them together.
     */
    public static final class Builder {
        private Path model;
        private Weights weights;
        private Kernels kernels;
        private Integer threads;
        private int window = 16;
        private WindowRule rule = WindowRule.G;
        private Integer blockSize;
        private Integer streams;
        private int precision = IntegerCdf.DEFAULT_PRECISION;

        private Builder() { }

        /** The M1 checkpoint ({@code .safetensors} from {@code nct train}); loaded by {@link #build()} and closed with the compressor. */
        public Builder model(Path checkpoint) {
            this.model = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /** M1's weights, owned by the caller (instead of {@link #model}); closing the compressor does not close them. */
        public Builder weights(Weights w) {
            this.weights = Objects.requireNonNull(w, "weights");
            return this;
        }

        /** Kernels owned by the caller, e.g. shared by several compressors (instead of {@link #threads}); not closed with the compressor. */
        public Builder kernels(Kernels k) {
            this.kernels = Objects.requireNonNull(k, "kernels");
            return this;
        }

        /** Kernel threads when the compressor makes its own kernels, 1..1024 (default: all processors). Never changes a coded bit. */
        public Builder threads(int n) {
            if (n < 1 || n > 1024) throw new IllegalArgumentException("threads must be 1..1024, got " + n);
            this.threads = n;
            return this;
        }

        /** Equal-Info window bits: 16, 24, ..., 128; 0 for plain arithmetic coding per block (default 16). */
        public Builder window(int bits) {
            if (bits != 0 && (bits < 16 || bits > 128 || bits % 8 != 0)) {
                throw new IllegalArgumentException("window must be 0 (plain AC) or a multiple of 8 from 16 to 128, got " + bits);
            }
            this.window = bits;
            return this;
        }

        /** The window rule (default G, lossless by construction). */
        public Builder rule(WindowRule r) {
            this.rule = Objects.requireNonNull(r, "rule");
            return this;
        }

        /** Bytes per independent block, 1..65536 (default: 1024 with windows, 2048 for plain AC). */
        public Builder blockSize(int bytes) {
            if (bytes < 1 || bytes > org.nct.container.NctHeader.MAX_BLOCK) {
                throw new IllegalArgumentException("block size must be 1.." + org.nct.container.NctHeader.MAX_BLOCK + " bytes, got " + bytes);
            }
            this.blockSize = bytes;
            return this;
        }

        /** Blocks coded at once as one batch, 1..4096 (default: 64 with windows, 32 for plain AC). Never changes a coded bit. */
        public Builder streams(int n) {
            if (n < 1 || n > 4096) throw new IllegalArgumentException("streams must be 1..4096, got " + n);
            this.streams = n;
            return this;
        }

        /** log2 of the CDF total used when compressing, 9..16 (default 16; the paper's is 14). */
        public Builder precision(int bits) {
            this.precision = IntegerCdf.checkPrecision(bits);
            return this;
        }

        /** Window, rule, block size and streams at once (as {@code nct compress}'s options). */
        public Builder settings(NctCodec.Settings s) {
            window(s.windowBits());
            rule(s.rule());
            blockSize(s.blockSize());
            streams(s.streams());
            return this;
        }

        /**
         * Loads the model (when given by path), makes the kernels (unless given) and returns the
         * compressor.
         *
         * @throws IllegalStateException when both a model path and weights were given, or both
         *         kernels and threads
         * @throws BundledM1.Missing when neither was given and this build carries no bundled M1
         * @throws IOException when the checkpoint cannot be read
         */
        public NctCompressor build() throws IOException {
            if (model != null && weights != null) throw new IllegalStateException("give at most one of model(path) and weights(w)");
            if (kernels != null && threads != null) throw new IllegalStateException("threads(n) applies only to kernels the compressor makes; not with kernels(k)");
            NctCodec.Settings d = NctCodec.Settings.defaults(window, rule);
            NctCodec.Settings s = new NctCodec.Settings(window, rule, blockSize != null ? blockSize : d.blockSize(), streams != null ? streams : d.streams());
            Weights w = weights != null ? weights : model != null ? Checkpoint.loadWeights(model) : BundledM1.load();
            Kernels k;
            try {
                k = kernels != null ? kernels : threads != null ? Backends.create(threads) : Backends.create();
            } catch (RuntimeException e) {
                if (weights == null) w.close();
                throw e;
            }
            return new NctCompressor(w, weights == null, k, kernels == null, s, precision);
        }
    }

    private synchronized CodingModel model(int p) {
        return models.computeIfAbsent(p, q -> new CodingModel(weights, kernels, q));
    }

    /** The id of M1 at this compressor's precision, as recorded in .nct headers (hex). */
    public String modelId() {
        return model(precision).idHex();
    }

    /** The coding settings used when compressing (decompression takes them from the file). */
    public NctCodec.Settings settings() {
        return settings;
    }

    /** The CDF precision used when compressing. */
    public int precision() {
        return precision;
    }

    /** Compresses all of {@code data} to a complete .nct file. */
    public byte[] compress(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
        try {
            NctCodec.compress(model(precision), settings, data, data.length, out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Compresses the remaining bytes of {@code data} (its position moves to its limit) to a new
     * heap buffer holding a complete .nct file, positioned at 0.
     */
    public ByteBuffer compress(ByteBuffer data) {
        return ByteBuffer.wrap(compress(remaining(data)));
    }

    /**
     * Compresses everything {@code in} holds to {@code out} as one .nct file, in bounded memory
     * (a batch of frames at a time); closes neither. Returns the number of bytes read.
     */
    public long compress(InputStream in, OutputStream out) throws IOException {
        return NctCodec.compress(model(precision), settings, in, out, null);
    }

    /** {@link #compress(InputStream, OutputStream)} over channels; closes neither. */
    public long compress(ReadableByteChannel in, WritableByteChannel out) throws IOException {
        OutputStream o = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
        long n = compress(Channels.newInputStream(in), o);
        o.flush();
        return n;
    }

    /**
     * Decompresses a complete .nct file (version 1 or 2) held in {@code nct}.
     *
     * @throws NctFormatException when the data is not an .nct file of this model, or is damaged
     */
    public byte[] decompress(byte[] nct) throws NctFormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            NctCodec.decompress(this::model, new ByteArrayInputStream(nct), out, settings.streams(), null);
        } catch (NctFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Decompresses the remaining bytes of {@code nct} (its position moves to its limit) to a new
     * heap buffer, positioned at 0.
     *
     * @throws NctFormatException when the data is not an .nct file of this model, or is damaged
     */
    public ByteBuffer decompress(ByteBuffer nct) throws NctFormatException {
        return ByteBuffer.wrap(decompress(remaining(nct)));
    }

    /** Decompresses an .nct stream to {@code out}; returns the number of bytes written. Closes neither. */
    public long decompress(InputStream in, OutputStream out) throws IOException {
        return NctCodec.decompress(this::model, in, out, settings.streams(), null);
    }

    /**
     * {@link #decompress(InputStream, OutputStream)} over channels; closes neither. The .nct data
     * must be all that {@code in} holds (bytes after the trailer are an error).
     */
    public long decompress(ReadableByteChannel in, WritableByteChannel out) throws IOException {
        OutputStream o = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
        long n = decompress(new BufferedInputStream(Channels.newInputStream(in), 1 << 16), o);
        o.flush();
        return n;
    }

    /**
     * A stream that compresses everything written to it into {@code sink}, a batch of frames at a
     * time (bounded memory, any length); closing it writes the rest and the trailer and closes
     * {@code sink}.
     */
    public OutputStream compressingStream(OutputStream sink) {
        NctCodec.Encoder enc = new NctCodec.Encoder(model(precision), settings, sink, null);
        return new FilterOutputStream(enc) {
            private boolean closed;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                enc.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                if (closed) return;
                closed = true;
                try {
                    enc.finish();
                } finally {
                    sink.close();      // the caller's stream (FilterOutputStream's own field 'out' is the encoder)
                }
            }
        };
    }

    /**
     * A stream of the original bytes of the .nct stream {@code in} (version 1 or 2), decoded a
     * batch at a time in bounded memory; each batch is returned only after its checks pass, the
     * last one only after the whole file's. Damage surfaces as an {@link NctFormatException} from
     * {@code read}. Closing closes {@code in}.
     */
    public InputStream decompressingStream(InputStream in) {
        return new NctCodec.Decoder(this::model, in, settings.streams(), null);
    }

    /** Closes the weights and kernels this compressor made (from {@link Builder#model}, {@link Builder#threads}); never the caller's. */
    @Override
    public void close() {
        if (ownsKernels) kernels.close();
        if (ownsWeights) weights.close();
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
