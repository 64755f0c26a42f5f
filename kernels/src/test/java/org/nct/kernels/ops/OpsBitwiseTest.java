package org.nct.kernels.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.nct.kernels.ops.Bufs.get;
import static org.nct.kernels.ops.Bufs.of;
import static org.nct.kernels.ops.Bufs.poisoned;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.NctMath;
import org.nct.kernels.ScalarKernels;

/**
 * Bitwise determinism (Float.floatToRawIntBits) of the non-GEMM kernels: every Vector API width
 * and every thread count against the single-threaded scalar reference; batch invariance; the
 * KV-cache attention row against the batched forward; the lanewise exp/log against NctMath.
 */
class OpsBitwiseTest {

    private final Arena arena = Arena.ofAuto();

    // sizes with ragged tails for every width: not multiples of 4, 8 or 16
    static final int ROWS = 7, C = 83, B = 2, T = 37, H = 3, D = 22, NB = 32, MD = 128, V = 301, N = 20_011;

    /** Runs every op on fixed inputs; returns each output by name. */
    private Map<String, float[]> scenario(Kernels k) {
        SplittableRandom rng = new SplittableRandom(42);
        Map<String, float[]> out = new LinkedHashMap<>();

        float[] x = Bufs.normal(rng, ROWS * C, 1), gain = Bufs.uniform(rng, C, 0.5, 1.5), dy = Bufs.normal(rng, ROWS * C, 1);
        MemorySegment y = poisoned(arena, ROWS * C), rstd = poisoned(arena, ROWS), xs = of(arena, x), gs = of(arena, gain);
        k.rmsnormForward(y, 0, rstd, 0, xs, 0, gs, 0, ROWS, C, 1e-6f);
        out.put("rmsnorm.out", get(y));
        out.put("rmsnorm.rstd", get(rstd));
        MemorySegment dx = of(arena, Bufs.normal(rng, ROWS * C, 0.1)), dg = of(arena, Bufs.normal(rng, C, 0.1));
        k.rmsnormBackward(dx, 0, dg, 0, of(arena, dy), 0, xs, 0, gs, 0, rstd, 0, ROWS, C);
        out.put("rmsnorm.dx", get(dx));
        out.put("rmsnorm.dgain", get(dg));

        int hd = H * D;
        float[] qkv = Bufs.normal(rng, B * T * 3 * hd, 0.5), rb = Bufs.normal(rng, H * NB, 0.5);
        MemorySegment ao = poisoned(arena, B * T * hd), att = poisoned(arena, (long) B * H * T * T);
        MemorySegment qkvS = of(arena, qkv), rbS = of(arena, rb);
        k.attentionForward(ao, 0, att, 0, qkvS, 0, rbS, 0, B, T, H, D, NB, MD, 0.9f);
        out.put("attention.out", get(ao));
        out.put("attention.att", get(att));
        MemorySegment dqkv = of(arena, Bufs.normal(rng, qkv.length, 0.1)), drb = of(arena, Bufs.normal(rng, rb.length, 0.1));
        k.attentionBackward(dqkv, 0, drb, 0, of(arena, Bufs.normal(rng, B * T * hd, 1)), 0, qkvS, 0, att, 0, B, T, H, D, NB, MD, 0.9f);
        out.put("attention.dqkv", get(dqkv));
        out.put("attention.drelbias", get(drb));

        // head dimension a multiple of 16 (the vector path of the transposed scores)
        int d2 = 32, hd2 = H * d2;
        MemorySegment qkv2 = of(arena, Bufs.normal(rng, B * T * 3 * hd2, 0.5)), ao2 = poisoned(arena, B * T * hd2);
        MemorySegment att2 = poisoned(arena, (long) B * H * T * T);
        k.attentionForward(ao2, 0, att2, 0, qkv2, 0, rbS, 0, B, T, H, d2, NB, MD, 1f);
        out.put("attention.d32.out", get(ao2));
        out.put("attention.d32.att", get(att2));
        MemorySegment dqkv2 = of(arena, Bufs.normal(rng, B * T * 3 * hd2, 0.1)), drb2 = of(arena, Bufs.normal(rng, H * NB, 0.1));
        k.attentionBackward(dqkv2, 0, drb2, 0, of(arena, Bufs.normal(rng, B * T * hd2, 1)), 0, qkv2, 0, att2, 0, B, T, H, d2, NB, MD, 1f);
        out.put("attention.d32.dqkv", get(dqkv2));
        out.put("attention.d32.drelbias", get(drb2));

        float[] gate = Bufs.uniform(rng, N, -1, 1), up = Bufs.normal(rng, N, 1);
        MemorySegment gateS = of(arena, gate), upS = of(arena, up), r = poisoned(arena, N);
        k.reluGateForward(r, 0, gateS, 0, upS, 0, N);
        out.put("reluGate.out", get(r));
        MemorySegment dgate = of(arena, Bufs.normal(rng, N, 0.1)), dup = of(arena, Bufs.normal(rng, N, 0.1));
        k.reluGateBackward(dgate, 0, dup, 0, of(arena, Bufs.normal(rng, N, 1)), 0, gateS, 0, upS, 0, N);
        out.put("reluGate.dgate", get(dgate));
        out.put("reluGate.dup", get(dup));

        MemorySegment sum = poisoned(arena, N);
        k.add(sum, 0, gateS, 0, upS, 0, N);
        out.put("add", get(sum));
        k.scale(sum, 0, N, 0.3f);
        out.put("scale", get(sum));
        out.put("sumSquares", new float[] {k.sumSquares(upS, 0, N), k.sumSquares(upS, 3, 1000), k.sumSquares(upS, 1, 7)});
        MemorySegment z = poisoned(arena, N);
        k.zero(z, 1, N - 2);
        out.put("zero", get(z));

        int vocab = 13;
        int[] tok = new int[ROWS];
        for (int i = 0; i < ROWS; i++) tok[i] = rng.nextInt(vocab);
        MemorySegment table = of(arena, Bufs.normal(rng, vocab * C, 1)), tokS = Bufs.ints(arena, tok), e = poisoned(arena, ROWS * C);
        k.embeddingForward(e, 0, table, 0, tokS, 0, ROWS, C);
        out.put("embedding.out", get(e));
        k.embeddingBackward(table, 0, of(arena, dy), 0, tokS, 0, ROWS, C, vocab);
        out.put("embedding.dtable", get(table));

        int[] tgt = new int[ROWS];
        for (int i = 0; i < ROWS; i++) tgt[i] = i == 2 ? -1 : rng.nextInt(V);
        MemorySegment logits = of(arena, Bufs.normal(rng, ROWS * V, 2)), tgtS = Bufs.ints(arena, tgt);
        MemorySegment loss = poisoned(arena, ROWS), lse = poisoned(arena, ROWS), dl = poisoned(arena, ROWS * V);
        k.crossEntropyForward(loss, 0, lse, 0, logits, 0, tgtS, 0, ROWS, V, 1e-4f);
        out.put("ce.loss", get(loss));
        out.put("ce.lse", get(lse));
        k.crossEntropyBackward(dl, 0, logits, 0, lse, 0, tgtS, 0, ROWS, V, 1e-4f, 1f / 6);
        out.put("ce.dlogits", get(dl));

        MemorySegment p = of(arena, Bufs.normal(rng, N, 1)), g = of(arena, Bufs.normal(rng, N, 0.1));
        MemorySegment m = of(arena, Bufs.normal(rng, N, 0.01)), v = of(arena, Bufs.uniform(rng, N, 1e-4, 1e-2));
        k.adamw(p, 0, g, 0, m, 0, v, 0, N, 1e-3f, 0.9f, 0.95f, 0.1f, 0.05f, 1e-8f, 0.1f);
        out.put("adamw.p", get(p));
        out.put("adamw.m", get(m));
        out.put("adamw.v", get(v));

        int ar = 29, ac = 131;
        MemorySegment ap = of(arena, Bufs.normal(rng, ar * ac, 1)), vr = of(arena, Bufs.uniform(rng, ar, 1e-3, 1e-2));
        MemorySegment vc = of(arena, Bufs.uniform(rng, ac, 1e-3, 1e-2)), sc = poisoned(arena, ar * ac);
        k.adafactor(ap, 0, of(arena, Bufs.normal(rng, ar * ac, 1)), 0, vr, 0, vc, 0, null, 0, sc, 0, ar, ac, true, 1e-2f, 0.8f, 1e-30f, 1e-3f, 1f);
        out.put("adafactor.factored.p", get(ap));
        out.put("adafactor.factored.vr", get(vr));
        out.put("adafactor.factored.vc", get(vc));
        MemorySegment vfull = of(arena, Bufs.uniform(rng, ac, 1e-3, 1e-2)), pv = of(arena, Bufs.normal(rng, ac, 1));
        k.adafactor(pv, 0, of(arena, Bufs.normal(rng, ac, 0.1)), 0, null, 0, null, 0, vfull, 0, sc, 0, 1, ac, false, 1e-2f, 0.8f, 1e-30f, 1e-3f, 1f);
        out.put("adafactor.unfactored.p", get(pv));
        out.put("adafactor.unfactored.v", get(vfull));
        return out;
    }

