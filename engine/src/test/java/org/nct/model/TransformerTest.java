package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;

class TransformerTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Small shapes with 40 positions (beyond the 16 exact buckets) and dimensions that are not multiples of 16. */
    static final ModelConfig SMALL = ModelConfig.of(40, 24, 2, 12, 2, 36);

    /** T5X init, then norms and relative biases moved away from their initial values so every path matters. */
    static Weights randomWeights(ModelConfig c, long seed) {
        Weights w = Weights.init(c, seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (ParameterLayout.Tensor t : w.layout().tensors()) {
            boolean norm = t.name().endsWith("norm.weight"), bias = t.name().endsWith("rel_bias");
            if (!norm && !bias) continue;
            for (long i = 0; i < t.size(); i++) {
                float v = norm ? (float) (1 + 0.3 * (r.nextDouble() - 0.5)) : (float) (r.nextDouble() - 0.5);
                w.params().setAtIndex(F, t.offset() + i, v);
            }
        }
        return w;
    }

    /** Random tokens with some padding: input -1 at the end of sequence 1, targets -1 there and at one inner position. */
    static int[][] batch(ModelConfig c, int b, int t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] in = new int[b * t], tg = new int[b * t];
        for (int i = 0; i < b * t; i++) {
            in[i] = r.nextInt(c.vocabSize());
            tg[i] = r.nextInt(c.vocabSize());
        }
        if (b > 1) {
            for (int i = t - 5; i < t; i++) {
                in[t + i] = -1;
                tg[t + i] = -1;
            }
        }
        tg[3] = -1;
        return new int[][] {in, tg};
    }

    @Test
    void lossAndEveryGradientAgreeWithADoublePrecisionReference() {
        int b = 2, t = 40;
        int[][] data = batch(SMALL, b, t, 5);
        try (Weights w = randomWeights(SMALL, 3); Kernels k = new ScalarKernels(1); Transformer m = new Transformer(w, k)) {
            float loss = m.trainingForward(data[0], data[1], b, t);
            double[] p = DoubleReference.params(w);
            ParameterLayout l = w.layout();
            double ref = DoubleReference.loss(SMALL, l, p, data[0], data[1], b, t);
            assertEquals(ref, loss, 2e-6 * Math.abs(ref), "loss vs double reference");
            assertEquals(2 * t - 5 - 1, m.tokenCount());
            m.backward();
            MemorySegment g = m.grads();
            SplittableRandom r = new SplittableRandom(9);
            int checked = 0;
            for (ParameterLayout.Tensor tensor : l.tensors()) {
                double rms = 0;
                for (long i = 0; i < tensor.size(); i++) rms += Math.pow(g.getAtIndex(F, tensor.offset() + i), 2);
                rms = Math.sqrt(rms / tensor.size());
                assertTrue(rms > 0, tensor.name() + " has a zero gradient");
                for (int probe = 0; probe < 5; probe++) {
                    int idx = (int) (tensor.offset() + r.nextLong(tensor.size()));
                    double h = 1e-5, saved = p[idx];
                    p[idx] = saved + h;
                    double up = DoubleReference.loss(SMALL, l, p, data[0], data[1], b, t);
                    p[idx] = saved - h;
                    double down = DoubleReference.loss(SMALL, l, p, data[0], data[1], b, t);
                    p[idx] = saved;
                    double fd = (up - down) / (2 * h);
                    double got = g.getAtIndex(F, idx);
                    assertEquals(fd, got, 1e-3 * Math.abs(fd) + 1e-3 * rms,
                            tensor.name() + "[" + (idx - tensor.offset()) + "]: analytic " + got + " vs finite difference " + fd);
                    checked++;
                }
            }
            assertEquals(5 * l.tensors().size(), checked);
            // a second step on the same batch gives the same gradient bits (nothing stale accumulates)
            int[] first = new int[(int) l.size()];
            for (int i = 0; i < first.length; i++) first[i] = Float.floatToRawIntBits(g.getAtIndex(F, i));
            m.trainingForward(data[0], data[1], b, t);
            m.backward();
            for (int i = 0; i < first.length; i++) assertEquals(first[i], Float.floatToRawIntBits(g.getAtIndex(F, i)), "gradient " + i);
            // a token that never occurs as input gets no embedding gradient
            boolean[] seen = new boolean[SMALL.vocabSize()];
            for (int x : data[0]) seen[Math.max(x, 0)] = true;
            for (int v = 0; v < SMALL.vocabSize(); v++) {
                if (seen[v]) continue;
                for (int c = 0; c < SMALL.dModel(); c++) assertEquals(0f, g.getAtIndex(F, l.embed() + (long) v * SMALL.dModel() + c));
            }
        }
    }

    @Test
    void aSequenceGetsTheSameBitsWhateverElseIsInTheBatch() {
        int t = 24;
        int[][] big = batch(SMALL, 3, t, 21);
        try (Weights w = randomWeights(SMALL, 4); Kernels k = new VectorKernels(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, 2);
             Transformer m3 = new Transformer(w, k); Transformer m1 = new Transformer(w, k)) {
            m3.forward(big[0], big[1], 3, t);
            int[] in1 = java.util.Arrays.copyOfRange(big[0], 2 * t, 3 * t), tg1 = java.util.Arrays.copyOfRange(big[1], 2 * t, 3 * t);
            m1.forward(in1, tg1, 1, t);
            int V = SMALL.vocabSize();
            for (int i = 0; i < t * V; i++) {
                assertEquals(Float.floatToRawIntBits(m3.activations().getAtIndex(F, m3.logitsOffset() + 2L * t * V + i)),
                        Float.floatToRawIntBits(m1.activations().getAtIndex(F, m1.logitsOffset() + i)), "logit " + i);
            }
        }
    }

    /** A head dimension of 64: the tiled training attention's vector paths at every width. */
    static final ModelConfig WIDE_HEADS = ModelConfig.of(50, 128, 2, 64, 2, 96);

    @Test
    void aTrainingStepGivesTheSameBitsOnOneTwoAndThreeThreadsAndTheScalarBackend() {
        int b = 3, t = 45;
        int[][] data = batch(WIDE_HEADS, b, t, 17);
        int[] lossBits = new int[4];
        int[][] grads = new int[4][];
        Kernels[] backends = {new ScalarKernels(1), new VectorKernels(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, 1),
            new VectorKernels(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, 2), new VectorKernels(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, 3)};
        for (int i = 0; i < backends.length; i++) {
            try (Kernels k = backends[i]; Weights w = randomWeights(WIDE_HEADS, 8); Transformer m = new Transformer(w, k)) {
                lossBits[i] = Float.floatToRawIntBits(m.trainingForward(data[0], data[1], b, t));
                m.backward();
                grads[i] = new int[(int) w.layout().size()];
                for (int j = 0; j < grads[i].length; j++) grads[i][j] = Float.floatToRawIntBits(m.grads().getAtIndex(F, j));
            }
        }
        for (int i = 1; i < backends.length; i++) {
            assertEquals(lossBits[0], lossBits[i], "loss, run " + i);
            assertArrayEquals(grads[0], grads[i], "gradient, run " + i);
        }
    }

    @Test
    void backwardNeedsATrainingForwardAndTheTwoProfilesAgreeClosely() {
        int b = 2, t = 40;
        int[][] data = batch(WIDE_HEADS, b, t, 23);
        try (Weights w = randomWeights(WIDE_HEADS, 6); Kernels k = new ScalarKernels(1); Transformer m = new Transformer(w, k)) {
            float coding = m.forward(data[0], data[1], b, t);
            IllegalStateException e = assertThrows(IllegalStateException.class, m::backward);
            assertTrue(e.getMessage().contains("trainingForward"), e.getMessage());
            float training = m.trainingForward(data[0], data[1], b, t);
            assertEquals(coding, training, 1e-5 * Math.abs(coding), "loss of the coding and the training profile");
            m.backward();
            assertThrows(IllegalStateException.class, m::backward, "a second backward without a forward");
        }
    }

    @Test
    void badTokensAreRejected() {
        try (Weights w = randomWeights(SMALL, 4); Kernels k = new ScalarKernels(1); Transformer m = new Transformer(w, k)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(new int[] {1, 40}, new int[] {1, 2}, 1, 2));
            assertTrue(e.getMessage().contains("outside [0, 40)"), e.getMessage());
        }
    }
}
