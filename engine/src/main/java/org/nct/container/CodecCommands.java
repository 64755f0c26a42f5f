package org.nct.container;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.nct.cli.UserException;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import org.nct.util.AtomicFiles;
import org.nct.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code compress}, {@code decompress} and {@code verify} commands. */
public final class CodecCommands {
    private CodecCommands() { }

    /** Inputs above this size are refused (the compressor holds the input in memory). */
    static final long MAX_INPUT = 1L << 30;
    static final long PROGRESS_FROM = 1 << 16;

    /** Options shared by the three commands. */
    static class ModelOptions {
        @Option(names = {"-m", "--model"}, required = true, description = "M1 checkpoint (.safetensors) from nct train") Path model;
        @Option(names = "--threads", description = "kernel threads (default: all processors)") Integer threads;
        @Option(names = "--streams", description = "blocks coded concurrently as one batch (default: 64 with windows, 32 for AC)") Integer streams;

        Weights weights() {
            if (!Files.isRegularFile(model)) throw new UserException("no such checkpoint: " + model);
            try {
                return Checkpoint.loadWeights(model);
            } catch (IOException e) {
                throw new UserException("cannot load " + model + ": " + e.getMessage(), e);
            }
        }

        Kernels kernels() {
            if (threads != null && (threads < 1 || threads > 1024)) throw new UserException("--threads must be 1..1024, got " + threads);
            return threads == null ? Backends.create() : Backends.create(threads);
        }
    }

    static byte[] readInput(String in) {
        try {
            if (in.equals("-")) {
                byte[] b = System.in.readNBytes((int) MAX_INPUT + 1);
                if (b.length > MAX_INPUT) throw new UserException("input larger than 1 GiB is not supported");
                return b;
            }
            Path p = Path.of(in);
            if (!Files.isRegularFile(p)) throw new UserException("no such file: " + in);
            if (Files.size(p) > MAX_INPUT) throw new UserException("input larger than 1 GiB is not supported: " + in);
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UserException("cannot read " + in + ": " + e.getMessage(), e);
        }
    }

    /** Writes to stdout or atomically to a file. */
    static void writeOutput(String out, AtomicFiles.Writer writer) throws IOException {
        if (out.equals("-")) {
            OutputStream o = new BufferedOutputStream(System.out, 1 << 16);
            writer.write(o);
            o.flush();
        } else {
            AtomicFiles.write(Path.of(out), writer);
        }
    }

    static InputStream openInput(String in) throws IOException {
        if (in.equals("-")) return new BufferedInputStream(System.in, 1 << 16);
        try {
            return new BufferedInputStream(Files.newInputStream(Path.of(in)), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new UserException("no such file: " + in);
        }
    }

    /** Builds coding models of any precision on demand over one set of weights. */
    static IntFunction<CodingModel> models(Weights w, Kernels k) {
        Map<Integer, CodingModel> m = new HashMap<>();
        return p -> m.computeIfAbsent(p, q -> new CodingModel(w, k, q));
    }

    static long decode(ModelOptions mo, String in, OutputStream out, String label) throws IOException {
        try (Weights w = mo.weights(); Kernels k = mo.kernels(); InputStream i = openInput(in)) {
            long size = in.equals("-") ? 0 : Files.size(Path.of(in));
            Progress bar = size >= PROGRESS_FROM / 4 ? new Progress(label, 0, "steps") : null;
            LongConsumer pc = bar == null ? null : bar::set;
            long n = NctCodec.decompress(models(w, k), i, out, mo.streams == null ? 0 : mo.streams, pc);
            if (bar != null) bar.close();
            return n;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Compress a file with M1 into the .nct format (use - for stdin/stdout).")
    public static final class Compress implements Runnable {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @Option(names = "--window", defaultValue = "0", description = "Equal-Info window bits (16, 24, 32, 64, 128); 0: plain AC per block (default)") int window;
        @Option(names = "--rule", defaultValue = "g", description = "window rule: g (lossless, default), delay, greedy (refused unless it round-trips)") String rule;
        @Option(names = "--block-size", description = "bytes per independent block (default: 1024 with windows, 2048 for AC)") Integer blockSize;
        @Option(names = "--precision", defaultValue = "16", description = "log2 of the CDF total: 16 (default) or 14 (the paper's)") int precision;
        @Parameters(index = "0", paramLabel = "IN") String in;
        @Parameters(index = "1", paramLabel = "OUT") String out;

        @Override
        public void run() {
            WindowRule r;
            NctCodec.Settings s;
            try {
                r = WindowRule.parse(rule);
                IntegerCdf.checkPrecision(precision);
                NctCodec.Settings d = NctCodec.Settings.defaults(window, r);
                s = new NctCodec.Settings(window, r, blockSize == null ? d.blockSize() : blockSize, mo.streams == null ? d.streams() : mo.streams);
                if (window != 0 && window < precision) throw new IllegalArgumentException("--window must be at least --precision (" + precision + ")");
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            byte[] data = readInput(in);
            try (Weights w = mo.weights(); Kernels k = mo.kernels()) {
                CodingModel model = new CodingModel(w, k, precision);
                Progress bar = data.length >= PROGRESS_FROM ? new Progress("compress", data.length, "B") : null;
                long t0 = System.nanoTime();
                long[] written = {0};
                writeOutput(out, o -> {
                    CountingStream c = new CountingStream(o);
                    NctCodec.compress(model, s, data, data.length, c, bar == null ? null : n -> bar.set(Math.min(n, data.length)));
                    c.flush();
                    written[0] = c.count;
                });
                if (bar != null) bar.close();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (!out.equals("-") && data.length == 0) {
                    System.err.printf(Locale.ROOT, "nct compress: 0 -> %d bytes (empty input: header only)%n", written[0]);
                } else if (!out.equals("-")) {
                    System.err.printf(Locale.ROOT, "nct compress: %d -> %d bytes (ratio %.3f, %.3f bits/byte) in %.1f s (%.1f KB/s)%n",
                            data.length, written[0], data.length / (double) Math.max(1, written[0]),
                            8.0 * written[0] / Math.max(1, data.length), secs, data.length / 1000.0 / secs);
                }
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            } catch (IOException e) {
                throw new UserException("cannot write " + out + ": " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "decompress", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Decompress an .nct file with the M1 that compressed it (use - for stdin/stdout).")
    public static final class Decompress implements Runnable {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @Parameters(index = "0", paramLabel = "IN") String in;
        @Parameters(index = "1", paramLabel = "OUT") String out;

        @Override
        public void run() {
            try {
                writeOutput(out, o -> decode(mo, in, o, "decompress"));
            } catch (NctFormatException e) {
                throw new UserException(in + ": " + e.getMessage(), 2);
            } catch (IOException e) {
                throw new UserException(e.getMessage(), e);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Decode an .nct file and check it against its checksums; writes nothing.")
    public static final class Verify implements Runnable {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @Parameters(index = "0", paramLabel = "FILE") String file;

        @Override
        public void run() {
            try {
                long n = decode(mo, file, OutputStream.nullOutputStream(), "verify");
                System.out.println(file + ": OK (" + n + " bytes, checksums match)");
            } catch (NctFormatException e) {
                throw new UserException(file + ": " + e.getMessage(), 2);
            } catch (IOException e) {
                throw new UserException(e.getMessage(), e);
            }
        }
    }

    /** Counts bytes written through it. */
    static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
