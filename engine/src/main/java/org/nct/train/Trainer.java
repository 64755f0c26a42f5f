package org.nct.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nct.InvalidSettingException;
import org.nct.data.ExampleSource;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.report.LinePlot;
import org.nct.util.Progress;

/**
 * The training loop: seeded data order, forward/backward, gradient-norm check (and optional
 * clipping), optimizer step; validation, JSON-lines metrics, checkpoints with the optimizer state
 * and data position so that a resumed run continues bit for bit.
 */
public final class Trainer implements AutoCloseable {

    public static final String KEY_TRAINING = "nct.training";
    public static final String KEY_OPTIMIZER = "nct.optimizer";
    public static final String KEY_DATA = "nct.data";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A NaN or infinite loss or gradient: the run stops. */
    public static final class DivergedException extends IllegalStateException {
        DivergedException(String message) {
            super(message);
        }
    }

    private final TrainConfig cfg;
    private final Weights weights;
    private final Transformer model;
    private final Optimizer opt;
    private final LearningRate schedule;
    private final DataOrder order;
    private final ExampleSource train;
    private final ExampleSource val;
    private final int[] example, inputs, targets;
    private long step;
    private long tokensSeen;
    private long lastSavedStep = -1;
    private Path lastSavedPath;
    private float lastLoss = Float.NaN, lastLr, lastGradNorm;
    private final List<double[]> trainCurve = new ArrayList<>(), valCurve = new ArrayList<>();

    /**
     * A trainer at step 0 for these weights (the caller owns them). It trains the model's
     * parameters on the backend ({@link Transformer#params()}): on the CPU these weights in place;
     * on a device a copy, brought back into the weights by {@link #save} and {@link #syncWeights}.
     */
    public Trainer(TrainConfig cfg, Weights weights, Kernels kernels, ExampleSource train, ExampleSource val) {
        ModelConfig mc = weights.config();
        checkSource(train, "training", cfg, mc);
        if (val != null) checkSource(val, "validation", cfg, mc);
        this.cfg = cfg;
        this.weights = weights;
        this.model = new Transformer(weights, kernels);
        this.train = train;
        this.val = val;
        this.schedule = cfg.schedule();
        this.opt = cfg.optimizer().equals("adafactor")
                ? new Adafactor(kernels, weights.layout(), model.params(), model.grads())
                : new AdamW(kernels, weights.layout(), model.params(), model.grads(), 0.9f, 0.95f, 1e-8f, (float) cfg.weightDecay());
        this.order = new DataOrder(cfg.seed(), train.size());
        this.example = new int[cfg.seq() + 1];
        this.inputs = new int[cfg.batch() * cfg.seq()];
        this.targets = new int[cfg.batch() * cfg.seq()];
        model.reserve(cfg.batch(), cfg.seq());
    }

    private static void checkSource(ExampleSource s, String what, TrainConfig cfg, ModelConfig mc) {
        if (s.exampleLength() != cfg.seq() + 1) {
            throw new IllegalArgumentException("the " + what + " examples hold " + s.exampleLength() + " tokens, but seq " + cfg.seq() + " needs " + (cfg.seq() + 1));
        }
        if (s.vocabSize() > mc.vocabSize()) {
            throw new IllegalArgumentException("the " + what + " data has a vocabulary of " + s.vocabSize() + " but the model only " + mc.vocabSize());
        }
        if (s.size() < 1) throw new IllegalArgumentException("the " + what + " data holds no examples (" + s.describe() + ")");
    }

