package org.nct.bench.compress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.nct.bench.LoadAverage;
import org.nct.InvalidInputException;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.container.NctCodec;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.inference.CodingModel;
import org.nct.inference.IncrementalM1;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct bench compress}: nct's plain AC, coded exactly as {@code nct compress} codes by
 * default (2 KiB blocks, 2^16 CDFs, the .nct file with its header) and checked by a round trip,
 * beside gzip, bzip2, xz, zstd, brotli, zpaq and PPMd (7z) on the same held-out C4 bytes. The last
 * line is {@code ac bits/byte X vs brotli Y xz Z zpaq W}. {@code --windows} adds EqualInfoAC and the
 * integer-CDF overhead.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compression of held-out text: nct plain AC (as nct compress) vs gzip, bzip2, xz, zstd, brotli, zpaq, PPMd; "
                + "last line: ac bits/byte X vs brotli Y xz Z zpaq W.")
public final class CompressBench implements Runnable {
    @Option(names = {"-m", "--model"}, description = "M1 checkpoint (default: the bundled M1, " + BundledM1.SOURCE + ")") Path model;
    @Option(names = "--data", arity = "1..*", description = "C4 JSON-lines files or directories (default: ../shared/data/c4)") List<Path> data;
    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "held-out fraction, as in training (default ${DEFAULT-VALUE})") double validationFraction;
    @Option(names = "--bytes", defaultValue = "131072", description = "bytes of held-out text to compress (default ${DEFAULT-VALUE})") int bytes;
    @Option(names = "--threads", defaultValue = "2", description = "kernel threads (default ${DEFAULT-VALUE})") int threads;
    @Option(names = "--windows", description = "also EqualInfoAC[b=16, 32] (rule G and the paper's greedy) and the integer-CDF overhead (several times longer)") boolean windows;
    @Option(names = "--overhead-bytes", defaultValue = "8192", description = "bytes used for the integer-CDF overhead with --windows (default ${DEFAULT-VALUE})") int overheadBytes;

    /**
     * A peer compressor: its row name, the Debian package that provides it, and its command. A
     * stream tool reads standard input and writes standard output; an archiver gets the input as
     * the file {@value #INPUT_NAME} and writes the archive {@value #ARCHIVE_NAME} in a scratch
     * directory ({@code {in}} and {@code {out}} in the command).
     */
    record Peer(String name, String pkg, List<String> cmd, boolean archiver) {
        static Peer stream(String pkg, String... cmd) {
            return new Peer(String.join(" ", cmd), pkg, List.of(cmd), false);
        }
    }

    static final String INPUT_NAME = "t", ARCHIVE_NAME = "a";

    static final List<Peer> PEERS = List.of(
            Peer.stream("gzip", "gzip", "-9"),
            Peer.stream("bzip2", "bzip2", "-9"),
            Peer.stream("xz-utils", "xz", "-9"),
            Peer.stream("zstd", "zstd", "-19"),
            Peer.stream("brotli", "brotli", "-q", "11"),
            new Peer("zpaq -m5", "zpaq", List.of("zpaq", "a", "{out}.zpaq", "{in}", "-m5"), true),
            new Peer("7z PPMd -mx=9", "p7zip-full", List.of("7z", "a", "-m0=PPMd", "-mx=9", "{out}.7z", "{in}"), true));

    @Override
    public void run() {
        List<Path> paths = data != null ? data : List.of(Path.of("..", "shared", "data", "c4"));
        for (Path p : paths) if (!Files.exists(p)) throw new InvalidInputException("no such file or directory: " + p + " (use --data)");
        if (bytes < 1) throw new InvalidInputException("--bytes must be at least 1, got " + bytes);
        if (threads < 1 || threads > 1024) throw new InvalidInputException("--threads must be 1..1024, got " + threads);
        if (model != null && !Files.isRegularFile(model)) throw new InvalidInputException("no such checkpoint: " + model);
        JoinedText joined = JoinedText.read(paths, Split.VALIDATION, validationFraction);
        if (joined.bytes().length == 0) throw new InvalidInputException("no held-out text in " + paths);
        byte[] text = java.util.Arrays.copyOf(joined.bytes(), Math.min(bytes, joined.bytes().length));
        System.out.printf(Locale.ROOT, "held-out text: %d bytes%s (%s)%n", text.length,
                text.length < bytes ? " (asked for " + bytes + "; the held-out split holds no more)" : "", joined.describe());
        Weights loaded;
        try {
            loaded = model != null ? Checkpoint.loadWeights(model) : BundledM1.load();
        } catch (BundledM1.Missing e) {
            throw new InvalidInputException("no bundled M1 in this build (" + BundledM1.SOURCE + "); pass -m MODEL", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot load " + (model != null ? model : "the bundled M1") + ": " + e.getMessage(), e);
        }
        try (Weights w = loaded; Kernels k = Backends.create(threads)) {
            CodingModel cm = new CodingModel(w, k, IntegerCdf.DEFAULT_PRECISION);
            System.out.printf(Locale.ROOT, "M1: %s (%s, model id %s…); kernels %s, %d thread(s)%n", w.config().describe(),
                    model != null ? model : "bundled " + BundledM1.SOURCE, cm.idHex().substring(0, 16), k.name(), k.threads());
            LoadAverage.before();
            System.out.println();
            System.out.printf(Locale.ROOT, "%-28s %10s %9s %8s %11s %11s %s%n", "method", "bytes", "bits/B", "ratio", "comp KB/s", "decomp KB/s", "note");
            Map<String, Double> peerBits = new LinkedHashMap<>();
            List<String> hints = new ArrayList<>();
            for (Peer p : PEERS) peerBits.put(p.cmd().getFirst(), peer(p, text, hints));
            NctCodec.Settings ac = NctCodec.Settings.defaults(0, WindowRule.G);
            double acBits = nctRow("nct AC (as nct compress)", cm, ac, text);
            if (windows) {
                for (int win : new int[] {16, 32}) {
                    nctRow("nct EqualInfoAC[b=" + win + "] G", cm, NctCodec.Settings.defaults(win, WindowRule.G), text);
                    greedyRow("EqualInfoAC[b=" + win + "] greedy", cm, win, text);
                }
                overhead(w, k, cm, java.util.Arrays.copyOf(text, Math.min(overheadBytes, text.length)), ac.blockSize());
            }
            for (String h : hints) System.out.println(h);
            System.out.println();
            LoadAverage.after();
            System.out.println(summary(acBits, peerBits.get("brotli"), peerBits.get("xz"), peerBits.get("zpaq")));
        } catch (IOException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    /** The last line: {@code ac bits/byte X vs brotli Y xz Z zpaq W}, three decimals, {@code -} for a peer that did not run. */
    static String summary(double ac, double brotli, double xz, double zpaq) {
        return "ac bits/byte " + f3(ac) + " vs brotli " + f3(brotli) + " xz " + f3(xz) + " zpaq " + f3(zpaq);
    }

    static String f3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    static void row(String name, long n, long out, double cKBs, double dKBs, String note) {
        System.out.printf(Locale.ROOT, "%-28s %10d %9.4f %8.3f %11s %11s %s%n", name, out, 8.0 * out / n, (double) n / out,
                Double.isNaN(cKBs) ? "-" : String.format(Locale.ROOT, "%.1f", cKBs),
                Double.isNaN(dKBs) ? "-" : String.format(Locale.ROOT, "%.1f", dKBs), note);
    }

    static void missingRow(String name, String note) {
        System.out.printf(Locale.ROOT, "%-28s %10s %9s %8s %11s %11s %s%n", name, "-", "-", "-", "-", "-", note);
    }

    /**
     * Runs a peer on the text and prints its row; returns its bits/byte, or NaN when it is not
     * installed (a hint is added) or failed.
     */
    static double peer(Peer p, byte[] text, List<String> hints) {
        try {
            long size;
            String note = "";
            if (p.archiver()) {
                size = archive(p, text);
                note = "archive file; an empty input's archive is " + archive(p, new byte[0]) + " B";
            } else {
                size = stream(p.cmd(), text);
            }
            row(p.name(), text.length, size, Double.NaN, Double.NaN, note);
            return 8.0 * size / text.length;
        } catch (NotInstalled e) {
            missingRow(p.name(), "not installed");
            hints.add(p.cmd().getFirst() + " is not installed: apt-get install -y " + p.pkg());
        } catch (IOException e) {
            missingRow(p.name(), "failed: " + e.getMessage());
        }
        return Double.NaN;
    }

    /** The peer's program could not be started. */
    static final class NotInstalled extends IOException {
        NotInstalled(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    static Process start(ProcessBuilder pb) throws NotInstalled {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new NotInstalled(e);
        }
    }

    /** Bytes a stream tool writes to standard output ({@code -c}) for the text on standard input. */
    static long stream(List<String> tool, byte[] text) throws IOException {
        List<String> cmd = new ArrayList<>(tool);
        cmd.add("-c");
        Process p = start(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD));
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (var o = p.getOutputStream()) {
                o.write(text);
            } catch (IOException ignored) {
                // the tool died; its exit status says so
            }
        });
        long size;
        try (InputStream in = p.getInputStream()) {
            size = in.transferTo(OutputStreamNull.INSTANCE);
        }
        waitFor(p, String.join(" ", cmd));
        try {
            feeder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return size;
    }

    /** Size of the archive an archiver writes for the text as a file, in a scratch directory it deletes. */
    static long archive(Peer peer, byte[] text) throws IOException {
        Path dir = Files.createTempDirectory("nct-bench-peer");
        try {
            Files.write(dir.resolve(INPUT_NAME), text);
            List<String> cmd = new ArrayList<>();
            String out = null;
            for (String a : peer.cmd()) {
                String arg = a.replace("{in}", INPUT_NAME).replace("{out}", ARCHIVE_NAME);
                if (a.contains("{out}")) out = arg;
                cmd.add(arg);
            }
            Process p = start(new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
            p.getOutputStream().close();
            waitFor(p, String.join(" ", cmd));
            Path archive = dir.resolve(out);
            if (!Files.isRegularFile(archive)) throw new IOException(peer.name() + " wrote no " + out);
            return Files.size(archive);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(f);
            }
        }
    }

    static void waitFor(Process p, String what) throws IOException {
        try {
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " took more than 600 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (p.exitValue() != 0) throw new IOException(what + ": exit " + p.exitValue());
    }

    /** Compresses as .nct, checks the round trip, prints the row; returns bits/byte of the whole file. */
    static double nctRow(String name, CodingModel cm, NctCodec.Settings s, byte[] text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        NctCodec.compress(cm, s, text, text.length, out, null);
        long t1 = System.nanoTime();
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        NctCodec.decompress(p -> cm, new java.io.ByteArrayInputStream(out.toByteArray()), back, 0, null);
        long t2 = System.nanoTime();
        if (!java.util.Arrays.equals(text, back.toByteArray())) throw new IllegalStateException(name + ": round trip failed");
        row(name, text.length, out.size(), text.length / 1e3 / ((t1 - t0) / 1e9), text.length / 1e3 / ((t2 - t1) / 1e9),
                "round trip ok, .nct file incl. header (" + (s.windowBits() == 0 ? "AC" : "windows") + ", " + s.blockSize() + " B blocks)");
        return 8.0 * out.size() / text.length;
    }

    /** The paper's greedy rule: payload size and the share of windows its look-ahead decoder gets wrong. */
    static void greedyRow(String name, CodingModel cm, int win, byte[] text) {
        int block = 1024;
        List<WindowEncoder> enc = new ArrayList<>();
        for (int off = 0; off < text.length; off += block) {
            WindowEncoder e = new WindowEncoder(win, WindowRule.GREEDY, cm.precision());
            e.start(text, off, Math.min(block, text.length - off));
            enc.add(e);
        }
        cm.run(enc, 64, null);
        // decode every window on its own with the bytes left in its block (as the paper's decoder knows them)
        List<CodingTask> dec = new ArrayList<>();
        List<int[]> where = new ArrayList<>();
        List<byte[]> outs = new ArrayList<>();
        long payload = 0, windows = 0;
        for (int b = 0; b < enc.size(); b++) {
            WindowEncoder e = enc.get(b);
            byte[] codes = e.tokens();
            payload += codes.length;
            int pos = b * block, end = Math.min(text.length, pos + block);
            for (int i = 0; i < e.windows(); i++) {
                WindowDecoder d = new WindowDecoder(win, WindowRule.GREEDY, cm.precision());
                byte[] o = new byte[end - pos];
                d.start(codes, i * (win / 8), 1, o, 0, o.length);
                dec.add(d);
                outs.add(o);
                where.add(new int[] {pos, e.byteCounts()[i]});
                pos += e.byteCounts()[i];
                windows++;
            }
        }
        cm.run(dec, 64, null);
        long wrong = 0;
        for (int i = 0; i < dec.size(); i++) {
            int[] wh = where.get(i);
            WindowDecoder d = (WindowDecoder) dec.get(i);
            if (d.produced() != wh[1] || !java.util.Arrays.equals(outs.get(i), 0, wh[1], text, wh[0], wh[0] + wh[1])) wrong++;
        }
        row(name, text.length, payload, Double.NaN, Double.NaN,
                String.format(Locale.ROOT, "payload only; %d of %d windows (%.1f%%) decode wrongly", wrong, windows, 100.0 * wrong / windows));
    }

    /** Coded bits of AC vs the model's own −log2 p (double softmax of the same logits) on one block. */
    static void overhead(Weights w, Kernels k, CodingModel cm, byte[] text, int block) {
        double ideal = 0, quantized = 0;
        float[] logits = new float[256];
        int[] cum = new int[257];
        int total = 1 << cm.precision();
        long coded = 0;
        try (IncrementalM1 m1 = new IncrementalM1(w, k, 1)) {
            for (int off = 0; off < text.length; off += block) {
                int len = Math.min(block, text.length - off);
                int token = CodingModel.START;
                for (int i = 0; i < len; i++) {
                    m1.step(1, new int[] {0}, new int[] {token}, new int[] {i}, logits);
                    int s = text[off + i] & 0xFF;
                    double m = Double.NEGATIVE_INFINITY, sum = 0;
                    for (float z : logits) m = Math.max(m, z);
                    for (float z : logits) sum += Math.exp(z - m);
                    ideal += -(logits[s] - m - Math.log(sum)) / Math.log(2);
                    IntegerCdf.fromLogits(logits, 0, cm.precision(), cum);
                    quantized += -Math.log((cum[s + 1] - cum[s]) / (double) total) / Math.log(2);
                    token = s;
                }
                coded += 8L * org.nct.coding.StreamEncoder.encode(java.util.Arrays.copyOfRange(text, off, off + len), cm.newByteModel()).length;
            }
        }
        System.out.printf(Locale.ROOT, "%nInteger CDF overhead on %d bytes (AC, %d B blocks, P=%d):%n", text.length, block, cm.precision());
        System.out.printf(Locale.ROOT, "  model -log2 p        %.1f bits (%.4f bits/byte)%n", ideal, ideal / text.length);
        System.out.printf(Locale.ROOT, "  integer CDF -log2 q  %.1f bits (+%.3f%%)%n", quantized, 100 * (quantized - ideal) / ideal);
        System.out.printf(Locale.ROOT, "  coded (range coder)  %d bits (+%.3f%% over the model, incl. termination)%n", coded, 100 * (coded - ideal) / ideal);
    }

    /** Discards bytes (counted by transferTo). */
    static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) { }

        @Override
        public void write(byte[] b, int off, int len) { }
    }
}
