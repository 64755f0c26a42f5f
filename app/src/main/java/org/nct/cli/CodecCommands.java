package org.nct.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.nct.InvalidInputException;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowRule;
import org.nct.container.NctCodec;
import org.nct.container.NctFormatException;
import org.nct.container.NctSummary;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import org.nct.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code compress}, {@code decompress} and {@code verify} commands. Where each input goes (default
 * names, -c, -o, -f, --rm) and the refusals are {@link OutputTarget}'s; here is the coding. Every check
 * that can fail before work begins is made for all inputs first; a failure while coding one input is
 * reported and the others go on; the exit code is 1 when any input failed.
 */
public final class CodecCommands {
    private CodecCommands() { }

    static final long PROGRESS_FROM = 1 << 16;

    /** Options shared by the three commands. */
    static class ModelOptions {
        @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();
        @Option(names = {"-m", "--model"}, description = "M1 checkpoint (.safetensors); default: the bundled M1 (" + BundledM1.SOURCE + ")") Path model;
        @Option(names = "--threads", description = "kernel threads (default: all processors)") Integer threads;
        @Option(names = "--streams", description = "blocks coded concurrently as one batch, 1..4096 (default: 64 with windows, 32 for AC)") Integer streams;

        /** The -m checkpoint, or the bundled M1 when -m is absent. */
        Weights weights() {
            if (model == null) {
                try {
                    return BundledM1.load();
                } catch (BundledM1.Missing e) {
                    throw new InvalidInputException("no bundled M1 in this build (" + BundledM1.SOURCE + "); pass -m MODEL", e);
                } catch (IOException e) {
                    throw new InvalidInputException("cannot load the bundled M1: " + e.getMessage(), e);
                }
            }
            if (!Files.isRegularFile(model)) throw new InvalidInputException("no such checkpoint: " + model);
            try {
                return Checkpoint.loadWeights(model);
            } catch (IOException e) {
                throw new InvalidInputException("cannot load " + model + ": " + e.getMessage(), e);
            }
        }

        Kernels kernels() {
            if (threads != null && (threads < 1 || threads > 1024)) throw new InvalidInputException("--threads must be 1..1024, got " + threads);
            return threads == null ? Backends.create() : Backends.create(threads);
        }

        /** --streams, or {@code dflt} when absent (0: the default for the file's mode, when decoding). */
        int streams(int dflt) {
            if (streams == null) return dflt;
            if (streams < 1 || streams > 4096) throw new InvalidInputException("--streams must be 1..4096 (blocks coded at once), got " + streams);
            return streams;
        }
    }

    /** Builds coding models of any precision on demand over one set of weights. */
    static IntFunction<CodingModel> models(Weights w, Kernels k) {
        Map<Integer, CodingModel> m = new HashMap<>();
        return p -> m.computeIfAbsent(p, q -> new CodingModel(w, k, q));
    }

    /** Reports a failed input as one line, "nct CMD: error: ...", and lets the command go on with the rest. */
    static void report(CommandSpec spec, InvalidInputException e) {
        if (System.getenv("NCT_DEBUG") != null) e.printStackTrace();
        spec.commandLine().getErr().println("nct " + spec.name() + ": error: " + OptionNames.message(e, spec));
    }

    /** A line on stderr (summaries, notes), unless -q. */
    static void note(CommandSpec spec, OutputTarget.Options oo, String line) {
        if (!oo.quiet) spec.commandLine().getErr().println("nct " + spec.name() + ": " + line);
    }

