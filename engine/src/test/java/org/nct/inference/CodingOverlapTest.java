package org.nct.inference;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.coding.CodingTask;
import org.nct.coding.CorruptInputException;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowEncoder;
import org.nct.coding.WindowRule;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * The drivers' pipelined mode ({@code nct.coding.overlap=on}: the coders of one group of streams run
 * on the coder thread while the model steps the other) codes every bit as the sequential mode does:
 * window codes, plain-AC codes (prefill and batch driver) and decoding, with many, odd and single
 * stream counts and blocks that end at different times. The tests check that the coder thread
 * really ran, so a silent fall-back to the sequential path fails them.
 */
class CodingOverlapTest {
    static final String CODER_THREAD = "nct-coder";
    static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at which "
            + "Neural compression, 1024 bytes; \u00e9t\u00e9 -- \"quoted\" (parenthesised) 3.14159\n").split(" ");
    static Weights weights;
    static Kernels kernels;
    static CodingModel model;

    @BeforeAll
    static void setUp() {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 11);
        kernels = new VectorKernels(Backends.species(256), 2);
        model = new CodingModel(weights, kernels, 16);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
    }

    static byte[] text(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(9) == 0 ? ".\n" : " ");
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), n);
    }

    /** Blocks of different lengths (0, 1 and a spread up to {@code longest}), so streams end at different times. */
    static List<byte[]> blocks(int count, int longest, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] all = text(count * longest, seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = i == 0 ? 0 : i == 1 ? 1 : 1 + r.nextInt(longest);
            int off = r.nextInt(all.length - len + 1);
            out.add(Arrays.copyOfRange(all, off, off + len));
        }
        return out;
    }

    /** Runs body with nct.coding.overlap = mode, restoring the property after. */
    static <T> T withOverlap(String mode, Supplier<T> body) {
        String saved = System.getProperty(CodingModel.OVERLAP_PROPERTY);
        System.setProperty(CodingModel.OVERLAP_PROPERTY, mode);
        try {
            return body.get();
        } finally {
            if (saved == null) System.clearProperty(CodingModel.OVERLAP_PROPERTY);
            else System.setProperty(CodingModel.OVERLAP_PROPERTY, saved);
        }
    }

    /** A task that records the threads its coder steps ran on. */
    record Watched(CodingTask task, Set<String> threads) implements CodingTask {
        @Override public int next() {
            return task.next();
        }

        @Override public int step(int[] cum) {
            threads.add(Thread.currentThread().getName());
            return task.step(cum);
        }

        @Override public int maxContext() {
            return task.maxContext();
        }
    }

    /** Runs tasks (wrapped, so the batch driver runs them) under mode; records the threads the coders ran on in threads; returns the last progress count. */
    static long[] run(String mode, List<? extends CodingTask> tasks, int streams, Set<String> threads) {
        List<CodingTask> watched = new ArrayList<>();
        for (CodingTask t : tasks) watched.add(new Watched(t, threads));
        long[] fed = {0};
        withOverlap(mode, () -> {
            model.run(watched, streams, f -> {
                assertTrue(f > fed[0], "progress grows");
                fed[0] = f;
            });
            return null;
        });
        return fed;
    }

    record Windows(byte[][] tokens, int[][] counts, long fed) { }

    static Windows encodeWindows(String mode, List<byte[]> blocks, int w, WindowRule rule, int streams, Set<String> threads) {
        List<WindowEncoder> tasks = new ArrayList<>();
        for (byte[] b : blocks) {
            WindowEncoder e = new WindowEncoder(w, rule, 16);
            e.start(b, 0, b.length);
            tasks.add(e);
        }
        long fed = run(mode, tasks, streams, threads)[0];
        byte[][] tokens = new byte[blocks.size()][];
        int[][] counts = new int[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) {
            tokens[i] = tasks.get(i).tokens();
            counts[i] = tasks.get(i).byteCounts();
        }
        return new Windows(tokens, counts, fed);
    }

    static byte[][] decodeWindows(String mode, Windows codes, List<byte[]> blocks, int w, WindowRule rule, int streams, Set<String> threads) {
        List<WindowDecoder> tasks = new ArrayList<>();
        byte[][] out = new byte[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) {
            WindowDecoder d = new WindowDecoder(w, rule, 16);
            out[i] = new byte[blocks.get(i).length];
            d.start(codes.tokens()[i], 0, codes.tokens()[i].length / (w / 8), out[i], 0, out[i].length);
            tasks.add(d);
        }
        run(mode, tasks, streams, threads);
        return out;
    }

    @Test
    void windowCodesAndDecodingAreBitIdentical() {
        List<byte[]> blocks = blocks(29, 120, 3);
        record Setting(int w, WindowRule rule) { }
        for (Setting s : new Setting[] {new Setting(16, WindowRule.G), new Setting(24, WindowRule.DELAY)}) {
            for (int streams : new int[] {1, 2, 5, 64}) {
                String where = "W=" + s.w() + " " + s.rule() + ", " + streams + " streams";
                Set<String> seq = ConcurrentHashMap.newKeySet(), pip = ConcurrentHashMap.newKeySet();
                Windows off = encodeWindows("off", blocks, s.w(), s.rule(), streams, seq);
                Windows on = encodeWindows("on", blocks, s.w(), s.rule(), streams, pip);
                for (int i = 0; i < blocks.size(); i++) {
                    assertArrayEquals(off.tokens()[i], on.tokens()[i], where + ", block " + i);
                    assertArrayEquals(off.counts()[i], on.counts()[i], where + ", block " + i);
                }
                assertEquals(off.fed(), on.fed(), where + ": model rows fed");
                assertFalse(seq.contains(CODER_THREAD), where + ": the sequential mode has no coder thread");
                assertEquals(streams >= 2, pip.contains(CODER_THREAD), where + ": the coder thread ran (from 2 streams)");

                byte[][] backOff = decodeWindows("off", off, blocks, s.w(), s.rule(), streams, seq);
                Set<String> dec = ConcurrentHashMap.newKeySet();
                byte[][] backOn = decodeWindows("on", on, blocks, s.w(), s.rule(), streams, dec);
                for (int i = 0; i < blocks.size(); i++) {
                    assertArrayEquals(blocks.get(i), backOff[i], where + ", decoded block " + i);
                    assertArrayEquals(blocks.get(i), backOn[i], where + ", decoded block " + i + " (pipelined)");
                }
                assertEquals(streams >= 2, dec.contains(CODER_THREAD), where + ": the decoder's coder thread ran");
            }
        }
    }

    /**
     * Plain-AC codes of the blocks: with {@code threads == null} the known-context tasks go to the
     * prefill driver; else wrapped (recording their threads) to the batch driver.
     */
    static byte[][] encodeAc(String mode, List<byte[]> blocks, int streams, Set<String> threads) {
        List<StreamEncoder.Task> tasks = new ArrayList<>();
        for (byte[] b : blocks) tasks.add(new StreamEncoder.Task(b, 0, b.length, 16));
        if (threads == null) {
            withOverlap(mode, () -> {
                model.run(tasks, streams, null);
                return null;
            });
        } else {
            run(mode, tasks, streams, threads);
        }
        byte[][] codes = new byte[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) codes[i] = tasks.get(i).code();
        return codes;
    }

    @Test
    void plainAcCodesAndDecodingAreBitIdentical() {
        // lengths around the prefill driver's 512 rows per step, so blocks span several chunks
        List<byte[]> blocks = new ArrayList<>(blocks(9, 300, 5));
        for (int len : new int[] {CodingModel.PREFILL_ROWS - 1, CodingModel.PREFILL_ROWS, CodingModel.PREFILL_ROWS + 1, 1300}) {
            blocks.add(text(len, len));
        }
        byte[][] ref = encodeAc("off", blocks, 4, null);
        for (int i = 0; i < blocks.size(); i++) {
            assertArrayEquals(StreamEncoder.encode(blocks.get(i), model.newByteModel()), ref[i], "single-stream model, block " + i);
        }
        assertArrayEquals(ref, encodeAc("on", blocks, 4, null), "prefill, pipelined");
        for (int streams : new int[] {1, 13}) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            assertArrayEquals(ref, encodeAc("on", blocks, streams, threads), "batch driver, pipelined, " + streams + " streams");
            assertEquals(streams >= 2, threads.contains(CODER_THREAD), streams + " streams: the coder thread ran");
            byte[][] back = new byte[blocks.size()][];
            List<StreamDecoder.Task> tasks = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) {
                back[i] = new byte[blocks.get(i).length];
                tasks.add(new StreamDecoder.Task(ref[i], 0, ref[i].length, back[i], 0, back[i].length, 16));
            }
            run("on", tasks, streams, threads);
            for (int i = 0; i < blocks.size(); i++) assertArrayEquals(blocks.get(i), back[i], streams + " streams, decoded block " + i);
        }
    }

    @Test
    void prefillRunsTheCoderOnTheCoderThread() {
        // a known-context task whose steps record their thread: the prefill driver's coder thread runs them
        byte[] data = text(1200, 9);
        StreamEncoder.Task inner = new StreamEncoder.Task(data, 0, data.length, 16);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        org.nct.coding.KnownContextTask watched = new org.nct.coding.KnownContextTask() {
            @Override public int next() {
                return inner.next();
            }

            @Override public int step(int[] cum) {
                threads.add(Thread.currentThread().getName());
                return inner.step(cum);
            }

            @Override public int length() {
                return inner.length();
            }

            @Override public int byteAt(int i) {
                return inner.byteAt(i);
            }
        };
        withOverlap("on", () -> {
            model.run(List.of(watched), 1, null);
            return null;
        });
        assertEquals(Set.of(CODER_THREAD), threads);
        assertArrayEquals(StreamEncoder.encode(data, model.newByteModel()), inner.code());
    }

    @Test
    void aCoderFailureOnTheCoderThreadReachesTheCaller() {
        List<byte[]> blocks = blocks(6, 80, 7);
        for (boolean prefill : new boolean[] {false, true}) {
            List<CodingTask> tasks = new ArrayList<>();
            for (byte[] b : blocks) tasks.add(new StreamEncoder.Task(b, 0, b.length, 16));
            CodingTask bad = new CodingTask() {
                int steps;

                @Override public int next() {
                    return CDF;
                }

                @Override public int step(int[] cum) {
                    if (++steps == 5) throw new CorruptInputException("corrupt on purpose");
                    return 'a';
                }
            };
            tasks.add(3, bad);
            if (prefill) tasks.replaceAll(t -> t instanceof StreamEncoder.Task s ? s : new Known(bad));
            List<CodingTask> run = tasks;
            CorruptInputException e = assertThrows(CorruptInputException.class, () -> withOverlap("on", () -> {
                model.run(run, 3, null);
                return null;
            }));
            assertEquals("corrupt on purpose", e.getMessage());
        }
        // the kernels serve the next run after a failed one
        byte[][] codes = encodeAc("on", blocks, 3, ConcurrentHashMap.newKeySet());
        assertArrayEquals(encodeAc("off", blocks, 3, ConcurrentHashMap.newKeySet()), codes);
    }

    /** A known-context task of 600 'a's around a task that fails. */
    record Known(CodingTask inner) implements org.nct.coding.KnownContextTask {
        @Override public int next() {
            return inner.next();
        }

        @Override public int step(int[] cum) {
            return inner.step(cum);
        }

        @Override public int length() {
            return 600;
        }

        @Override public int byteAt(int i) {
            return 'a';
        }
    }

    @Test
    void theModeComesFromTheProperty() {
        try (Kernels scalar = new ScalarKernels(1)) {
            assertFalse(withOverlap("auto", () -> CodingModel.overlap(scalar)), "auto is off on a host-resident backend");
            assertTrue(withOverlap("on", () -> CodingModel.overlap(scalar)));
            assertFalse(withOverlap("off", () -> CodingModel.overlap(scalar)));
            String saved = System.getProperty(CodingModel.OVERLAP_PROPERTY);
            System.clearProperty(CodingModel.OVERLAP_PROPERTY);
            try {
                assertFalse(CodingModel.overlap(scalar), "the default is auto");
            } finally {
                if (saved != null) System.setProperty(CodingModel.OVERLAP_PROPERTY, saved);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withOverlap("yes", () -> CodingModel.overlap(scalar)));
            assertEquals("nct.coding.overlap must be auto, on or off, got 'yes'", e.getMessage());
        }
    }
}
