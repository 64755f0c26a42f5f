package org.nct.container;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
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
import org.nct.model.BundledM1;
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

    static final long PROGRESS_FROM = 1 << 16;

    /** Options shared by the three commands. */
    static class ModelOptions {
        @Option(names = {"-m", "--model"}, description = "M1 checkpoint (.safetensors); default: the bundled M1 (" + BundledM1.SOURCE + ")") Path model;
        @Option(names = "--threads", description = "kernel threads (default: all processors)") Integer threads;
        @Option(names = "--streams", description = "blocks coded concurrently as one batch, 1..4096 (default: 64 with windows, 32 for AC)") Integer streams;

        /** The -m checkpoint, or the bundled M1 when -m is absent. */
        Weights weights() {
            if (model == null) {
                try {
                    return BundledM1.load();
                } catch (BundledM1.Missing e) {
                    throw new UserException(e.getMessage());
                } catch (IOException e) {
                    throw new UserException("cannot load the bundled M1: " + e.getMessage(), e);
                }
            }
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

        /** --streams, or {@code dflt} when absent (0: the default for the file's mode, when decoding). */
        int streams(int dflt) {
            if (streams == null) return dflt;
            if (streams < 1 || streams > 4096) throw new UserException("--streams must be 1..4096 (blocks coded at once), got " + streams);
            return streams;
        }
    }

    /**
     * Refuses an output that is the input or the model (compared as real files, through links and
     * relative paths): writing it would destroy what is being read.
     */
    static void checkOutput(String out, String in, Path model) {
        if (out.equals("-")) return;
        Path o = Path.of(out);
        if (!Files.exists(o)) return;
        try {
            if (!in.equals("-") && Files.exists(Path.of(in)) && Files.isSameFile(o, Path.of(in))) {
                throw new UserException("output " + out + " is the input file; refusing to overwrite it");
            }
            if (model != null && Files.exists(model) && Files.isSameFile(o, model)) {
                throw new UserException("output " + out + " is the model file; refusing to overwrite it");
            }
        } catch (IOException e) {
            throw new UserException("cannot check output " + out + ": " + e.getMessage());
        }
    }

    /**
     * Writes to stdout or atomically to a file. Standard output is written through its file
     * descriptor, so a full disk or a closed pipe is an error (System.out would swallow it).
     */
    static void writeOutput(String out, AtomicFiles.Writer writer) throws IOException {
        if (out.equals("-")) {
            OutputStream o = new BufferedOutputStream(new StdoutStream(), 1 << 16);
            try {
                writer.write(o);
                o.flush();
            } catch (StdoutError e) {
                throw new UserException("cannot write to standard output: " + e.getMessage());
            }
        } else {
            AtomicFiles.write(Path.of(out), writer);
        }
    }

    /** A failed write to standard output (as opposed to an error reading the input). */
    static final class StdoutError extends IOException {
        StdoutError(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Standard output through its file descriptor: every write error is a {@link StdoutError}. */
    static final class StdoutStream extends OutputStream {
        private final FileOutputStream fd = new FileOutputStream(FileDescriptor.out);

        @Override
        public void write(int b) throws IOException {
            try {
                fd.write(b);
            } catch (IOException e) {
                throw new StdoutError(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                fd.write(b, off, len);
            } catch (IOException e) {
                throw new StdoutError(e);
            }
        }
    }

    /** Prints a line on standard output; an output error (full disk, closed pipe) is an error, not a silent loss. */
    static void printLine(String line) {
        System.out.println(line);
        if (System.out.checkError()) throw new UserException("cannot write to standard output");
    }

    static InputStream openInput(String in) throws IOException {
        if (in.equals("-")) return new BufferedInputStream(System.in, 1 << 16);
        Path p = Path.of(in);
        if (Files.isDirectory(p)) throw new UserException(in + " is a directory");
        try {
            return new BufferedInputStream(Files.newInputStream(p), 1 << 16);
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
        int streams = mo.streams(0);
        try (Weights w = mo.weights(); Kernels k = mo.kernels(); InputStream i = openInput(in)) {
            long size = in.equals("-") ? 0 : Files.size(Path.of(in));
            Progress bar = size >= PROGRESS_FROM / 4 ? new Progress(label, 0, "steps") : null;
            LongConsumer pc = bar == null ? null : bar::set;
            long n = NctCodec.decompress(models(w, k), i, out, streams, pc);
            if (bar != null) bar.close();
            return n;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Compress a file with M1 into the .nct format (use - for stdin/stdout); any size, in bounded memory.")
    public static final class Compress implements Runnable {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @Option(names = "--window", defaultValue = "0", description = "Equal-Info window bits (16, 24, 32, 64, 128); 0: plain AC per block (default)") int window;
        @Option(names = "--rule", defaultValue = "g", description = "window rule: g (lossless, default), delay, greedy (refused unless it round-trips)") String rule;
        @Option(names = "--block-size", description = "bytes per independent block, 1..65536 (default: 1024 with windows, 2048 for AC)") Integer blockSize;
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
                s = new NctCodec.Settings(window, r, blockSize == null ? d.blockSize() : blockSize, mo.streams(d.streams()));
                if (window != 0 && window < precision) throw new IllegalArgumentException("--window must be at least --precision (" + precision + ")");
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            checkOutput(out, in, mo.model);
            long size;
            try (InputStream input = openInput(in); Weights w = mo.weights(); Kernels k = mo.kernels()) {
                size = in.equals("-") ? 0 : Files.size(Path.of(in));
                CodingModel model = new CodingModel(w, k, precision);
                Progress bar = size >= PROGRESS_FROM ? new Progress("compress", size, "B") : null;
                long t0 = System.nanoTime();
                long[] counts = {0, 0};
                writeOutput(out, o -> {
                    CountingStream c = new CountingStream(o);
                    counts[0] = NctCodec.compress(model, s, input, c, bar == null ? null : n -> bar.set(Math.min(n, size)));
                    c.flush();
                    counts[1] = c.count;
                });
                if (bar != null) bar.close();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (!out.equals("-") && counts[0] == 0) {
                    System.err.printf(Locale.ROOT, "nct compress: 0 -> %d bytes (empty input: header and trailer only)%n", counts[1]);
                } else if (!out.equals("-")) {
                    System.err.printf(Locale.ROOT, "nct compress: %d -> %d bytes (ratio %.3f, %.3f bits/byte) in %.1f s (%.1f KB/s)%n",
                            counts[0], counts[1], counts[0] / (double) Math.max(1, counts[1]),
                            8.0 * counts[1] / Math.max(1, counts[0]), secs, counts[0] / 1000.0 / secs);
                }
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            } catch (IOException e) {
                throw new UserException("cannot compress " + in + " to " + out + ": " + e.getMessage(), e);
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
            checkOutput(out, in, mo.model);
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
            long n;
            try {
                n = decode(mo, file, OutputStream.nullOutputStream(), "verify");
            } catch (NctFormatException e) {
                throw new UserException(file + ": " + e.getMessage(), 2);
            } catch (IOException e) {
                throw new UserException(e.getMessage(), e);
            }
            printLine(file + ": OK (" + n + " bytes, checksums match)");
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
