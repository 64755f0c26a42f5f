package org.nct.cuda.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.ArrayList;
import org.nct.coding.ByteModel;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.coding.IntegerCdf;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.cuda.CudaKernels;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Transformer;
import org.nct.inference.IncrementalM1;
import org.nct.train.Adafactor;
import org.nct.model.Weights;

/**
 * The GPU check: the CUDA backend against the CPU scalar reference (every kernel; training steps;
 * prefill against incremental decoding; a compressed text across the two), then, unless
 * {@code --quick}, benchmarks: training tokens/s of the 3m and 25m models (M2 setting) and of M1
 * at the paper's batch in the deterministic and fast profiles, M1 incremental decoding bytes/s, and
 * end-to-end EqualInfoAC[b=16] and plain-AC compression MB/s.
 *
 * <p>Every model-level check and benchmark drives the product classes with a {@link CudaKernels}
 * backend: {@link Transformer} and {@link Adafactor} (training), {@link IncrementalM1} (decoding),
 * {@link CodingModel} (coding, with its batch and prefill drivers). Their buffers are device
 * allocations of the backend, so the runs are device-resident; this module holds no copy of the
 * model.
 *
 * <p>Usage: {@code GpuCheck [--quick] [--results FILE]}. Exit status 0 when every check passed, 1
 * when one failed, 2 when no GPU is usable. The results file gets {@code key=value} lines.
 */
public final class GpuCheck {

