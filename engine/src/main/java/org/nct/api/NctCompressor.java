package org.nct.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
 * The embeddable nct compressor: M1 from a checkpoint (or the bundled M1, {@link #open()}),
 * compressing to and from the .nct format.
 * Thread-safe: calls may come from any thread (they share M1's kernels and run one batch at a time,
 * each batch using all of the kernels' threads).
 *
 * <pre>{@code
 * try (NctCompressor nct = NctCompressor.open()) {          // the bundled M1; open(Path) for another
 *     byte[] packed = nct.compress(text);
 *     byte[] back = nct.decompress(packed);
 * }
 * }</pre>
 */
public final class NctCompressor implements AutoCloseable {
    private final Weights weights;
    private final Kernels kernels;
    private final boolean ownsKernels;
    private final NctCodec.Settings settings;
    private final int precision;
    private final Map<Integer, CodingModel> models = new HashMap<>();

    private NctCompressor(Weights weights, Kernels kernels, boolean ownsKernels, NctCodec.Settings settings, int precision) {
        this.weights = weights;
        this.kernels = kernels;
        this.ownsKernels = ownsKernels;
        this.settings = settings;
        this.precision = IntegerCdf.checkPrecision(precision);
    }

    /**
     * Opens the bundled M1 ({@code models/m1.safetensors}, packaged in the engine jar) with the
     * default settings of {@link #open(Path)}.
     *
     * @throws BundledM1.Missing when this build carries no bundled M1
     */
    public static NctCompressor open() throws IOException {
        return new NctCompressor(BundledM1.load(), Backends.create(), true, NctCodec.Settings.defaults(16, WindowRule.G),
                IntegerCdf.DEFAULT_PRECISION);
    }

    /** Opens a checkpoint with the default settings: EqualInfoAC windows of 16 bits, rule G, 2^16 CDFs. */
    public static NctCompressor open(Path checkpoint) throws IOException {
        return open(checkpoint, NctCodec.Settings.defaults(16, WindowRule.G), IntegerCdf.DEFAULT_PRECISION);
    }

    /** Opens a checkpoint with the given settings and CDF precision, on the default kernel backend. */
    public static NctCompressor open(Path checkpoint, NctCodec.Settings settings, int precision) throws IOException {
        return new NctCompressor(Checkpoint.loadWeights(checkpoint), Backends.create(), true, settings, precision);
    }

    /** Uses weights and kernels the caller owns (closing this compressor closes neither). */
    public static NctCompressor of(Weights weights, Kernels kernels, NctCodec.Settings settings, int precision) {
        return new NctCompressor(weights, kernels, false, settings, precision);
    }

    private synchronized CodingModel model(int p) {
        return models.computeIfAbsent(p, q -> new CodingModel(weights, kernels, q));
    }

    /** The id of M1 at this compressor's precision, as recorded in .nct headers (hex). */
    public String modelId() {
        return model(precision).idHex();
    }

    public byte[] compress(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
        try {
            NctCodec.compress(model(precision), settings, data, data.length, out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** @throws NctFormatException when the data is not an .nct file of this model, or is damaged */
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

    /** Decompresses an .nct stream to {@code out}; returns the number of bytes written. */
    public long decompress(InputStream in, OutputStream out) throws IOException {
        return NctCodec.decompress(this::model, in, out, settings.streams(), null);
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

    @Override
    public void close() {
        if (ownsKernels) {
            kernels.close();
            weights.close();
        }
    }
}
