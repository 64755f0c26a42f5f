package org.nct.container;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/**
 * Fuzz harness of the .nct reader (versions 1 and 2): byte-level damage (flips, truncation,
 * deletion, insertion, splices of two files) and structural forgeries written with the format's
 * own layout and recomputed CRCs (blocks and frames swapped, dropped or repeated; table, header
 * and trailer fields rewritten). The oracle: every case either fails with an
 * {@link NctFormatException} or decodes to exactly the original, within {@link #CASE_LIMIT_S}.
 * A failing case is written to {@code engine/target/fuzz-failures/} with its seed.
 *
 * <p>The suite runs it for {@value #SUITE_SECONDS} s. Longer run (docs/compression.md):
 * {@code mvn -B -o test -pl engine -am -Dtest=NctFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dnct.fuzz.seconds=600 -Dnct.fuzz.seed=1}
 */
class NctFuzzTest {
    static final int SUITE_SECONDS = 8;
    static final int CASE_LIMIT_S = 20;
    static Weights weights;
    static Kernels kernels;
    static CodingModel model;
    static final List<byte[]> ORIGINALS = new ArrayList<>();
    static final List<byte[]> FILES = new ArrayList<>();
    static final List<Boolean> V2 = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        weights = Weights.init(ModelConfig.preset("tiny", 256), 7);
        kernels = new ScalarKernels(1);
        model = new CodingModel(weights, kernels, 16);
        byte[] text = "Fuzzing the reader: a cat, a dog and a bird sat on a mat, a log and a branch. ".repeat(8).getBytes(StandardCharsets.UTF_8);
        add(Arrays.copyOf(text, 600), new NctCodec.Settings(0, WindowRule.G, 8, 8), true);      // two frames
        add(Arrays.copyOf(text, 200), new NctCodec.Settings(16, WindowRule.G, 24, 4), true);
        add(Arrays.copyOf(text, 120), new NctCodec.Settings(24, WindowRule.DELAY, 50, 2), true);
        add(new byte[0], new NctCodec.Settings(0, WindowRule.G, 64, 2), true);
        add(Arrays.copyOf(text, 150), new NctCodec.Settings(0, WindowRule.G, 40, 4), false);
        add(Arrays.copyOf(text, 150), new NctCodec.Settings(16, WindowRule.G, 32, 4), false);
    }

    static void add(byte[] data, NctCodec.Settings s, boolean v2) throws IOException {
        ORIGINALS.add(data);
        FILES.add(v2 ? NctCodec.compress(model, s, data) : V1Files.compress(model, s, data));
        V2.add(v2);
    }

    @AfterAll
    static void tearDown() {
        kernels.close();
        weights.close();
    }

    @Test
    void fuzz() throws Exception {
        long seconds = Long.getLong("nct.fuzz.seconds", SUITE_SECONDS);
        long seed = Long.getLong("nct.fuzz.seed", 13);
        SplittableRandom r = new SplittableRandom(seed);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int cases = 0, errors = 0, intact = 0;
        ExecutorService pool = Executors.newSingleThreadExecutor(t -> {
            Thread th = new Thread(t, "fuzz-case");
            th.setDaemon(true);
            return th;
        });
        try {
            while (System.nanoTime() < deadline || cases < 100) {
                int which = r.nextInt(FILES.size());
                int kind = r.nextInt(10);
                byte[] f = mutate(FILES.get(which), V2.get(which), kind, r);
                byte[] original = ORIGINALS.get(which);
                cases++;
                Future<byte[]> result = pool.submit(() -> decompress(f));
                try {
                    byte[] out = result.get(CASE_LIMIT_S, TimeUnit.SECONDS);
                    if (!Arrays.equals(original, out)) fail(f, seed, cases, "a damaged file decoded to other bytes without an error (mutation " + kind + ")");
                    intact++;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof NctFormatException)) {
                        fail(f, seed, cases, "mutation " + kind + " escaped as " + e.getCause());
                    }
                    errors++;
                } catch (TimeoutException e) {
                    fail(f, seed, cases, "mutation " + kind + " took more than " + CASE_LIMIT_S + " s to decode");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("nct fuzz: %d cases (seed %d): %d format errors, %d decoded intact%n", cases, seed, errors, intact);
        assertTrue(errors > cases / 2, errors + " errors in " + cases + " cases");
    }

    static void fail(byte[] f, long seed, int n, String why) throws IOException {
        Path d = Path.of("target", "fuzz-failures");
        Files.createDirectories(d);
        Path p = d.resolve("seed" + seed + "-case" + n + ".nct");
        Files.write(p, f);
        org.junit.jupiter.api.Assertions.fail(why + "; input saved to " + p.toAbsolutePath());
    }

    static byte[] decompress(byte[] f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NctCodec.decompress(p -> model, new ByteArrayInputStream(f), out, 4, null);
        return out.toByteArray();
    }

    static byte[] mutate(byte[] file, boolean v2, int kind, SplittableRandom r) throws IOException {
        byte[] f = file.clone();
        switch (kind) {
            case 0 -> {
                int bit = r.nextInt(f.length * 8);
                f[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            case 1 -> f[r.nextInt(f.length)] = (byte) r.nextInt(256);
            case 2 -> f = Arrays.copyOf(f, r.nextInt(f.length));
            case 3 -> {
                int at = r.nextInt(f.length), n = 1 + r.nextInt(Math.min(16, f.length - at));
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(f, 0, at);
                o.write(f, at + n, f.length - at - n);
                f = o.toByteArray();
            }
            case 4 -> {
                int at = r.nextInt(f.length + 1);
                byte[] ins = new byte[1 + r.nextInt(8)];
                r.nextBytes(ins);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(f, 0, at);
                o.write(ins);
                o.write(f, at, f.length - at);
                f = o.toByteArray();
            }
            case 5 -> {
                byte[] g = FILES.get(r.nextInt(FILES.size()));
                int a = r.nextInt(f.length + 1), b = r.nextInt(g.length + 1);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(f, 0, a);
                o.write(g, b, g.length - b);
                f = o.toByteArray();
            }
            default -> f = v2 ? forgeV2(f, r) : forgeV1(f, r);
        }
        return f;
    }

    /** A structural forgery of a version 2 file, every CRC recomputed. */
    static byte[] forgeV2(byte[] file, SplittableRandom r) {
        V2File v = V2File.parse(file, model.id());
        if (v.frames.isEmpty()) {
            v.trailer = new NctFrames.Trailer(r.nextInt(3), r.nextInt(100), v.trailer.sha256());
            return v.bytes();
        }
        V2File.Frame f = v.frames.get(r.nextInt(v.frames.size()));
        int i = r.nextInt(f.raw.size());
        switch (r.nextInt(9)) {
            case 0 -> f.swapBlocks(i, r.nextInt(f.raw.size()));
            case 1 -> {
                if (f.raw.size() > 1) f.removeBlock(i);
            }
            case 2 -> f.raw.set(i, Math.max(1, f.raw.get(i) + r.nextInt(-8, 9)));
            case 3 -> {
                int k = Math.max(0, f.code.get(i) + r.nextInt(-3, 4));
                f.codes.set(i, Arrays.copyOf(f.codes.get(i), k));
                f.code.set(i, k);
            }
            case 4 -> f.check.set(i, r.nextInt());
            case 5 -> f.index += r.nextInt(-1, 2);
            case 6 -> {
                V2File.Frame copy = f.copy();
                copy.index = v.frames.size();
                v.frames.add(copy);
            }
            case 7 -> {
                if (v.frames.size() > 1) java.util.Collections.swap(v.frames, 0, 1);
            }
            default -> v.trailer = new NctFrames.Trailer(v.trailer.frames() + r.nextInt(-1, 2), v.trailer.rawLength() + r.nextInt(-9, 10), v.trailer.sha256());
        }
        return v.bytes();
    }

    /** A structural forgery of a version 1 file: block table fields rewritten, CRCs recomputed. */
    static byte[] forgeV1(byte[] file, SplittableRandom r) throws IOException {
        NctHeader h = NctHeader.read(new ByteArrayInputStream(file), p -> model.id());
        int payload = Arrays.stream(h.blockCode()).sum();
        byte[] codes = Arrays.copyOfRange(file, file.length - payload, file.length);
        int[] raw = h.blockRaw().clone(), code = h.blockCode().clone(), crc = h.blockCrc().clone();
        long rawLength = h.rawLength();
        int blockSize = h.blockSize();
        int i = raw.length == 0 ? -1 : r.nextInt(raw.length);
        switch (r.nextInt(5)) {
            case 0 -> {
                if (i >= 0) code[i] = Math.max(0, code[i] + r.nextInt(-4, 5));
            }
            case 1 -> {
                if (i >= 0) {
                    int j = r.nextInt(raw.length);
                    int t = crc[i]; crc[i] = crc[j]; crc[j] = t;
                    t = code[i]; code[i] = code[j]; code[j] = t;
                }
            }
            case 2 -> {     // claim larger blocks of the same codes
                blockSize = Math.min(NctHeader.MAX_BLOCK, blockSize * (2 + r.nextInt(100)));
                rawLength = Math.min((long) blockSize * raw.length, rawLength * 50);
                for (int k = 0; k < raw.length; k++) raw[k] = (int) Math.min(blockSize, rawLength - (long) k * blockSize);
            }
            case 3 -> rawLength += r.nextInt(-5, 6);
            default -> {
                if (i >= 0) crc[i] ^= 1 << r.nextInt(32);
            }
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        new NctHeader(h.modelId(), h.precision(), h.windowBits(), h.rule(), blockSize, Math.max(0, rawLength), h.rawCrc(), raw, code, crc).write(o);
        o.write(codes);
        return o.toByteArray();
    }
}
