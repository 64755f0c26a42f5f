package org.nct.inference;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowCoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Transformer;
import org.nct.model.Weights;

/** Bitwise determinism of incremental M1 inference (numerics profile) and its golden vector. */
class IncrementalM1Test {
    static final byte[] TEXT = "It was the best of times; 0123 \u00e9\u00e8 the lazy dog.\n".getBytes(StandardCharsets.UTF_8);
    static Weights weights;

    @BeforeAll
    static void model() {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 42);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    static int[] tokens() {
        int[] t = new int[TEXT.length + 1];
        t[0] = CodingModel.START;
        for (int i = 0; i < TEXT.length; i++) t[i + 1] = TEXT[i] & 0xFF;
        return t;
    }

    /** Logits of every position, byte by byte, stream in slot {@code slot} of a batch with {@code others} other streams. */
    static int[][] incremental(Kernels k, int others) {
        int[] toks = tokens();
        int n = toks.length;
        int[][] bits = new int[n][256];
        SplittableRandom r = new SplittableRandom(others);
        int slots = others + 1;
        int target = others / 2;            // the observed stream sits in the middle of the batch
        try (IncrementalM1 m1 = new IncrementalM1(weights, k, slots)) {
            int[] slotOf = new int[slots], tk = new int[slots], pos = new int[slots];
            int[] otherPos = new int[slots];
            for (int s = 0; s < slots; s++) otherPos[s] = r.nextInt(5);   // other streams start at other positions
            // give the others some cached history first
            for (int s = 0; s < slots; s++) {
                for (int p = 0; p < otherPos[s]; p++) m1.step(1, new int[] {s}, new int[] {r.nextInt(256)}, new int[] {p}, new float[256]);
            }
            float[] out = new float[slots * 256];
            for (int t = 0; t < n; t++) {
                int rows = 0;
                for (int s = 0; s < slots; s++) {
                    slotOf[rows] = s;
                    if (s == target) {
                        tk[rows] = toks[t];
                        pos[rows] = t;
                    } else {
                        tk[rows] = r.nextInt(256);
                        pos[rows] = otherPos[s]++;
                    }
                    rows++;
                }
                m1.step(rows, slotOf, tk, pos, out);
                int row = target;
                for (int v = 0; v < 256; v++) bits[t][v] = Float.floatToRawIntBits(out[row * 256 + v]);
            }
        }
        return bits;
    }

    static int[][] prefill(Kernels k) {
        int[] toks = tokens();
        int n = toks.length;
        int[][] bits = new int[n][256];
        try (Transformer tr = new Transformer(weights, k)) {
            tr.forward(toks, null, 1, n);
            MemorySegment act = tr.activations();
            long off = tr.logitsOffset();
            for (int t = 0; t < n; t++) {
                for (int v = 0; v < 256; v++) bits[t][v] = Float.floatToRawIntBits(act.getAtIndex(ValueLayout.JAVA_FLOAT, off + (long) t * 256 + v));
            }
        }
        return bits;
    }

    @Test
    void incrementalEqualsPrefillAloneAndInBatches() {
        try (Kernels k = new ScalarKernels(1)) {
            int[][] ref = prefill(k);
            assertArrayEquals(ref, incremental(k, 0), "alone");
            assertArrayEquals(ref, incremental(k, 7), "in a batch with 7 others");
            assertArrayEquals(ref, incremental(k, 64), "in a batch with 64 others");
        }
    }

    @Test
    void sameBitsOnEveryBackendWidthAndThreadCount() {
        int[][] ref;
        try (Kernels k = new ScalarKernels(1)) {
            ref = incremental(k, 7);
        }
        for (int threads : new int[] {1, 2}) {
            try (Kernels k = new ScalarKernels(threads)) {
                assertArrayEquals(ref, incremental(k, 7), "scalar, " + threads + " threads");
            }
            for (int bits : threads == 1 ? new int[] {128, 256, 512} : new int[] {256}) {
                try (Kernels k = new VectorKernels(Backends.species(bits), threads)) {
                    assertArrayEquals(ref, incremental(k, 7), "vector " + bits + ", " + threads + " threads");
                    if (bits == 256 && threads == 2) assertArrayEquals(ref, prefill(k), "prefill, vector 256, 2 threads");
                }
            }
        }
    }

