package org.nct.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidSettingException;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

class TrainerTest {

    @TempDir
    Path dir;

    static final ModelConfig TINY = ModelConfig.preset("tiny", 256);
    static final int B = 4, T = 32;
    static final SyntheticText TRAIN = new SyntheticText(1, 50, T + 1), VAL = new SyntheticText(2, 8, T + 1);

    static TrainConfig config(String optimizer, long steps) {
        // clipping on (a low threshold, so it acts) to cover that path as well
        return new TrainConfig(steps, B, T, 5, optimizer, optimizer.equals("adamw") ? 3e-3 : 1.0, 4, 0.01, 0.5, 5, 2, 0, 1, true);
    }

    static Kernels kernels(int threads) {
        return new VectorKernels(FloatVector.SPECIES_PREFERRED, threads);
    }

    static int[] bits(Weights w) {
        MemorySegment p = w.params();
        int[] out = new int[(int) w.layout().size()];
        for (int i = 0; i < out.length; i++) out[i] = Float.floatToRawIntBits(p.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        return out;
    }

    /** Steps from..to on the trainer; returns the loss bits. */
    static List<Integer> steps(Trainer t, long to) {
        List<Integer> losses = new ArrayList<>();
        while (t.step() < to) losses.add(Float.floatToRawIntBits(t.trainStep()));
        return losses;
    }

    void resumeIsBitExact(String optimizer) throws IOException {
        TrainConfig cfg = config(optimizer, 20);
        List<Integer> straight;
        int[] straightBits;
        try (Kernels k = kernels(2); Weights w = Weights.init(TINY, cfg.seed()); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL)) {
            straight = steps(t, 20);
            straightBits = bits(w);
        }
        Path ck = dir.resolve(optimizer + ".safetensors");
        List<Integer> resumed;
        try (Kernels k = kernels(2); Weights w = Weights.init(TINY, cfg.seed()); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL)) {
            resumed = steps(t, 10);
            t.evaluate(VAL, 2);                         // validation in between changes nothing
            t.save(ck);
        }
        Checkpoint c = Checkpoint.load(ck);
        try (Kernels k = kernels(2); Weights w = c.weights(); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL)) {
            t.restore(c);
            assertEquals(10, t.step());
            resumed.addAll(steps(t, 20));
            assertEquals(straight, resumed, "losses of 20 straight steps vs 10 + resume + 10");
            assertArrayEquals(straightBits, bits(w), "weights after 20 straight steps vs 10 + resume + 10");
        }
        // training did something
        assertTrue(Float.intBitsToFloat(straight.getLast()) < Float.intBitsToFloat(straight.getFirst()) - 1.0f,
                "loss falls: " + Float.intBitsToFloat(straight.getFirst()) + " -> " + Float.intBitsToFloat(straight.getLast()));
    }

    @Test
    void adafactorResumeIsBitExact() throws IOException {
        resumeIsBitExact("adafactor");
    }

    @Test
    void adamwResumeIsBitExact() throws IOException {
        resumeIsBitExact("adamw");
    }

    @Test
    void oneAndTwoThreadsAndTheScalarBackendGiveTheSameBits() {
        TrainConfig cfg = config("adafactor", 6);
        List<int[]> w = new ArrayList<>();
        List<List<Integer>> losses = new ArrayList<>();
        for (Kernels k : List.of(kernels(1), kernels(2), new ScalarKernels(2))) {
            try (k; Weights ws = Weights.init(TINY, 3); Trainer t = new Trainer(cfg, ws, k, TRAIN, VAL)) {
                losses.add(steps(t, 6));
                w.add(bits(ws));
            }
        }
        for (int i = 1; i < 3; i++) {
            assertEquals(losses.get(0), losses.get(i), "run " + i);
            assertArrayEquals(w.get(0), w.get(i), "run " + i);
        }
    }

    @Test
    void nanStopsTheRunNamingTheStepAndKeepsTheLastCheckpoint() throws IOException {
        TrainConfig cfg = config("adafactor", 10);
        Path out = dir.resolve("nan.safetensors");
        try (Kernels k = kernels(1); Weights w = Weights.init(TINY, 3); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL);
             MetricsLog log = new MetricsLog(dir.resolve("nan.jsonl"))) {
            steps(t, 2);
            t.save(out);
            byte[] good = Files.readAllBytes(out);
            w.params().setAtIndex(ValueLayout.JAVA_FLOAT, 5, Float.NaN);   // poisons every logit of token 0's sequences
            Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, () -> t.run(out, log));
            assertTrue(e.getMessage().contains("at step 3"), e.getMessage());
            assertTrue(e.getMessage().contains("last good checkpoint is " + out + " (step 2)"), e.getMessage());
            assertArrayEquals(good, Files.readAllBytes(out));
        }
    }

    @Test
    void runWritesMetricsCheckpointAndPlot() throws IOException {
        TrainConfig cfg = config("adafactor", 6);
        Path out = dir.resolve("run.safetensors"), metrics = dir.resolve("run.jsonl");
        try (Kernels k = kernels(2); Weights w = Weights.init(TINY, 3); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL);
             MetricsLog log = new MetricsLog(metrics)) {
            t.run(out, log);
        }
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(6 + 2, lines.size(), String.join("\n", lines));          // 6 train lines, eval at 5 and 6
        assertTrue(lines.get(5).startsWith("{\"type\":\"eval\",\"step\":5,"), lines.get(5));
        assertTrue(lines.getLast().contains("val_bits_per_byte"));
        assertTrue(Files.size(Trainer.lossPlotPath(out)) > 1000);
        Checkpoint c = Checkpoint.load(out);
        assertTrue(c.metadata().get(Trainer.KEY_TRAINING).contains("\"step\":6"));
        c.weights().close();
    }

    @Test
    void resumeRejectsADifferentSetup() throws IOException {
        TrainConfig cfg = config("adafactor", 4);
        Path ck = dir.resolve("a.safetensors");
        try (Kernels k = kernels(1); Weights w = Weights.init(TINY, 3); Trainer t = new Trainer(cfg, w, k, TRAIN, VAL)) {
            steps(t, 1);
            t.save(ck);
        }
        Checkpoint c = Checkpoint.load(ck);
        try (Kernels k = kernels(1)) {
            try (Trainer t = new Trainer(config("adamw", 4), c.weights(), k, TRAIN, VAL)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.restore(c));
                assertTrue(e.getMessage().contains("adafactor, not adamw"), e.getMessage());
            }
            // another seed, batch or seq: an InvalidSettingException that names the settings by their TrainConfig names
            try (Trainer t = new Trainer(cfg.withSeed(99), c.weights(), k, TRAIN, VAL)) {
                InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> t.restore(c));
                assertEquals("the checkpoint was trained with seed 5, not 99; resume with the same seed", e.getMessage());
                assertEquals(List.of("seed"), e.settings());
            }
            TrainConfig otherBatch = new TrainConfig(4, B + 1, T, 5, "adafactor", 1.0, 4, 0.01, 0.5, 5, 2, 0, 1, true);
            try (Trainer t = new Trainer(otherBatch, c.weights(), k, TRAIN, VAL)) {
                InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> t.restore(c));
                assertEquals("the checkpoint was trained with batch " + B + " and seq " + T + ", not batch " + (B + 1) + " and seq " + T
                        + "; resume with the same batch and seq", e.getMessage());
                assertEquals(List.of("batch", "seq"), e.settings());
            }
            try (Trainer t = new Trainer(cfg, c.weights(), k, new SyntheticText(7, 50, T + 1), VAL)) {
                assertTrue(assertThrows(IllegalArgumentException.class, () -> t.restore(c)).getMessage().contains("training data differs"));
            }
            // a checkpoint of another training profile: resuming would not continue bit for bit
            java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            String tr = meta.get(Trainer.KEY_TRAINING);
            assertTrue(tr.contains("\"numerics\":\"" + org.nct.kernels.NumericsProfile.TRAINING_ID + "\""), tr);
            meta.put(Trainer.KEY_TRAINING, tr.replace(org.nct.kernels.NumericsProfile.TRAINING_ID, "nct-fp32-det-v1+train-attn-v0"));
            Checkpoint other = new Checkpoint(c.weights(), c.numericsProfile(), meta, c.optimizerState());
            try (Trainer t = new Trainer(cfg, c.weights(), k, TRAIN, VAL)) {
                String msg = assertThrows(IllegalArgumentException.class, () -> t.restore(other)).getMessage();
                assertTrue(msg.contains("train-attn-v0") && msg.contains("bit for bit"), msg);
                t.restore(c);                                   // the checkpoint itself resumes
                assertEquals(1, t.step());
            }
        }
        c.weights().close();
    }

    @Test
    void dataOrderVisitsEachExampleOncePerEpochAndSeeks() {
        DataOrder a = new DataOrder(42, 37);
        boolean[] seen = new boolean[37];
        int[] first = new int[37];
        for (int i = 0; i < 37; i++) {
            int x = a.next();
            assertFalse(seen[x], "example " + x + " twice in one epoch");
            seen[x] = true;
            first[i] = x;
        }
        int[] second = new int[37];
        for (int i = 0; i < 37; i++) second[i] = a.next();
        assertEquals(1, a.epoch());
        assertFalse(java.util.Arrays.equals(first, second), "each epoch has its own permutation");
        DataOrder b = new DataOrder(42, 37);
        b.seek(1, 10);
        for (int i = 10; i < 37; i++) assertEquals(second[i], b.next());
        DataOrder c = new DataOrder(43, 37);
        int same = 0;
        for (int i = 0; i < 37; i++) if (c.next() == first[i]) same++;
        assertTrue(same < 10, "another seed gives another order");
    }

    @Test
    void schedules() {
        LearningRate r = new LearningRate.Rsqrt(1.0, 10_000);
        assertEquals(0.01f, r.at(1));
        assertEquals(0.01f, r.at(10_000));
        assertEquals((float) (1 / Math.sqrt(40_000)), r.at(40_000));
        LearningRate c = new LearningRate.Cosine(1e-3, 10, 110, 0.1);
        assertEquals(1e-4f, c.at(1), 1e-10);
        assertEquals(1e-3f, c.at(10), 1e-10);
        assertEquals(0.55e-3f, c.at(60), 1e-9);
        assertEquals(1e-4f, c.at(110), 1e-10);
        assertEquals(0f, Adafactor.beta2(1));
        assertEquals((float) (1 - Math.pow(100, -0.8)), Adafactor.beta2(100));
    }
}