    /**
     * The jobs of a command after every check that can fail before work begins; the failures are
     * reported all together and then nothing is written (null).
     */
    static List<OutputTarget.Job> plan(CommandSpec spec, List<String> files, OutputTarget.Direction d, OutputTarget.Options oo, Path model) {
        OutputTarget.quietLogs(oo);
        List<OutputTarget.Job> jobs = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String in : OutputTarget.inputs(files, d, oo)) {
            try {
                jobs.add(OutputTarget.job(in, d, oo));
            } catch (InvalidInputException e) {
                errors.add(e.getMessage());
            }
        }
        errors.addAll(OutputTarget.checkAll(jobs, d, oo, model));
        if (errors.isEmpty()) return jobs;
        for (String e : errors) report(spec, new InvalidInputException(e));
        return null;
    }

    /** What a job did with its input, for the summary line. */
    static String removal(OutputTarget.Job j, OutputTarget.Options oo, boolean removed) {
        if (removed) return "; removed " + j.in();
        return oo.remove && !j.fromStdin() ? "; kept " + j.in() + " (--rm does not apply to standard output)" : "";
    }

    /**
     * The original length recorded in an .nct file, for the decompress progress bar's total; 0
     * when unknown (standard input, or a damaged file, which the decoder then reports).
     */
    static long originalLength(OutputTarget.Job j) {
        if (j.fromStdin()) return 0;
        try {
            return NctSummary.read(Path.of(j.in())).rawLength();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Compress files with M1 into the .nct format, any size in bounded memory: FILE to FILE.nct (FILE is kept;"
                    + " --rm removes it); no FILE or -: standard input to standard output.",
                    "An existing output is replaced only with -f; compressed data are not written to a terminal."})
    public static final class Compress implements Callable<Integer> {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @picocli.CommandLine.Mixin OutputTarget.Options oo = new OutputTarget.Options();
        @Option(names = "--window", defaultValue = "0", description = "Equal-Info window bits (16, 24, 32, 64, 128); 0: plain AC per block (default)") int window;
        @Option(names = "--rule", defaultValue = "g", description = "window rule: g (lossless, default), delay, greedy (refused unless it round-trips)") String rule;
        @Option(names = "--block-size", description = "bytes per independent block, 1..65536 (default: 1024 with windows, 2048 for AC)") Integer blockSize;
        @Option(names = "--precision", defaultValue = "16", description = "log2 of the CDF total: 16 (default) or 14 (the paper's)") int precision;
        @Parameters(arity = "0..*", paramLabel = "FILE", description = "files to compress (default: standard input)") List<String> files;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            WindowRule r;
            NctCodec.Settings s;
            try {
                r = WindowRule.parse(rule);
                IntegerCdf.checkPrecision(precision);
                NctCodec.Settings d = NctCodec.Settings.defaults(window, r);
                s = new NctCodec.Settings(window, r, blockSize == null ? d.blockSize() : blockSize, mo.streams(d.streams()));
                if (window != 0 && window < precision) throw new IllegalArgumentException("--window must be at least --precision (" + precision + ")");
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
            List<OutputTarget.Job> jobs = plan(spec, files, OutputTarget.Direction.COMPRESS, oo, mo.model);
            if (jobs == null) return 1;
            int failed = 0;
            try (Weights w = mo.weights(); Kernels k = mo.kernels()) {
                CodingModel model;
                try {
                    model = new CodingModel(w, k, precision);
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(e.getMessage());
                }
                if (oo.verbose) note(spec, oo, "model " + model.idHex() + ", " + (window == 0 ? "ac" : "eqinfo-ac[" + window + "," + rule + "]")
                        + ", CDF precision " + precision + ", blocks of " + s.blockSize() + " bytes, " + s.streams() + " streams, " + k.name());
                for (OutputTarget.Job j : jobs) {
                    try {
                        compress(j, model, s);
                    } catch (InvalidInputException e) {
                        report(spec, e);
                        failed++;
                    }
                }
            }
            return failed == 0 ? 0 : 1;
        }

        private void compress(OutputTarget.Job j, CodingModel model, NctCodec.Settings s) {
            try (InputStream input = OutputTarget.open(j.in())) {
                long size = j.fromStdin() ? 0 : Files.size(Path.of(j.in()));
                Progress bar = !oo.quiet && size >= PROGRESS_FROM ? new Progress("compress", size, "B") : null;
                long t0 = System.nanoTime();
                long[] counts = {0, 0};
                boolean removed = OutputTarget.write(j, oo, o -> {
                    CountingStream c = new CountingStream(o);
                    counts[0] = NctCodec.compress(model, s, input, c, bar == null ? null : n -> bar.set(Math.min(n, size)));
                    c.flush();
                    counts[1] = c.count;
                });
                if (bar != null) bar.close();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (j.toStdout() && !oo.verbose) return;
                String what = j.inName() + " -> " + j.outName() + ": ";
                if (counts[0] == 0) {
                    note(spec, oo, what + String.format(Locale.ROOT, "0 -> %d bytes (empty input: header and trailer only)", counts[1]) + removal(j, oo, removed));
                } else {
                    note(spec, oo, what + String.format(Locale.ROOT, "%d -> %d bytes (ratio %.3f, %.3f bits/byte) in %.1f s (%.1f KB/s)",
                            counts[0], counts[1], counts[0] / (double) Math.max(1, counts[1]),
                            8.0 * counts[1] / Math.max(1, counts[0]), secs, counts[0] / 1000.0 / secs) + removal(j, oo, removed));
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            } catch (IOException e) {
                throw new InvalidInputException("cannot compress " + j.inName() + " to " + j.outName() + ": " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "decompress", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Decompress .nct files with the M1 that compressed them: FILE.nct to FILE (FILE.nct is kept; --rm removes it);"
                    + " no FILE or -: standard input to standard output.",
                    "An existing output is replaced only with -f."})
    public static final class Decompress implements Callable<Integer> {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @picocli.CommandLine.Mixin OutputTarget.Options oo = new OutputTarget.Options();
        @Option(names = {"-l", "--list"}, description = "show what each file holds (model id, mode, sizes, ratio) instead of decoding it; as nct list") boolean list;
        @Parameters(arity = "0..*", paramLabel = "FILE", description = ".nct files to decompress (default: standard input)") List<String> files;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            if (list) return ListCommand.print(files == null ? List.of() : files, oo.verbose, spec);
            List<OutputTarget.Job> jobs = plan(spec, files, OutputTarget.Direction.DECOMPRESS, oo, mo.model);
            if (jobs == null) return 1;
            int streams = mo.streams(0);
            int failed = 0;
            try (Weights w = mo.weights(); Kernels k = mo.kernels()) {
                IntFunction<CodingModel> models = models(w, k);
                for (OutputTarget.Job j : jobs) {
                    try {
                        decompress(j, models, streams);
                    } catch (InvalidInputException e) {
                        report(spec, e);
                        failed++;
                    }
                }
            }
            return failed == 0 ? 0 : 1;
        }

        private void decompress(OutputTarget.Job j, IntFunction<CodingModel> models, int streams) {
            try (InputStream in = OutputTarget.open(j.in())) {
                long size = j.fromStdin() ? 0 : Files.size(Path.of(j.in()));
                boolean showBar = !oo.quiet && size >= PROGRESS_FROM / 4 && Progress.shown();
                long total = showBar ? originalLength(j) : 0;
                Progress bar = showBar ? new Progress("decompress", total, total > 0 ? "B" : "steps") : null;
                LongConsumer pc = bar == null ? null : v -> bar.set(total > 0 ? Math.min(v, total) : v);
                long t0 = System.nanoTime();
                long[] n = {0};
                boolean removed = OutputTarget.write(j, oo, o -> n[0] = NctCodec.decompress(models, in, o, streams, pc));
                if (bar != null) bar.close();
                if (j.toStdout() && !oo.verbose) return;
                note(spec, oo, String.format(Locale.ROOT, "%s -> %s: %d bytes in %.1f s", j.inName(), j.outName(), n[0],
                        (System.nanoTime() - t0) / 1e9) + removal(j, oo, removed));
            } catch (NctFormatException e) {
                throw new InvalidInputException(j.inName() + ": " + e.getMessage());
            } catch (IOException e) {
                throw new InvalidInputException(e.getMessage(), e);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Decode .nct files and check them against their checksums; writes nothing.")
    public static final class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin ModelOptions mo = new ModelOptions();
        @Parameters(arity = "1..*", paramLabel = "FILE") List<String> files;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            int streams = mo.streams(0);
            int failed = 0;
            try (Weights w = mo.weights(); Kernels k = mo.kernels()) {
                IntFunction<CodingModel> models = models(w, k);
                for (String file : files) {
                    try {
                        long n;
                        try (InputStream in = OutputTarget.open(file)) {
                            long size = file.equals(OutputTarget.STDIO) ? 0 : Files.size(Path.of(file));
                            boolean showBar = size >= PROGRESS_FROM / 4 && Progress.shown();
                            long total = showBar ? originalLength(new OutputTarget.Job(file, OutputTarget.STDIO)) : 0;
                            Progress bar = showBar ? new Progress("verify", total, total > 0 ? "B" : "steps") : null;
                            n = NctCodec.decompress(models, in, OutputStream.nullOutputStream(), streams,
                                    bar == null ? null : v -> bar.set(total > 0 ? Math.min(v, total) : v));
                            if (bar != null) bar.close();
                        } catch (NctFormatException e) {
                            throw new InvalidInputException(file + ": " + e.getMessage());
                        } catch (IOException e) {
                            throw new InvalidInputException(e.getMessage(), e);
                        }
                        OutputTarget.printLine(file + ": OK (" + n + " bytes, checksums match)");
                    } catch (InvalidInputException e) {
                        report(spec, e);
                        failed++;
                    }
                }
            }
            return failed == 0 ? 0 : 1;
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
