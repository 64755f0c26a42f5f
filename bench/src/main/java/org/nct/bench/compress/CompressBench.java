package org.nct.bench.compress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nct.cli.UserException;
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
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct bench compress}: M1's AC and EqualInfoAC beside gzip, bzip2, xz, zstd and brotli on
 * the same held-out C4 bytes; compress/decompress throughput of nct; overhead of the integer CDF.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compression of held-out text: nct AC / EqualInfoAC vs gzip, bzip2, xz, zstd, brotli.")
public final class CompressBench implements Runnable {
    @Option(names = {"-m", "--model"}, required = true, description = "M1 checkpoint (.safetensors)") Path model;
    @Option(names = "--data", arity = "1..*", description = "C4 JSON-lines files or directories (default: ../shared/data/c4)") List<Path> data;
    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "held-out fraction, as in training (default ${DEFAULT-VALUE})") double validationFraction;
    @Option(names = "--bytes", defaultValue = "65536", description = "bytes of held-out text to compress (default ${DEFAULT-VALUE})") int bytes;
    @Option(names = "--threads", defaultValue = "2", description = "kernel threads (default ${DEFAULT-VALUE})") int threads;
    @Option(names = "--ac-block", defaultValue = "512", description = "bytes per AC block (M1 context) (default ${DEFAULT-VALUE})") int acBlock;
    @Option(names = "--overhead-bytes", defaultValue = "8192", description = "bytes used for the integer-CDF overhead (default ${DEFAULT-VALUE})") int overheadBytes;

    @Override
    public void run() {
        List<Path> paths = data != null ? data : List.of(Path.of("..", "shared", "data", "c4"));
        for (Path p : paths) if (!Files.exists(p)) throw new UserException("no such file or directory: " + p + " (use --data)");
        byte[] text;
        JoinedText joined = JoinedText.read(paths, Split.VALIDATION, validationFraction);
        if (joined.bytes().length == 0) throw new UserException("no held-out text in " + paths);
        text = java.util.Arrays.copyOf(joined.bytes(), Math.min(bytes, joined.bytes().length));
        System.out.printf(Locale.ROOT, "held-out text: %d bytes (%s)%n", text.length, joined.describe());
        try (Weights w = Checkpoint.loadWeights(model); Kernels k = Backends.create(threads)) {
            System.out.printf(Locale.ROOT, "M1: %s; kernels %s, %d thread(s)%n", w.config().describe(), k.name(), k.threads());
            org.nct.bench.LoadAverage.before();
            System.out.println();
            System.out.printf(Locale.ROOT, "%-28s %10s %9s %8s %11s %11s %s%n", "method", "bytes", "bits/B", "ratio", "comp KB/s", "decomp KB/s", "note");
            for (String[] tool : new String[][] {{"gzip", "-9"}, {"bzip2", "-9"}, {"xz", "-9"}, {"zstd", "-19"}, {"brotli", "-q", "11"}}) {
                external(tool, text);
            }
            CodingModel cm = new CodingModel(w, k, IntegerCdf.DEFAULT_PRECISION);
            nctRow("nct AC (" + acBlock + " B blocks)", cm, new NctCodec.Settings(0, WindowRule.G, acBlock, 32), text);
            for (int win : new int[] {16, 32}) {
                nctRow("nct EqualInfoAC[b=" + win + "] G", cm, NctCodec.Settings.defaults(win, WindowRule.G), text);
                greedyRow("EqualInfoAC[b=" + win + "] greedy", cm, win, text);
            }
            overhead(w, k, cm, java.util.Arrays.copyOf(text, Math.min(overheadBytes, text.length)), acBlock);
            org.nct.bench.LoadAverage.after();
        } catch (IOException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    static void row(String name, long n, long out, double cKBs, double dKBs, String note) {
        System.out.printf(Locale.ROOT, "%-28s %10d %9.4f %8.3f %11s %11s %s%n", name, out, 8.0 * out / n, (double) n / out,
                Double.isNaN(cKBs) ? "-" : String.format(Locale.ROOT, "%.1f", cKBs),
                Double.isNaN(dKBs) ? "-" : String.format(Locale.ROOT, "%.1f", dKBs), note);
    }

    static void external(String[] tool, byte[] text) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.add("-c");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
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
            feeder.join();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("exit " + p.exitValue());
            row(String.join(" ", tool), text.length, size, Double.NaN, Double.NaN, "");
        } catch (IOException | InterruptedException e) {
            System.out.printf(Locale.ROOT, "%-28s %10s (not available: %s)%n", String.join(" ", tool), "-", e.getMessage());
        }
    }

    static void nctRow(String name, CodingModel cm, NctCodec.Settings s, byte[] text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        NctCodec.compress(cm, s, text, text.length, out, null);
        long t1 = System.nanoTime();
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        NctCodec.decompress(p -> cm, new java.io.ByteArrayInputStream(out.toByteArray()), back, s.streams(), null);
        long t2 = System.nanoTime();
        if (!java.util.Arrays.equals(text, back.toByteArray())) throw new IllegalStateException(name + ": round trip failed");
        row(name, text.length, out.size(), text.length / 1e3 / ((t1 - t0) / 1e9), text.length / 1e3 / ((t2 - t1) / 1e9),
                "round trip ok, .nct file incl. header");
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
