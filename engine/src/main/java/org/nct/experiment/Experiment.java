package org.nct.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;
import org.nct.coding.IntegerCdf;
import org.nct.data.ByteExamples;
import org.nct.data.Documents;
import org.nct.data.ExampleSource;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;
import org.nct.model.BundledM1;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.paper.Metrics;
import org.nct.tokenize.Method;
import org.nct.tokenize.Shard;
import org.nct.tokenize.ShardBuilder;
import org.nct.train.Evaluation;
import org.nct.train.MetricsLog;
import org.nct.train.TrainConfig;
import org.nct.train.Trainer;
import org.nct.util.AtomicFiles;

/**
 * The whole experiment of the paper as resumable stages: split the documents (by hash) into
 * training and held-out text → train M1 on the training bytes → build each method's dataset
 * (training and held-out token examples) → train one M2 per method and size → evaluate every M2
 * on held-out tokens → write the report. See {@link Stages} for skipping and resumption.
 */
public final class Experiment {

    static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.INDENT_OUTPUT, true);

    /**
     * What to run: the preset, the data (empty: the default corpus), the output directory, forced
     * stages, who builds the datasets' shards (the same bytes whoever builds them), and the M1 to
     * use instead of training one (null: train M1 as the preset says).
     */
    public record Options(Preset preset, List<Path> data, Path out, Set<String> force, Path cache, ShardBuilder shards,
                          GivenM1 givenM1) {
        public Options(Preset preset, List<Path> data, Path out, Set<String> force, Path cache, ShardBuilder shards) {
            this(preset, data, out, force, cache, shards, null);
        }

        public Options(Preset preset, List<Path> data, Path out, Set<String> force, Path cache) {
            this(preset, data, out, force, cache, ShardBuilder.LOCAL, null);
        }
    }

    /**
     * An M1 given instead of trained: where it comes from (a path, or the bundled M1) and the bytes
     * of its checkpoint file.
     */
    public record GivenM1(String source, byte[] file) {
        /**
         * The M1 that {@code arg} names: a checkpoint file, or {@code bundled}; checked as any
         * checkpoint is, and byte-level. Bad input is an {@link InvalidInputException}.
         */
        public static GivenM1 load(String arg) {
            byte[] file;
            String source;
            try {
                if (arg.equals("bundled")) {
                    source = "bundled (" + BundledM1.SOURCE + ")";
                    try {
                        file = BundledM1.bytes();
                    } catch (BundledM1.Missing e) {
                        throw new InvalidInputException("no bundled M1 in this build (" + BundledM1.SOURCE + "); give an M1 checkpoint file instead");
                    }
                } else {
                    Path f = Path.of(arg);
                    if (!Files.isRegularFile(f)) throw new InvalidInputException("no such M1 checkpoint: " + arg);
                    source = arg;
                    file = Files.readAllBytes(f);
                }
                try (Weights w = Checkpoint.loadWeights(file, source)) {
                    if (w.config().vocabSize() != 256) {
                        throw new InvalidInputException("M1 " + arg + " is not a byte-level model (vocabulary " + w.config().vocabSize() + ", M1 needs 256)");
                    }
                }
            } catch (IOException e) {
                throw new InvalidInputException("M1 " + arg + ": " + e.getMessage(), e);
            }
            return new GivenM1(source, file);
        }
    }

    /** The names accepted in {@link Options#force()}: the stage groups. */
    public static final List<String> STAGE_GROUPS = List.of("split", "m1", "datasets", "m2", "eval", "report");

    private final Options opt;
    private final Preset p;
    private final Consumer<String> log;
    private final Stages stages;
    /** M1's non-embedding parameters (for the FLOPs of AC and EqualInfoAC), known once the m1 stage ran. */
    private long m1Params;

    private Experiment(Options opt, Consumer<String> log) {
        this.opt = opt;
        this.p = opt.preset();
        this.log = log;
        this.stages = new Stages(opt.out(), opt.force(), log);
    }

    /** Runs (or resumes) the experiment and writes the report into {@code opt.out()}. */
    public static Results run(Options opt, Consumer<String> log) throws IOException {
        for (String f : opt.force()) {
            boolean known = STAGE_GROUPS.contains(f) || STAGE_GROUPS.stream().anyMatch(g -> f.startsWith(g + "/"));
            if (!known) throw new InvalidSettingException("unknown stage '" + f + "' in force (use " + String.join(", ", STAGE_GROUPS)
                    + ", or one stage such as m2/bytes/" + opt.preset().m2Sizes().getFirst() + ")", "force");
        }
        Files.createDirectories(opt.out());
        return new Experiment(opt, log).run();
    }

    private Results run() throws IOException {
        List<Path> data = opt.data();
        String corpus;
        String note = null;
        if (data.isEmpty()) {
            log.accept("no data given: using the default corpus " + DefaultCorpus.PACKAGE + " (cached in " + opt.cache() + ")");
            data = List.of(DefaultCorpus.ensure(opt.cache()));
            corpus = DefaultCorpus.DESCRIPTION;
            note = "this corpus is not web text; the paper trains and evaluates on C4 (web text), so absolute numbers are not "
                    + "comparable with the paper's, only the relations between methods";
        } else {
            corpus = "the given data " + data;
        }
        Stages.Record split = split(data);
        JsonNode sj = JSON.readTree(stages.dir("split").resolve("split.json").toFile());
        corpus += String.format(Locale.ROOT, "; split by hash of the text: %,d training documents (%,d bytes), %,d held-out documents (%,d bytes)",
                sj.get("train_documents").asLong(), sj.get("train_bytes").asLong(), sj.get("valid_documents").asLong(), sj.get("valid_bytes").asLong());
        Stages.Record m1 = opt.givenM1() != null ? givenM1(split, opt.givenM1()) : trainM1(split);
        m1Params = readM1().nonEmbeddingParams();
        Map<Method, Stages.Record> datasets = new LinkedHashMap<>();
        for (Method m : p.methods()) datasets.put(m, dataset(m, split, m1));
        List<Results.Model> models = new ArrayList<>();
        for (Method m : p.methods()) {
            for (String size : p.m2Sizes()) {
                Stages.Record trained = trainM2(m, size, datasets.get(m));
                models.add(evaluate(m, size, trained, datasets.get(m)));
            }
        }
        List<Results.Dataset> ds = new ArrayList<>();
        for (Method m : p.methods()) ds.add(readDataset(m));
        Results r = new Results(corpus, note, p, Machine.describe(), readM1(), ds, models, stages.records());
        long t0 = System.nanoTime();
        Report.write(opt.out(), r);
        log.accept("report written to " + opt.out().resolve(Report.MARKDOWN) + " in " + Report.seconds((System.nanoTime() - t0) / 1e9));
        return r;
    }

    // ---- split ---------------------------------------------------------------------------------

    static final String TRAIN_TEXT = "train.txt", VALID_TEXT = "valid.txt";

    private Stages.Record split(List<Path> data) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        ArrayNode files = in.putArray("files");
        for (Path f : Documents.files(data)) {
            files.addObject().put("path", f.toAbsolutePath().normalize().toString()).put("size", Files.size(f))
                    .put("modified", Files.getLastModifiedTime(f).toMillis());
        }
        in.put("valid_fraction", p.validFraction()).put("separator", JoinedText.escape(JoinedText.DEFAULT_SEPARATOR));
        return stages.run("split", in, (dir, resume) -> {
            JoinedText train = JoinedText.read(data, Split.TRAIN, p.validFraction());
            JoinedText valid = JoinedText.read(data, Split.VALIDATION, p.validFraction());
            AtomicFiles.write(dir.resolve(TRAIN_TEXT), train.bytes());
            AtomicFiles.write(dir.resolve(VALID_TEXT), valid.bytes());
            ObjectNode s = JSON.createObjectNode();
            s.put("train_documents", train.documents()).put("train_bytes", train.bytes().length)
                    .put("valid_documents", valid.documents()).put("valid_bytes", valid.bytes().length);
            writeJson(dir.resolve("split.json"), s);
            log.accept(String.format(Locale.ROOT, "split: %,d training documents (%,d bytes), %,d held-out documents (%,d bytes)",
                    train.documents(), train.bytes().length, valid.documents(), valid.bytes().length));
        });
    }

    /** The first {@code limit} bytes (0: all) of a split's text. */
    byte[] text(String name, long limit) throws IOException {
        byte[] all = Files.readAllBytes(stages.dir("split").resolve(name));
        return limit > 0 && all.length > limit ? java.util.Arrays.copyOf(all, (int) limit) : all;
    }

    // ---- M1 --------------------------------------------------------------------------------------

    static final String MODEL = "model.safetensors", METRICS = "metrics.jsonl", EVAL = "eval.json";

    private Stages.Record trainM1(Stages.Record split) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("split", split.outputHash()).put("model", p.m1Preset()).put("steps", p.m1Steps()).put("batch", p.m1Batch())
                .put("seq", p.m1Seq()).put("lr", p.learningRate()).put("warmup", p.warmupSteps()).put("seed", p.seed())
                .put("valid_bytes", p.validBytes()).put("numerics", NumericsProfile.ID).put("training_numerics", NumericsProfile.TRAINING_ID);
        return stages.run("m1", in, (dir, resume) -> {
            ByteExamples train = new ByteExamples(text(TRAIN_TEXT, 0), p.m1Seq() + 1, "experiment split train");
            ByteExamples valid = new ByteExamples(text(VALID_TEXT, p.validBytes()), p.m1Seq() + 1, "experiment split valid");
            ModelConfig cfg = ModelConfig.preset(p.m1Preset(), 256);
            log.accept("M1 " + p.m1Preset() + ": " + cfg.describe());
            int evalBatches = (int) Math.max(1, Math.ceilDiv(valid.size(), p.m1Batch()));
            Evaluation e = train(dir, resume, cfg, train, valid, p.m1Steps(), p.m1Batch(), p.m1Seq(), evalBatches, true);
            ObjectNode s = JSON.createObjectNode();
            s.put("model", p.m1Preset()).put("non_embedding_params", cfg.nonEmbeddingParams()).put("total_params", cfg.totalParams())
                    .put("steps", p.m1Steps()).put("valid_bits_per_byte", e.bitsPerToken()).put("valid_tokens", e.tokens())
                    .put("valid_loss", e.loss());
            writeJson(dir.resolve(EVAL), s);
            log.accept(String.format(Locale.ROOT, "M1: held-out %.4f bits/byte on %,d bytes", e.bitsPerToken(), e.tokens()));
        });
    }

    /**
     * The m1 stage with a given M1: its file becomes {@code m1/model.safetensors} unchanged, and it
     * is evaluated on the held-out text as a trained M1 would be. Its inputs are the file's
     * SHA-256, so every later stage sees an M1 and is redone when another is given.
     */
    private Stages.Record givenM1(Stages.Record split, GivenM1 g) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("split", split.outputHash()).put("given_sha256", Stages.sha256(g.file())).put("batch", p.m1Batch())
                .put("seq", p.m1Seq()).put("valid_bytes", p.validBytes()).put("numerics", NumericsProfile.ID);
        return stages.run("m1", in, (dir, resume) -> {
            AtomicFiles.write(dir.resolve(MODEL), g.file());
            ByteExamples valid = new ByteExamples(text(VALID_TEXT, p.validBytes()), p.m1Seq() + 1, "experiment split valid");
            Evaluation e;
            ModelConfig cfg;
            String id;
            long step;
            Checkpoint ck = Checkpoint.load(dir.resolve(MODEL));
            try (Weights w = ck.weights(); Kernels k = Backends.create(); Transformer t = new Transformer(w, k)) {
                cfg = w.config();
                log.accept("M1 given (" + g.source() + "): " + cfg.describe() + "; not trained by this run");
                id = java.util.HexFormat.of().formatHex(CodingModel.id(w, IntegerCdf.DEFAULT_PRECISION));
                step = givenStep(ck.metadata());
                t.reserve(p.m1Batch(), p.m1Seq());
                e = Evaluation.run(t, valid, p.m1Batch(), valid.size());
            }
            ObjectNode s = JSON.createObjectNode();
            s.put("model", presetName(cfg)).put("non_embedding_params", cfg.nonEmbeddingParams()).put("total_params", cfg.totalParams())
                    .put("steps", step).put("valid_bits_per_byte", e.bitsPerToken()).put("valid_tokens", e.tokens())
                    .put("valid_loss", e.loss()).put("given", g.source()).put("model_id", id).put("config", cfg.describe());
            writeJson(dir.resolve(EVAL), s);
            log.accept(String.format(Locale.ROOT, "M1: held-out %.4f bits/byte on %,d bytes", e.bitsPerToken(), e.tokens()));
        });
    }

    /** The preset a config is, or "custom". */
    static String presetName(ModelConfig cfg) {
        for (String name : ModelConfig.PRESETS) {
            if (ModelConfig.preset(name, cfg.vocabSize()).equals(cfg)) return name;
        }
        return "custom";
    }

    /** The training step a given M1 records (in its training metadata or its export's), or −1. */
    static long givenStep(Map<String, String> meta) {
        for (String key : List.of(Trainer.KEY_TRAINING, Checkpoint.KEY_EXPORTED_FROM)) {
            String v = meta.get(key);
            if (v == null) continue;
            try {
                JsonNode n = JSON.readTree(v);
                if (n.path("step").isIntegralNumber()) return n.path("step").asLong();
            } catch (IOException ignored) {
                // not JSON: no step
            }
        }
        return -1;
    }

    /**
     * Trains a model on {@code train} into {@code dir/model.safetensors}, continuing from that
     * checkpoint when {@code resume} finds one (an interrupted run), and returns its final
     * evaluation on the first {@code evalBatches} batches of {@code valid}.
     */
    private Evaluation train(Path dir, boolean resume, ModelConfig cfg, ExampleSource train, ExampleSource valid,
                               int steps, int batch, int seq, int evalBatches, boolean byteLevel) throws IOException {
        // the trainer gets no validation source: the one evaluation happens here, after training
        long checkpointEvery = Math.max(25, steps / 10);
        TrainConfig tc = new TrainConfig(steps, batch, seq, p.seed(), "adafactor", p.learningRate(), p.warmupSteps(),
                0.0, 0.0, 0, evalBatches, checkpointEvery, Math.max(1, Math.min(50, steps / 20)), byteLevel);
        Path ckpt = dir.resolve(MODEL);
        Checkpoint ck = resume && Files.isRegularFile(ckpt) ? Checkpoint.load(ckpt) : null;
        try (Kernels k = Backends.create();
             Weights w = ck != null ? ck.weights() : Weights.init(cfg, p.seed());
             Trainer t = new Trainer(tc, w, k, train, null);
             MetricsLog ml = new MetricsLog(dir.resolve(METRICS))) {
            if (ck != null) {
                t.restore(ck);
                log.accept("resuming from step " + t.step() + " of " + steps);
            }
            t.run(ckpt, ml);
            return valid == null ? null : t.evaluate(valid, evalBatches);
        }
    }

    // ---- datasets --------------------------------------------------------------------------------

    private Stages.Record dataset(Method m, Stages.Record split, Stages.Record m1) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("split", split.outputHash()).put("method", m.id()).put("example_bytes", p.exampleBytes()).put("seq", p.m2Seq())
                .put("train_bytes", p.trainBytes()).put("valid_bytes", p.validBytes()).put("window_rule", p.windowRule())
                .put("version", Datasets.VERSION);
        if (m.needsM1ForData()) in.put("m1", m1.outputHash());
        return stages.run("datasets/" + m.id(), in, (dir, resume) -> Datasets.build(m, text(TRAIN_TEXT, p.trainBytes()),
                text(VALID_TEXT, p.validBytes()), stages.dir("m1").resolve(MODEL), p, dir, opt.shards(), log));
    }

    private Results.Dataset readDataset(Method m) throws IOException {
        return Datasets.stats(m, stages.dir("datasets/" + m.id()));
    }

    // ---- M2 --------------------------------------------------------------------------------------

    private Stages.Record trainM2(Method m, String size, Stages.Record data) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("dataset", data.outputHash()).put("model", size).put("vocab", m.vocab()).put("steps", p.m2Steps())
                .put("batch", p.m2Batch()).put("seq", p.m2Seq()).put("lr", p.learningRate()).put("warmup", p.warmupSteps())
                .put("seed", p.seed()).put("numerics", NumericsProfile.ID).put("training_numerics", NumericsProfile.TRAINING_ID);
        return stages.run("m2/" + m.id() + "/" + size, in, (dir, resume) -> {
            ModelConfig cfg = ModelConfig.preset(size, m.vocab());
            try (Shard.Reader train = Datasets.open(stages.dir("datasets/" + m.id()), Datasets.TRAIN)) {
                log.accept("M2 " + m.paperName() + " " + size + ": " + cfg.describe() + "; " + train.size() + " training examples");
                train(dir, resume, cfg, train, null, p.m2Steps(), p.m2Batch(), p.m2Seq(), 1, false);
            }
        });
    }

    // ---- evaluation ------------------------------------------------------------------------------

    private Results.Model evaluate(Method m, String size, Stages.Record trained, Stages.Record data) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("model", trained.outputHash()).put("dataset", data.outputHash()).put("eval_tokens", p.evalTokens())
                .put("numerics", NumericsProfile.ID);
        String name = "eval/" + m.id() + "/" + size;
        stages.run(name, in, (dir, resume) -> {
            long examples = Math.max(1, Math.ceilDiv(p.evalTokens(), p.m2Seq()));
            Evaluation e;
            try (Kernels k = Backends.create();
                 Weights w = Checkpoint.loadWeights(stages.dir("m2/" + m.id() + "/" + size).resolve(MODEL));
                 Transformer t = new Transformer(w, k);
                 Shard.Reader valid = Datasets.open(stages.dir("datasets/" + m.id()), Datasets.VALID)) {
                t.reserve(p.m2Batch(), p.m2Seq());
                e = Evaluation.run(t, valid, p.m2Batch(), examples);
            }
            writeJson(dir.resolve(EVAL), JSON.createObjectNode().put("tokens", e.tokens()).put("cross_entropy", e.crossEntropy())
                    .put("loss", e.loss()));
        });
        JsonNode ev = JSON.readTree(stages.dir(name).resolve(EVAL).toFile());
        Results.Dataset d = readDataset(m);
        ModelConfig cfg = ModelConfig.preset(size, m.vocab());
        double ratio = d.ratio();
        double loss = ev.get("cross_entropy").asDouble();
        long m1Params = m.usesM1() ? this.m1Params : 0;
        double finalTrain = lastTrainLoss(stages.dir("m2/" + m.id() + "/" + size).resolve(METRICS));
        double seconds = trained.seconds();
        return new Results.Model(m, size, cfg.nonEmbeddingParams(), cfg.totalParams(), p.m2Steps(), finalTrain,
                ev.get("tokens").asLong(), loss, ratio, Metrics.bitsPerByte(loss, ratio),
                Metrics.flopsPerByte(cfg.nonEmbeddingParams(), ratio, m1Params), seconds);
    }

    private static double lastTrainLoss(Path metrics) throws IOException {
        double last = Double.NaN;
        if (!Files.isRegularFile(metrics)) return last;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = JSON.readTree(line);
            if ("train".equals(n.path("type").asText())) last = n.path("loss").asDouble(Double.NaN);
        }
        return last;
    }

    private Results.M1 readM1() throws IOException {
        JsonNode e = JSON.readTree(stages.dir("m1").resolve(EVAL).toFile());
        return new Results.M1(e.get("model").asText(), e.get("non_embedding_params").asLong(), e.get("total_params").asLong(),
                e.get("steps").asLong(), e.get("valid_bits_per_byte").asDouble(), e.get("valid_tokens").asLong(),
                e.hasNonNull("given") ? new Results.Given(e.get("given").asText(), e.path("model_id").asText(), e.path("config").asText()) : null);
    }

    static void writeJson(Path file, JsonNode n) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(n));
    }
}