    private static void assertSameBits(Map<String, float[]> want, Map<String, float[]> got, String who) {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, float[]> en : want.entrySet()) {
            float[] a = en.getValue(), b = got.get(en.getKey());
            int i = Bufs.firstBitDiff(a, b);
            if (i >= 0) bad.add(en.getKey() + "[" + i + "]: " + a[i] + " vs " + b[i]);
        }
        if (!bad.isEmpty()) fail(who + " differs from scalar/1 thread: " + bad);
    }

    @Test
    void everyWidthAndThreadCountGivesTheScalarBits() {
        Map<String, float[]> ref;
        try (Kernels k = new ScalarKernels(1)) {
            ref = scenario(k);
        }
        for (Backend backend : Backend.values()) {
            for (int threads : new int[] {1, 2, 4}) {
                if (backend == Backend.SCALAR && threads == 1) continue;
                try (Kernels k = backend.open(threads)) {
                    assertSameBits(ref, scenario(k), k.name() + "/" + threads + " threads");
                    assertSameBits(ref, scenario(k), k.name() + "/" + threads + " threads, second call (reused scratch)");
                }
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnTheRestOfTheBatch() {
        SplittableRandom rng = new SplittableRandom(7);
        int hd = H * D, bMax = 3;
        float[] qkv = Bufs.normal(rng, bMax * T * 3 * hd, 0.5), rb = Bufs.normal(rng, H * NB, 0.5);
        float[] x = Bufs.normal(rng, 5 * C, 1), gain = Bufs.uniform(rng, C, 0.5, 1.5);
        float[] logits = Bufs.normal(rng, 5 * V, 2);
        int[] tgt = {3, 100, 7, 0, 300};
        for (Backend backend : Backend.values()) {
            try (Kernels k = backend.open(2)) {
                float[] att1 = null, out1 = null, rms1 = null, ce1 = null;
                for (int b = 1; b <= bMax; b++) {
                    MemorySegment out = poisoned(arena, b * T * hd), att = poisoned(arena, (long) b * H * T * T);
                    k.attentionForward(out, 0, att, 0, of(arena, qkv), 0, of(arena, rb), 0, b, T, H, D, NB, MD, 1f);
                    MemorySegment y = poisoned(arena, (long) b * C), rstd = poisoned(arena, b);
                    k.rmsnormForward(y, 0, rstd, 0, of(arena, x), 0, of(arena, gain), 0, b, C, 1e-6f);
                    MemorySegment loss = poisoned(arena, b), lse = poisoned(arena, b);
                    k.crossEntropyForward(loss, 0, lse, 0, of(arena, logits), 0, Bufs.ints(arena, tgt), 0, b, V, 1e-4f);
                    float[] o = get(out, 0, T * hd), a = get(att, 0, H * T * T), r = get(y, 0, C), c = get(loss, 0, 1);
                    if (b == 1) {
                        out1 = o; att1 = a; rms1 = r; ce1 = c;
                    } else {
                        String who = k.name() + " batch " + b;
                        assertEquals(-1, Bufs.firstBitDiff(out1, o), who + ": attention out of sequence 0");
                        assertEquals(-1, Bufs.firstBitDiff(att1, a), who + ": attention probabilities of sequence 0");
                        assertEquals(-1, Bufs.firstBitDiff(rms1, r), who + ": rmsnorm row 0");
                        assertEquals(-1, Bufs.firstBitDiff(ce1, c), who + ": cross-entropy row 0");
                    }
                }
            }
        }
    }

    @Test
    void attentionRowIsOneRowOfTheForward() {
        SplittableRandom rng = new SplittableRandom(8);
        int t = 150, h = 2, d = 48, hd = h * d;  // distances cover every T5 bucket (32/128); d: the vector scores path
        float[] qkv = Bufs.normal(rng, t * 3 * hd, 0.5), rb = Bufs.normal(rng, h * NB, 1);
        for (Backend backend : Backend.values()) {
            try (Kernels k = backend.open(2)) {
                MemorySegment qkvS = of(arena, qkv), rbS = of(arena, rb);
                MemorySegment out = poisoned(arena, t * hd), att = poisoned(arena, (long) h * t * t);
                k.attentionForward(out, 0, att, 0, qkvS, 0, rbS, 0, 1, t, h, d, NB, MD, 0.7f);
                float[] full = get(out);
                // the KV cache is the k and v columns of qkv (stride 3·H·D); q of token pos
                MemorySegment row = poisoned(arena, hd), scratch = poisoned(arena, t);
                for (int pos : new int[] {0, 1, 15, 16, 17, 63, 112, 113, 149}) {
                    k.attentionRow(row, 0, qkvS, (long) pos * 3 * hd, qkvS, hd, qkvS, 2L * hd, 3L * hd,
                            rbS, 0, scratch, 0, pos, h, d, NB, MD, 0.7f);
                    float[] want = java.util.Arrays.copyOfRange(full, pos * hd, (pos + 1) * hd);
                    assertEquals(-1, Bufs.firstBitDiff(want, get(row)), k.name() + ": attentionRow at pos " + pos);
                }
            }
        }
    }

    @Test
    void lanewiseExpAndLogAreNctMathBitForBit() {
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, NctMath.EXP_HI, Math.nextUp(NctMath.EXP_HI),
                NctMath.EXP_LO, Math.nextDown(NctMath.EXP_LO), Math.nextUp(NctMath.EXP_LO), -87.33655f, 88f, -100f, 0.70710677f,
                0.7071068f, 1e-40f, 3e-39f};
        // every 65537th bit pattern, special values, uniform samples over exp's domain and beyond; a multiple of 16
        int sweep = (int) (0x100000000L / 65537) + 1, n = (sweep + 60_000 + special.length + 15) / 16 * 16;
        float[] in = new float[n];
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < n; i++) {
            if (i < sweep) in[i] = Float.intBitsToFloat((int) (65537L * i));
            else if (i < sweep + special.length) in[i] = special[i - sweep];
            else in[i] = (float) (-110 + 200 * rng.nextDouble());
        }
        MemorySegment x = of(arena, in), out = poisoned(arena, n);
        for (int bits : new int[] {128, 256, 512}) {
            Lanes lanes = Lanes.of(Backends.species(bits));
            Bufs.poison(out);
            assertEquals(n, lanes.expRange(out, 0, x, 0, n, 0f, 1f, 1f));
            float[] e = get(out);
            Bufs.poison(out);
            assertEquals(n, lanes.logRange(out, 0, x, 0, n));
            float[] g = get(out);
            // NaN results compare as NaN: payloads are not part of the profile (the JIT may fold x − 0)
            for (int i = 0; i < n; i++) {
                float want = NctMath.exp(in[i] - 0f);
                if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(e[i]) && !(Float.isNaN(want) && Float.isNaN(e[i]))) {
                    fail(bits + "-bit exp(" + in[i] + ") = " + e[i] + ", NctMath: " + want);
                }
                if (Float.floatToRawIntBits(NctMath.log(in[i])) != Float.floatToRawIntBits(g[i])) {
                    fail(bits + "-bit log(" + in[i] + ") = " + g[i] + ", NctMath: " + NctMath.log(in[i]));
                }
            }
        }
    }

    @Test
    void reductionsFollowTheCanonicalOrderNotJustAnOrder() {
        // The canonical 16-partial sum differs from a sequential sum on these inputs: a backend that
        // sums in any other order gives different bits.
        SplittableRandom rng = new SplittableRandom(9);
        float[] a = Bufs.normal(rng, 1000, 1);
        float[] p = new float[16];
        for (int i = 0; i < a.length; i++) p[i & 15] = Math.fma(a[i], a[i], p[i & 15]);
        float want = org.nct.kernels.NumericsProfile.tree16(p);
        float sequential = 0;
        for (float v : a) sequential = Math.fma(v, v, sequential);
        assertEquals(true, Float.floatToRawIntBits(want) != Float.floatToRawIntBits(sequential), "inputs must tell the orders apart");
        for (Backend backend : Backend.values()) {
            try (Kernels k = backend.open(1)) {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(k.sumSquares(of(arena, a), 0, a.length)), k.name());
            }
        }
    }
}