    private final Map<String, String> results = new LinkedHashMap<>();
    private int checks, passed;
    /** Text for the Equal-Info coding benchmark (null: not measured). */
    private byte[] text;

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        Path out = null, text = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--text" -> {
                    if (i + 1 >= args.length) usage("--text needs a file");
                    text = Path.of(args[++i]);
                }
                case "--results" -> {
                    if (i + 1 >= args.length) usage("--results needs a file");
                    out = Path.of(args[++i]);
                }
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        String why = CudaKernels.unavailableReason();
        if (why != null) {
            System.out.println("gpu-check: no usable GPU: " + why);
            System.exit(2);
        }
        GpuCheck g = new GpuCheck();
        g.text = text == null || !Files.isRegularFile(text) ? null : Files.readAllBytes(text);
        boolean ok = g.run(quick);
        if (out != null) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, String> e : g.results.entrySet()) sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
            Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
        }
        System.exit(ok ? 0 : 1);
    }

    private static void usage(String msg) {
        System.err.println("gpu-check: " + msg + " (usage: GpuCheck [--quick] [--results FILE] [--text FILE])");
        System.exit(64);
    }

    public Map<String, String> results() {
        return results;
    }

    /** Runs the checks (and the benchmarks unless quick); true when every check passed. */
    public boolean run(boolean quick) {
        int threads = Math.max(1, Math.min(16, Runtime.getRuntime().availableProcessors()));
        try (ScalarKernels cpu = new ScalarKernels(threads);
             CudaKernels det = CudaKernels.open(CudaKernels.Profile.DETERMINISTIC);
             CudaKernels fast = CudaKernels.open(CudaKernels.Profile.FAST)) {
            results.put("device", det.deviceName());
            System.out.println("gpu-check on " + det.deviceName());
            boolean bitwise = guard("kernel checks", () -> kernels(cpu, det, fast));
            bitwise &= guard("training steps", () -> trainingSteps(cpu, det));
            bitwise &= guard("prefill vs incremental", () -> prefillVersusIncremental(cpu, det));
            bitwise &= guard("integer CDFs", () -> integerCdfs(det));
            bitwise &= guard("coding across CPU and GPU", () -> codingAcross(cpu, det));
            bitwise &= guard("Equal-Info windows across CPU and GPU", () -> windowsAcross(cpu, det));
            results.put("cpu_gpu_bitwise", bitwise ? "yes" : "no");
            if (!quick) {
                guard("bench 3m", () -> benchTraining(det, fast, "3m", BENCH_VOCAB, BENCH_B, BENCH_T, 2, 6, "train_3m"));
                guard("bench 25m", () -> benchTraining(det, fast, "25m", BENCH_VOCAB, BENCH_B, BENCH_T, 2, 6, "train_25m"));
                guard("bench decoding", () -> benchDecoding(det));
                guard("bench Equal-Info coding", () -> benchEqualInfo(det));
                guard("bench AC coding", () -> benchAc(det));
                guard("bench M1 training", () -> benchTraining(det, fast, "3m", 256, M1_B, M1_T, 1, 2, "train_m1_3m"));
            }
            results.put("checks_passed", passed + "/" + checks);
        }
        System.out.println("checks passed: " + passed + "/" + checks);
        return passed == checks;
    }

    /** A stage of the check. */
    private interface Stage {
        boolean run();
    }

    /** Runs a stage; an exception is a failed check (printed), and the next stages still run. */
    private boolean guard(String name, Stage stage) {
        try {
            return stage.run();
        } catch (RuntimeException | Error e) {
            e.printStackTrace(System.out);
            record(name, false, "threw " + e);
            return false;
        }
    }

    private void record(String name, boolean ok, String detail) {
        checks++;
        if (ok) passed++;
        System.out.println((ok ? "PASS " : "FAIL ") + name + (detail.isEmpty() ? "" : "  " + detail));
    }

    private boolean kernels(Kernels cpu, CudaKernels det, CudaKernels fast) {
        boolean all = true;
        for (KernelCheck.Result r : new KernelCheck(cpu, det, true, 1).runAll(true)) {
            record("kernel " + r.kernel(), r.passed(), String.format("(%d elements, %d differ, rel.err %.1e) %s",
                    r.elements(), r.mismatches(), r.relError(), r.detail()));
            all &= r.passed();
        }
        for (KernelCheck.Result r : new KernelCheck(cpu, fast, false, 1000).runAll(true)) {
            if (!r.kernel().startsWith("matmul")) continue;   // the fast profile differs only in the GEMMs
            record("kernel " + r.kernel(), r.passed(), String.format("(rel.err %.1e)", r.relError()));
        }
        return all;
    }

    private static int[] randomTokens(SplittableRandom rng, int n, int vocab, boolean padding) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = padding && i % 17 == 5 ? -1 : rng.nextInt(vocab);
        return t;
    }

    private static boolean sameBits(MemorySegment a, MemorySegment b, long n, String what, StringBuilder why) {
        for (long i = 0; i < n; i++) {
            int x = a.getAtIndex(ValueLayout.JAVA_INT, i), y = b.getAtIndex(ValueLayout.JAVA_INT, i);
            if (x != y) {
                why.append(what).append(" differs at ").append(i).append(": cpu ").append(Float.intBitsToFloat(x))
                        .append(" gpu ").append(Float.intBitsToFloat(y));
                return false;
            }
        }
        return true;
    }


    /**
     * Three training steps of a small model on the product classes ({@link Transformer},
     * {@link Adafactor}), once on the CPU and once on the GPU: the loss, the gradient norm, every
     * gradient and the updated parameters bitwise.
     */
    private boolean trainingSteps(Kernels cpu, CudaKernels det) {
        ModelConfig cfg = ModelConfig.preset("tiny", 300);
        int b = 2, t = 140;
        SplittableRandom rng = new SplittableRandom(7);
        StringBuilder why = new StringBuilder();
        boolean ok = true;
        try (Weights wc = Weights.init(cfg, 11); Weights wg = wc.copy();
             Transformer tc = new Transformer(wc, cpu); Transformer tg = new Transformer(wg, det);
             Adafactor oc = new Adafactor(cpu, wc.layout(), tc.params(), tc.grads());
             Adafactor og = new Adafactor(det, wg.layout(), tg.params(), tg.grads());
             Arena arena = Arena.ofShared()) {
            long n = wc.layout().size();
            MemorySegment stage = arena.allocate(n * 4, 64);
            float loss = Float.NaN;
            for (int step = 1; step <= 3 && ok; step++) {
                int[] in = randomTokens(rng, b * t, 300, false), tgt = randomTokens(rng, b * t, 300, true);
                loss = tc.trainingForward(in, tgt, b, t);
                tc.backward();
                float lg = tg.trainingForward(in, tgt, b, t);
                tg.backward();
                if (Float.floatToRawIntBits(loss) != Float.floatToRawIntBits(lg)) {
                    why.append("step ").append(step).append(" loss cpu ").append(loss).append(" gpu ").append(lg);
                    ok = false;
                    break;
                }
                float nc = cpu.sumSquares(tc.grads(), 0, n), ng = det.sumSquares(tg.grads(), 0, n);
                if (Float.floatToRawIntBits(nc) != Float.floatToRawIntBits(ng)) {
                    why.append("step ").append(step).append(" squared gradient norm cpu ").append(nc).append(" gpu ").append(ng);
                    ok = false;
                    break;
                }
                ok = sameBits(cpu.hostView(tc.grads(), 0, n, null), det.hostView(tg.grads(), 0, n, stage), n, "step " + step + " gradient", why);
                oc.update(step, LR);
                og.update(step, LR);
                tg.syncWeights();
                ok = ok && sameBits(wc.params(), wg.params(), n, "step " + step + " parameters", why);
            }
            if (ok) why.append("loss at step 3 ").append(loss);
        }
        record("training steps (tiny, b2 t140, 3 steps: loss, gradient norm, gradients, Adafactor update) CPU = GPU bitwise", ok, why.toString());
        return ok;
    }

    /** The learning rate of the training check (T5X's 1/sqrt(max(step, 10^4)) for the first steps). */
    private static final float LR = 0.01f;

    /**
     * Logits of a full-sequence CPU forward equal the GPU's incremental decoding ({@link IncrementalM1}
     * on the CUDA backend), position by position, with rows and cache slots in different orders;
     * then the GPU's prefill (steps of 64 consecutive positions of one slot) against the same logits.
     */
    private boolean prefillVersusIncremental(Kernels cpu, CudaKernels det) {
        ModelConfig cfg = ModelConfig.preset("tiny", 256);
        int nseq = 3, t = 150, v = 256;
        SplittableRandom rng = new SplittableRandom(3);
        int[] in = randomTokens(rng, nseq * t, v, false);
        StringBuilder why = new StringBuilder();
        boolean ok = true;
        try (Weights w = Weights.init(cfg, 5); Transformer tr = new Transformer(w, cpu);
             IncrementalM1 dec = new IncrementalM1(w, det, nseq, t);
             IncrementalM1 pre = new IncrementalM1(w, det, 1, t, 64)) {
            tr.forward(in, null, nseq, t);
            float[] ref = new float[nseq * t * v];
            tr.logits(0, nseq * t, ref, 0);
            int[] tok = new int[nseq], pos = new int[nseq], slot = new int[nseq];
            float[] got = new float[64 * v];
            for (int i = 0; i < nseq; i++) slot[i] = nseq - 1 - i;
            for (int p = 0; p < t && ok; p++) {
                for (int i = 0; i < nseq; i++) {
                    tok[i] = in[slot[i] * t + p];
                    pos[i] = p;
                }
                dec.step(nseq, slot, tok, pos, got);
                for (int i = 0; i < nseq && ok; i++) {
                    ok = sameBits(ref, (slot[i] * t + p) * v, got, i * v, v, "incremental: sequence " + slot[i] + " position " + p + " logits", why);
                }
            }
            int[] zero = new int[64], ptok = new int[64], ppos = new int[64];
            for (int first = 0; first < t && ok; first += 64) {
                int m = Math.min(64, t - first);
                for (int r = 0; r < m; r++) {
                    ptok[r] = in[first + r];
                    ppos[r] = first + r;
                }
                pre.step(m, zero, ptok, ppos, got);
                for (int r = 0; r < m && ok; r++) {
                    ok = sameBits(ref, (first + r) * v, got, r * v, v, "prefill: position " + (first + r) + " logits", why);
                }
            }
        }
        record("forward (CPU, 3x150) = incremental decoding and prefill (GPU, IncrementalM1) logits bitwise", ok, why.toString());
        return ok;
    }

    private static boolean sameBits(float[] a, int aOff, float[] b, int bOff, int n, String what, StringBuilder why) {
        for (int i = 0; i < n; i++) {
            int x = Float.floatToRawIntBits(a[aOff + i]), y = Float.floatToRawIntBits(b[bOff + i]);
            if (x != y) {
                why.append(what).append(" differ at ").append(i).append(": cpu ").append(a[aOff + i]).append(" gpu ").append(b[bOff + i]);
                return false;
            }
        }
        return true;
    }

    /** M1 as a ByteModel: BOS (token 0) then the accepted bytes; CDF from the last position's logits. */
    private static final class CpuM1 implements ByteModel {
        final Transformer tr;
        final int[] ctx;
        int len;
        final float[] logits = new float[256];

        CpuM1(Transformer tr, int max) {
            this.tr = tr;
            this.ctx = new int[max + 1];
        }

        @Override public int precision() { return IntegerCdf.DEFAULT_PRECISION; }
        @Override public void reset() { len = 1; ctx[0] = 0; }
        @Override public void accept(int s) { ctx[len++] = s; }

        @Override public void cdf(int[] cum) {
            tr.forward(Arrays.copyOf(ctx, len), null, 1, len);
            tr.logits(len - 1, 1, logits, 0);
            IntegerCdf.fromLogits(logits, 0, precision(), cum);
        }
    }

    /**
     * Text compressed with M1 on the CPU (a {@link Transformer} forward per byte) decompresses with
     * M1 on the GPU ({@link CodingModel#newByteModel} on the CUDA backend), and the other way round.
     */
    private boolean codingAcross(Kernels cpu, CudaKernels det) {
        byte[] text = ("Training LLMs over neurally compressed text: the coder needs the same bits on "
                + "every machine.").getBytes(StandardCharsets.UTF_8);
        ModelConfig cfg = ModelConfig.preset("tiny", 256);
        boolean ok;
        String detail;
        try (Weights w = Weights.init(cfg, 9); Transformer tr = new Transformer(w, cpu);
             CodingModel gm = new CodingModel(w.copy(), det, IntegerCdf.DEFAULT_PRECISION)) {
            tr.reserve(1, text.length + 1);
            ByteModel c = new CpuM1(tr, text.length), g = gm.newByteModel();
            byte[] byCpu = StreamEncoder.encode(text, c);
            byte[] byGpu = StreamEncoder.encode(text, g);
            byte[] cpuToGpu = StreamDecoder.decode(byCpu, 0, byCpu.length, text.length, g);
            byte[] gpuToCpu = StreamDecoder.decode(byGpu, 0, byGpu.length, text.length, c);
            ok = Arrays.equals(byCpu, byGpu) && Arrays.equals(cpuToGpu, text) && Arrays.equals(gpuToCpu, text);
            detail = text.length + " bytes -> " + byCpu.length + " (CPU) / " + byGpu.length + " (GPU) bytes, identical "
                    + Arrays.equals(byCpu, byGpu) + ", CPU->GPU " + Arrays.equals(cpuToGpu, text) + ", GPU->CPU "
                    + Arrays.equals(gpuToCpu, text);
        }
        record("stream coding with M1 across CPU and GPU", ok, detail);
        return ok;
    }

    /**
     * The GPU's integer CDFs against IntegerCdf.fromLogits: random logits at several scales, ties
     * at the maximum, NaN, ±infinity, all −infinity, at precisions 16 and 14.
     */
    private boolean integerCdfs(CudaKernels det) {
        int rows = 64;
        SplittableRandom rng = new SplittableRandom(12);
        float[] logits = new float[rows * 256];
        for (int r = 0; r < rows; r++) {
            double scale = new double[] {0.1, 1, 5, 30, 200}[r % 5];
            for (int i = 0; i < 256; i++) logits[r * 256 + i] = (float) (scale * rng.nextGaussian());
        }
        logits[1 * 256 + 7] = logits[1 * 256 + 200] = 50f;                         // tie at the maximum
        logits[2 * 256 + 3] = Float.NaN;
        logits[3 * 256 + 9] = Float.POSITIVE_INFINITY;
        logits[3 * 256 + 99] = Float.POSITIVE_INFINITY;
        logits[4 * 256 + 5] = Float.NEGATIVE_INFINITY;
        Arrays.fill(logits, 5 * 256, 6 * 256, Float.NEGATIVE_INFINITY);
        Arrays.fill(logits, 6 * 256, 7 * 256, Float.NaN);
        Arrays.fill(logits, 7 * 256, 8 * 256, 3f);                                  // all equal
        logits[8 * 256] = -0f;
        logits[8 * 256 + 1] = 0f;
        for (int i = 2; i < 256; i++) logits[8 * 256 + i] = -1f;
        boolean ok = true;
        String detail = "";
        try (Arena arena = Arena.ofShared()) {
            MemorySegment l = arena.allocate(rows * 256L * 4, 64), c = arena.allocate(rows * 257L * 4, 64);
            MemorySegment.copy(logits, 0, l, ValueLayout.JAVA_FLOAT, 0, logits.length);
            int[] ref = new int[257];
            for (int precision : new int[] {16, 14}) {
                det.integerCdf(c, 0, l, 0, rows, precision);
                for (int r = 0; r < rows && ok; r++) {
                    IntegerCdf.fromLogits(logits, r * 256, precision, ref);
                    for (int i = 0; i <= 256 && ok; i++) {
                        int g = c.getAtIndex(ValueLayout.JAVA_INT, (long) r * 257 + i);
                        if (g != ref[i]) {
                            ok = false;
                            detail = "precision " + precision + " row " + r + " cum[" + i + "]: cpu " + ref[i] + " gpu " + g;
                        }
                    }
                }
            }
        }
        record("integer CDFs from logits (64 rows incl. ties, NaN, ±inf; precision 16 and 14) CPU = GPU", ok, detail);
        return ok;
    }

    static final int WINDOW_BITS = 16;

    private static WindowEncoder[] encoders(List<byte[]> docs) {
        WindowEncoder[] e = new WindowEncoder[docs.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = new WindowEncoder(WINDOW_BITS, WindowRule.G, IntegerCdf.DEFAULT_PRECISION);
            e[i].start(docs.get(i), 0, docs.get(i).length);
        }
        return e;
    }

    private static WindowDecoder[] decoders(WindowEncoder[] enc, List<byte[]> docs, byte[][] out) {
        WindowDecoder[] d = new WindowDecoder[enc.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = new WindowDecoder(WINDOW_BITS, WindowRule.G, IntegerCdf.DEFAULT_PRECISION);
            out[i] = new byte[docs.get(i).length];
            d[i].start(enc[i].tokens(), 0, enc[i].windows(), out[i], 0, out[i].length);
        }
        return d;
    }

    /**
     * EqualInfoAC[b=16] with M1: blocks encoded by {@link CodingModel} on the CPU and on the GPU (its
     * batch driver over {@link IncrementalM1}) give identical window codes, and each side decodes
     * the other's codes back to the text.
     */
    private boolean windowsAcross(Kernels cpu, CudaKernels det) {
        String para = "The Equal-Info window coder restarts the arithmetic coder and M1's context every 16 bits, "
                + "so that M2 sees tokens that each carry the same information. ";
        List<byte[]> docs = new ArrayList<>();
        for (int len : new int[] {0, 1, 37, 300, 1000, 190, 64}) {
            byte[] d = new byte[len];
            for (int i = 0; i < len; i++) d[i] = (byte) para.charAt((i * 7 + len) % para.length());
            docs.add(d);
        }
        ModelConfig cfg = ModelConfig.preset("tiny", 256);
        StringBuilder why = new StringBuilder();
        boolean ok = true;
        try (Weights w = Weights.init(cfg, 21); CodingModel cm = new CodingModel(w.copy(), cpu, IntegerCdf.DEFAULT_PRECISION);
             CodingModel gm = new CodingModel(w.copy(), det, IntegerCdf.DEFAULT_PRECISION)) {
            WindowEncoder[] byCpu = encoders(docs), byGpu = encoders(docs);
            cm.run(List.of(byCpu), 4, null);
            gm.run(List.of(byGpu), 4, null);
            int windows = 0;
            for (int i = 0; i < docs.size() && ok; i++) {
                windows += byCpu[i].windows();
                if (!Arrays.equals(byCpu[i].tokens(), byGpu[i].tokens()) || !Arrays.equals(byCpu[i].byteCounts(), byGpu[i].byteCounts())) {
                    why.append("block ").append(i).append(": window codes differ");
                    ok = false;
                }
            }
            byte[][] gpuOut = new byte[docs.size()][], cpuOut = new byte[docs.size()][];
            if (ok) gm.run(List.of(decoders(byCpu, docs, gpuOut)), 4, null);
            if (ok) cm.run(List.of(decoders(byGpu, docs, cpuOut)), 3, null);
            for (int i = 0; i < docs.size() && ok; i++) {
                if (!Arrays.equals(gpuOut[i], docs.get(i))) { why.append("GPU decoding of CPU codes differs, block ").append(i); ok = false; }
                else if (!Arrays.equals(cpuOut[i], docs.get(i))) { why.append("CPU decoding of GPU codes differs, block ").append(i); ok = false; }
            }
            if (ok) why.append(docs.size()).append(" blocks, ").append(windows).append(" windows identical; decoded both ways");
        }
        record("EqualInfoAC[b=16] window codes CPU = GPU, and decoding across", ok, why.toString());
        return ok;
    }

    // ------------------------------------------------------------------ benchmarks

    /** The paper's M2 setting: 16-bit tokens (V = 65536), length 512; batch 8. */
    static final int BENCH_VOCAB = 65536, BENCH_T = 512, BENCH_B = 8;
    /** The paper's M1 setting: 128 sequences of 1,024 bytes. */
    static final int M1_B = 128, M1_T = 1024;

    /**
     * Training tokens/s of a {@link Transformer} with {@link Adafactor} on each profile: warm-up
     * steps, then timed steps (forward, backward, update), everything on the device.
     */
    private boolean benchTraining(CudaKernels det, CudaKernels fast, String preset, int vocab, int b, int t, int warmup, int steps,
                                  String key) {
        ModelConfig cfg = ModelConfig.preset(preset, vocab);
        double[] tps = new double[2];
        int i = 0;
        SplittableRandom rng = new SplittableRandom(2);
        int n = b * t;
        int[] in = randomTokens(rng, n, vocab, false), tg = randomTokens(rng, n, vocab, false);
        try (Weights w = Weights.init(cfg, 1)) {
            for (CudaKernels k : new CudaKernels[] {det, fast}) {
                try (Transformer tr = new Transformer(w, k); Adafactor opt = new Adafactor(k, w.layout(), tr.params(), tr.grads())) {
                    tr.reserve(b, t);
                    float loss = 0;
                    for (int s = 1; s <= warmup; s++) {
                        loss = tr.trainingForward(in, tg, b, t);
                        tr.backward();
                        opt.update(s, LR);
                    }
                    k.synchronize();
                    long t0 = System.nanoTime();
                    for (int s = warmup + 1; s <= warmup + steps; s++) {
                        loss = tr.trainingForward(in, tg, b, t);
                        tr.backward();
                        opt.update(s, LR);
                    }
                    k.synchronize();
                    double sec = (System.nanoTime() - t0) / 1e9;
                    tps[i] = (double) n * steps / sec;
                    System.out.printf("bench train %s V=%d B=%d T=%d %s: %.0f tokens/s (%d steps of %d tokens in %.3f s, last loss %.4f)%n",
                            preset, vocab, b, t, k.name(), tps[i], steps, n, sec, loss);
                }
                i++;
            }
        }
        results.put(key + "_det_tokens_per_s", String.format("%.0f", tps[0]));
        results.put(key + "_fast_tokens_per_s", String.format("%.0f", tps[1]));
        return true;
    }

    /**
     * M1 (3m, bytes) incremental decoding ({@link IncrementalM1}) of 4096 and of 16384 sequences at
     * once, positions 0..15 repeating (window-sized contexts, as in Equal-Info windows), logits copied
     * to the host every step; the integer CDF and the range coder are not included.
     */
    private boolean benchDecoding(CudaKernels det) {
        ModelConfig cfg = ModelConfig.preset("3m", 256);
        int window = 16;
        try (Weights w = Weights.init(cfg, 1)) {
            for (int nseq : new int[] {4096, 16384}) {
                try (IncrementalM1 dec = new IncrementalM1(w, det, nseq, window)) {
                    int[] tok = new int[nseq], pos = new int[nseq], slot = new int[nseq];
                    float[] logits = new float[nseq * 256];
                    for (int i = 0; i < nseq; i++) slot[i] = i;
                    SplittableRandom rng = new SplittableRandom(4);
                    for (int s = 0; s < window; s++) {   // warm-up
                        for (int i = 0; i < nseq; i++) { tok[i] = rng.nextInt(256); pos[i] = s; }
                        dec.step(nseq, slot, tok, pos, logits);
                    }
                    int steps = 4 * window;
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        for (int i = 0; i < nseq; i++) { tok[i] = rng.nextInt(256); pos[i] = s % window; }
                        dec.step(nseq, slot, tok, pos, logits);
                    }
                    double sec = (System.nanoTime() - t0) / 1e9;
                    double bps = (double) nseq * steps / sec;
                    System.out.printf("bench M1 3m incremental decoding (deterministic), %d sequences: %.2f MB/s of text (%d steps in %.3f s, logits to host included, CDF and coder excluded)%n",
                            nseq, bps / 1e6, steps, sec);
                    results.put("m1_3m_decode_" + nseq + "_MB_per_s", String.format("%.2f", bps / 1e6));
                }
            }
        }
        return true;
    }

    private List<byte[]> blocks(int block) {
        List<byte[]> docs = new ArrayList<>();
        for (int off = 0; off + block <= text.length; off += block) docs.add(Arrays.copyOfRange(text, off, off + block));
        return docs;
    }

    /**
     * EqualInfoAC[b=16] compression on the GPU: the text split into 1024-byte blocks, up to 4096
     * streams, the 3m M1 (random initialisation: its bytes per window differ from a trained model's),
     * rule G; wall time of {@link CodingModel#run} (model steps on the GPU; integer CDFs and coders
     * on the CPU).
     */
    private boolean benchEqualInfo(CudaKernels det) {
        if (text == null) {
            System.out.println("bench EqualInfoAC[b=16]: not measured (no --text sample)");
            return true;
        }
        int block = 1024, streams = 4096;
        List<byte[]> docs = blocks(block);
        ModelConfig cfg = ModelConfig.preset("3m", 256);
        try (CodingModel cm = new CodingModel(Weights.init(cfg, 1), det, IntegerCdf.DEFAULT_PRECISION)) {
            cm.run(List.of(encoders(docs.subList(0, Math.min(docs.size(), 64)))), streams, null);   // warm-up
            for (String mode : OVERLAP_MODES) {
                String saved = overlapMode(mode);
                try {
                    WindowEncoder[] enc = encoders(docs);
                    long t0 = System.nanoTime();
                    cm.run(List.of(enc), streams, null);
                    double sec = (System.nanoTime() - t0) / 1e9;
                    long bytes = (long) docs.size() * block, windows = 0;
                    for (WindowEncoder e : enc) windows += e.windows();
                    double mbps = bytes / sec / 1e6;
                    System.out.printf("bench EqualInfoAC[b=16] compress, 3m M1 (random init), %d blocks of %d bytes, up to %d streams, coders beside the step %s: %.2f MB/s "
                            + "(%.3f s, %.2f bytes per window, %d host threads for CDFs and coders)%n",
                            docs.size(), block, streams, mode, mbps, sec, (double) bytes / windows, det.pool().threads());
                    results.put("equalinfo_b16_compress_MB_per_s" + overlapSuffix(mode), String.format("%.2f", mbps));
                    results.put("equalinfo_b16_bytes_per_window", String.format("%.2f", (double) bytes / windows));
                } finally {
                    overlapMode(saved);
                }
            }
        }
        return true;
    }

    /**
     * Plain AC compression on the GPU: the text in 2048-byte blocks, each coded with the 3m M1 by
     * {@link CodingModel#run} (its prefill driver: steps of up to 512 positions of a block); wall time.
     */
    private boolean benchAc(CudaKernels det) {
        if (text == null) {
            System.out.println("bench AC: not measured (no --text sample)");
            return true;
        }
        int block = 2048;
        List<byte[]> docs = blocks(block);
        ModelConfig cfg = ModelConfig.preset("3m", 256);
        try (CodingModel cm = new CodingModel(Weights.init(cfg, 1), det, IntegerCdf.DEFAULT_PRECISION)) {
            List<StreamEncoder.Task> warm = new ArrayList<>(), tasks = new ArrayList<>();
            for (int i = 0; i < Math.min(8, docs.size()); i++) warm.add(new StreamEncoder.Task(docs.get(i), 0, block, IntegerCdf.DEFAULT_PRECISION));
            cm.run(warm, 32, null);
            for (String mode : OVERLAP_MODES) {
                String saved = overlapMode(mode);
                try {
                    tasks.clear();
                    for (byte[] d : docs) tasks.add(new StreamEncoder.Task(d, 0, block, IntegerCdf.DEFAULT_PRECISION));
                    long t0 = System.nanoTime();
                    cm.run(tasks, 32, null);
                    double sec = (System.nanoTime() - t0) / 1e9;
                    long bytes = (long) docs.size() * block, code = 0;
                    for (StreamEncoder.Task t : tasks) code += t.code().length;
                    double mbps = bytes / sec / 1e6;
                    System.out.printf("bench AC compress, 3m M1 (random init), %d blocks of %d bytes, coders beside the step %s: %.2f MB/s (%.3f s, %.3f bits/byte)%n",
                            docs.size(), block, mode, mbps, sec, 8.0 * code / bytes);
                    results.put("ac_compress_MB_per_s" + overlapSuffix(mode), String.format("%.2f", mbps));
                } finally {
                    overlapMode(saved);
                }
            }
        }
        return true;
    }

    /** The coding benchmarks run with the coders beside the model step (the GPU's default) and without. */
    private static final String[] OVERLAP_MODES = {"on", "off"};

    /** Sets {@link CodingModel#OVERLAP_PROPERTY} (null clears it) and returns its previous value. */
    private static String overlapMode(String mode) {
        String saved = System.getProperty(CodingModel.OVERLAP_PROPERTY);
        if (mode == null) System.clearProperty(CodingModel.OVERLAP_PROPERTY);
        else System.setProperty(CodingModel.OVERLAP_PROPERTY, mode);
        return saved;
    }

    /** The result key's suffix: none for the default (on), "_overlap_off" for off. */
    private static String overlapSuffix(String mode) {
        return "on".equals(mode) ? "" : "_overlap_" + mode;
    }
}