    /** Golden vector: SHA-256 of every CDF (2^16 and 2^14) of the fixed text under the tiny seed-42 model. */
    @Test
    void goldenCdfHash() throws Exception {
        try (Kernels k = new ScalarKernels(1)) {
            CodingModel cm = new CodingModel(weights, k, 16);
            int[][] bits = incremental(k, 0);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            float[] logits = new float[256];
            int[] cum = new int[257];
            for (int[] row : bits) {
                for (int v = 0; v < 256; v++) logits[v] = Float.intBitsToFloat(row[v]);
                for (int p : new int[] {16, 14}) {
                    IntegerCdf.fromLogits(logits, 0, p, cum);
                    for (int c : cum) sha.update(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
                }
            }
            assertEquals(GOLDEN_CDFS, HexFormat.of().formatHex(sha.digest()));
            assertEquals(GOLDEN_ID, cm.idHex());
        }
    }

    static final String GOLDEN_CDFS = "04996f7f46ae7ab55ec4f35c7f10a254756cb7b9d20714ebb3a53f39478d2049";
    static final String GOLDEN_ID = "de79e5e97211484b7479cf126444697f15872c87a708a59618cad1468c8c65b3";

    /** The batch driver (start-state caching, continuous batching) gives the single-stream model's bytes. */
    @Test
    void batchDriverEqualsSingleStream() {
        SplittableRandom r = new SplittableRandom(1);
        try (Kernels k = new VectorKernels(Backends.species(256), 1)) {
            CodingModel cm = new CodingModel(weights, k, 16);
            List<byte[]> blocks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] b = new byte[i * 6];
                for (int j = 0; j < b.length; j++) b[j] = TEXT[r.nextInt(TEXT.length)];
                blocks.add(b);
            }
            for (WindowRule rule : WindowRule.values()) {
                List<WindowEncoder> tasks = new ArrayList<>();
                for (byte[] b : blocks) {
                    WindowEncoder e = new WindowEncoder(16, rule, 16);
                    e.start(b, 0, b.length);
                    tasks.add(e);
                }
                cm.run(tasks, 3, null);
                for (int i = 0; i < blocks.size(); i++) {
                    WindowCoder.Windows single = WindowCoder.encode(blocks.get(i), cm.newByteModel(), 16, rule);
                    assertArrayEquals(single.codes(), tasks.get(i).tokens(), rule + " block " + i);
                    assertArrayEquals(single.byteCounts(), tasks.get(i).byteCounts());
                }
            }
            byte[] code = StreamEncoder.encode(TEXT, cm.newByteModel());
            assertTrue(code.length > 0);
        }
    }

    /** Prefill (a block's positions as rows of one step) codes the same bytes as one step per byte. */
    @Test
    void prefillEqualsBatchDriver() {
        SplittableRandom r = new SplittableRandom(2);
        List<byte[]> blocks = new ArrayList<>();
        for (int len : new int[] {1, 17, 40, 700}) {
            byte[] b = new byte[len];
            for (int j = 0; j < len; j++) b[j] = TEXT[r.nextInt(TEXT.length)];
            blocks.add(b);
        }
        for (int threads : new int[] {1, 2}) {
            try (Kernels k = new VectorKernels(Backends.species(512), threads)) {
                CodingModel cm = new CodingModel(weights, k, 16);
                List<StreamEncoder.Task> prefilled = new ArrayList<>();
                List<CodingTask> stepped = new ArrayList<>();
                List<StreamEncoder.Task> steppedTasks = new ArrayList<>();
                for (byte[] b : blocks) {
                    prefilled.add(new StreamEncoder.Task(b, 0, b.length, 16));
                    StreamEncoder.Task t = new StreamEncoder.Task(b, 0, b.length, 16);
                    steppedTasks.add(t);
                    stepped.add(new CodingTask() {      // hides KnownContextTask: the batch driver runs it
                        @Override public int next() { return t.next(); }
                        @Override public int step(int[] cum) { return t.step(cum); }
                    });
                }
                cm.run(prefilled, 3, null);
                cm.run(stepped, 3, null);
                for (int i = 0; i < blocks.size(); i++) {
                    assertArrayEquals(steppedTasks.get(i).code(), prefilled.get(i).code(), "block " + i + ", " + threads + " threads");
                }
                assertArrayEquals(StreamEncoder.encode(blocks.get(3), cm.newByteModel()), prefilled.get(3).code(), "single stream");
            }
        }
    }
}