    /**
     * Continues from a checkpoint written by {@link #save}: restores the optimizer state, the
     * step and the data position. The checkpoint's weights must be the ones this trainer holds.
     * A checkpoint trained with another batch, seq or seed is an {@link InvalidSettingException}
     * naming those settings; any other mismatch (optimizer, data, numerics) an
     * {@link IllegalArgumentException}.
     */
    public void restore(Checkpoint ck) {
        if (ck.weights() != weights) throw new IllegalArgumentException("restore needs a trainer built on the checkpoint's own weights");
        Map<String, String> m = ck.metadata();
        JsonNode tr = parse(m, KEY_TRAINING), op = parse(m, KEY_OPTIMIZER), da = parse(m, KEY_DATA);
        String optName = op.path("name").asText();
        if (!optName.equals(opt.name())) throw new IllegalArgumentException("the checkpoint was trained with " + optName + ", not " + opt.name());
        if (ck.optimizerStateSize() != opt.stateSize()) {
            throw new IllegalArgumentException("the checkpoint's optimizer state has " + ck.optimizerStateSize() + " floats, " + opt.name() + " needs " + opt.stateSize());
        }
        if (tr.path("batch").asInt() != cfg.batch() || tr.path("seq").asInt() != cfg.seq()) {
            throw new InvalidSettingException("the checkpoint was trained with batch " + tr.path("batch").asInt() + " and seq " + tr.path("seq").asInt()
                    + ", not batch " + cfg.batch() + " and seq " + cfg.seq() + "; resume with the same batch and seq", "batch", "seq");
        }
        if (da.path("size").asLong() != train.size() || !da.path("source").asText().equals(train.describe())) {
            throw new IllegalArgumentException("the training data differs from the checkpoint's (" + da.path("source").asText() + ", "
                    + da.path("size").asLong() + " examples; now " + train.describe() + ", " + train.size() + ")");
        }
        String numerics = tr.path("numerics").asText(NumericsProfile.TRAINING_ID);
        if (!numerics.equals(NumericsProfile.TRAINING_ID)) {
            throw new IllegalArgumentException("the checkpoint was trained with numerics " + numerics + ", this build trains with "
                    + NumericsProfile.TRAINING_ID + ": a resumed run would not continue bit for bit");
        }
        if (da.path("seed").asLong() != cfg.seed()) {
            throw new InvalidSettingException("the checkpoint was trained with seed " + da.path("seed").asLong() + ", not " + cfg.seed()
                    + "; resume with the same seed", "seed");
        }
        model.kernels().copy(opt.state(), 0, ck.optimizerState(), 0, opt.stateSize());
        step = tr.path("step").asLong();
        tokensSeen = tr.path("tokens_seen").asLong();
        order.seek(da.path("epoch").asLong(), da.path("position").asLong());
    }

    private static JsonNode parse(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("the checkpoint has no training state ('" + key + "'); it holds weights only");
        try {
            return JSON.readTree(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the checkpoint's '" + key + "' is not valid JSON");
        }
    }

    public long step() {
        return step;
    }

    public float lastLoss() {
        return lastLoss;
    }

    public float lastGradNorm() {
        return lastGradNorm;
    }

    public Transformer model() {
        return model;
    }

    /** One optimizer step; returns its training loss. Throws {@link DivergedException} on NaN/inf. */
    public float trainStep() {
        int B = cfg.batch(), T = cfg.seq();
        long s = step + 1;
        for (int b = 0; b < B; b++) {
            train.read(order.next(), example);
            System.arraycopy(example, 0, inputs, b * T, T);
            System.arraycopy(example, 1, targets, b * T, T);
        }
        float loss = model.trainingForward(inputs, targets, B, T);
        if (model.tokenCount() == 0) throw new IllegalStateException("step " + s + ": the batch holds only padding");
        if (!Float.isFinite(loss)) throw new DivergedException("the training loss is " + loss + " at step " + s);
        model.backward();
        Kernels k = model.kernels();
        long n = weights.layout().size();
        float norm = (float) Math.sqrt(k.sumSquares(model.grads(), 0, n));
        if (!Float.isFinite(norm)) throw new DivergedException("the gradient norm is " + norm + " at step " + s);
        if (cfg.clipNorm() > 0 && norm > cfg.clipNorm()) k.scale(model.grads(), 0, n, (float) (cfg.clipNorm() / norm));
        float lr = schedule.at(s);
        opt.update(s, lr);
        step = s;
        tokensSeen += model.tokenCount();
        lastLoss = loss;
        lastLr = lr;
        lastGradNorm = norm;
        return loss;
    }

    /** Mean loss over the first {@code maxBatches}·batch examples of {@code src} (all when fewer). */
    public Evaluation evaluate(ExampleSource src, int maxBatches) {
        return Evaluation.run(model, src, cfg.batch(), (long) maxBatches * cfg.batch());
    }

    /** Checkpoint metadata of the current state. */
    public Map<String, String> metadata() {
        ObjectNode tr = JSON.createObjectNode().put("step", step).put("tokens_seen", tokensSeen).put("batch", cfg.batch())
                .put("seq", cfg.seq()).put("steps", cfg.steps()).put("schedule", schedule.describe()).put("clip_norm", cfg.clipNorm())
                .put("numerics", NumericsProfile.TRAINING_ID);
        ObjectNode op = JSON.createObjectNode().put("name", opt.name()).put("config", opt.describe());
        ObjectNode da = JSON.createObjectNode().put("seed", order.seed()).put("epoch", order.epoch()).put("position", order.position())
                .put("size", train.size()).put("source", train.describe());
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_TRAINING, tr.toString());
        m.put(KEY_OPTIMIZER, op.toString());
        m.put(KEY_DATA, da.toString());
        return m;
    }

    /** Copies the trained parameters into the weights (nothing on the CPU, where they are the weights). */
    public void syncWeights() {
        model.syncWeights();
    }

    /** Writes weights, optimizer state and data position atomically (copied out of the backend first). */
    public void save(Path path) throws IOException {
        model.syncWeights();
        Kernels k = model.kernels();
        try (Arena host = Arena.ofConfined()) {
            // a host-resident backend's view is the state itself (no staging)
            MemorySegment stage = k.hostResident() ? null : Buffers.floats(host, opt.stateSize());
            Checkpoint.save(path, weights, metadata(), k.hostView(opt.state(), 0, opt.stateSize(), stage), opt.stateSize());
        }
        lastSavedStep = step;
        lastSavedPath = path;
    }

    /**
     * Trains until step {@code cfg.steps()}: metrics lines every logEvery steps, validation every
     * evalEvery steps and at the end, a checkpoint every checkpointEvery steps and at the end.
     * On a NaN/inf loss the run stops with an error naming the step; the last checkpoint written
     * (if any) stays as it was.
     */
    public void run(Path out, MetricsLog log) throws IOException {
        long start = step, until = cfg.steps();
        long tokensPerStep = (long) cfg.batch() * cfg.seq();
        long t0 = System.nanoTime();
        try (Progress progress = new Progress("train", (until - start) * tokensPerStep, "tok")) {
            while (step < until) {
                float loss;
                try {
                    loss = trainStep();
                } catch (DivergedException e) {
                    String kept = lastSavedStep >= 0 ? "the last good checkpoint is " + lastSavedPath + " (step " + lastSavedStep + ")"
                            : "no checkpoint was written";
                    throw new DivergedException(e.getMessage() + "; training stopped, " + kept);
                }
                trainCurve.add(new double[] {step, loss});
                progress.status(String.format(Locale.ROOT, "step %d loss %.4f", step, loss));
                progress.advance(tokensPerStep);
                if (step % cfg.logEvery() == 0 || step == until) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    log.write(log.line("train").put("step", step).put("loss", loss).put("lr", lastLr).put("grad_norm", lastGradNorm)
                            .put("tokens_seen", tokensSeen).put("elapsed_s", round(secs))
                            .put("tokens_per_s", round((step - start) * tokensPerStep / Math.max(secs, 1e-9))));
                }
                boolean evalNow = val != null && (step == until || (cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0));
                if (evalNow) {
                    Evaluation e = evaluate(val, cfg.evalBatches());
                    valCurve.add(new double[] {step, e.bitsPerToken()});
                    var line = log.line("eval").put("step", step).put("val_loss", e.loss()).put("val_ce", e.crossEntropy())
                            .put("val_tokens", e.tokens());
                    if (cfg.byteLevel()) line.put("val_bits_per_byte", e.bitsPerToken());
                    log.write(line);
                    System.err.printf(Locale.ROOT, "%nstep %d: validation loss %.4f, %s%n", step, e.loss(),
                            cfg.byteLevel() ? String.format(Locale.ROOT, "%.4f bits/byte", e.bitsPerToken())
                                    : String.format(Locale.ROOT, "cross-entropy %.4f nats/token", e.crossEntropy()));
                }
                if (step == until || (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0)) {
                    save(out);
                }
            }
        }
        writePlot(lossPlotPath(out));
    }

    /** Where {@link #run} draws the loss curves: beside the checkpoint, {@code NAME.loss.png}. */
    public static Path lossPlotPath(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return checkpoint.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".loss.png");
    }

    /** Training loss and validation cross-entropy of this run, in bits per token, against the step. */
    private void writePlot(Path png) throws IOException {
        List<LinePlot.Series> series = new ArrayList<>();
        series.add(series("training loss", trainCurve, 1 / Math.log(2)));
        if (!valCurve.isEmpty()) series.add(series(cfg.byteLevel() ? "validation (bits/byte)" : "validation", valCurve, 1));
        LinePlot.write(png, String.format(Locale.ROOT, "Training: %,d parameters (%,d without embeddings)",
                        weights.config().totalParams(), weights.config().nonEmbeddingParams()), "step",
                cfg.byteLevel() ? "bits per byte" : "bits per token", series);
    }

    private static LinePlot.Series series(String name, List<double[]> points, double scale) {
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1] * scale;
        }
        return new LinePlot.Series(name, x, y);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Training loss per step of this run: (step, loss) pairs. */
    public List<double[]> trainCurve() {
        return trainCurve;
    }

    /** Validation (step, cross-entropy in bits per token) pairs of this run. */
    public List<double[]> valCurve() {
        return valCurve;
    }

    @Override
    public void close() {
        opt.close();
        model.close();
    }
}
