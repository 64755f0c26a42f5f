package org.nct.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;
import org.nct.data.ByteExamples;
import org.nct.data.ExampleSource;
import org.nct.data.Split;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;
import org.nct.train.AdamW;
import org.nct.train.MetricsLog;
import org.nct.train.TrainConfig;
import org.nct.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nct train}: trains a byte-level model (M1) on C4 JSON-lines or plain text. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a byte-level decoder (M1) on C4 JSON-lines (.json/.json.gz) or plain text files/directories.",
                "Writes a safetensors checkpoint (with optimizer and data state), JSON-lines metrics and a loss-curve PNG."})
public final class TrainCommand implements Runnable {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();

    @Option(names = "--data", arity = "1..*", description = "input files or directories") List<Path> data;
    @Option(names = "--preset", description = "model size: tiny, cpu-s, cpu-m, 3m, 25m, 113m, 403m, 2b (default 3m; taken from the checkpoint with --resume)") String preset;
    @Option(names = "--steps", description = "total optimizer steps (a resumed run continues up to this step)") Long steps;
    @Option(names = "--batch", defaultValue = "16", description = "sequences per step (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--seq", defaultValue = "256", description = "bytes per sequence (default ${DEFAULT-VALUE})") int seq;
    @Option(names = {"-o", "--out"}, description = "checkpoint to write (.safetensors); an existing one is replaced only with -f or when it is the --resume checkpoint") Path out;
    @Option(names = {"-f", "--force"}, description = "replace an existing --out checkpoint") boolean force;
    @Option(names = "--resume", description = "checkpoint to continue from (weights, optimizer state, data position)") Path resume;
    @Option(names = "--threads", description = "kernel threads (default: all processors)") Integer threads;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the initialisation and data order (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--optimizer", defaultValue = "adafactor", description = "adafactor (T5X, rsqrt schedule) or adamw (warmup + cosine) (default ${DEFAULT-VALUE})") String optimizer;
    @Option(names = "--lr", description = "base learning rate (default: 1.0 for adafactor as in the paper, 1e-3 for adamw)") Double lr;
    @Option(names = "--warmup", description = "warmup steps (default: 1000 for adafactor — the paper uses 10000 — and steps/10 for adamw)") Long warmup;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay on matrices (default ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--clip-norm", defaultValue = "0", description = "clip the global gradient norm to this value; 0: off (default)") double clipNorm;
    @Option(names = "--eval-every", defaultValue = "0", description = "validate every N steps; 0: only at the end (default)") long evalEvery;
    @Option(names = "--eval-batches", defaultValue = "8", description = "validation batches per pass (default ${DEFAULT-VALUE})") int evalBatches;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "write the checkpoint every N steps; 0: only at the end (default)") long checkpointEvery;
    @Option(names = "--log-every", defaultValue = "10", description = "steps between metric lines (default ${DEFAULT-VALUE})") long logEvery;
    @Option(names = "--metrics", description = "JSON-lines metrics file (default: OUT without extension + .metrics.jsonl; appended)") Path metrics;
    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "fraction of documents held out for validation by hash (default ${DEFAULT-VALUE})") double validationFraction;

    @Option(names = "--list-presets", description = "print the model presets with their parameter counts and exit") boolean listPresets;

    /** Whether {@code resume} is the same file as {@code out} (through links and relative paths). */
    static boolean sameFile(Path out, Path resume) {
        try {
            return resume != null && Files.isSameFile(out, resume);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void run() {
        if (listPresets) {
            for (String p : ModelConfig.PRESETS) System.out.printf(Locale.ROOT, "%-6s %s%n", p, ModelConfig.preset(p, 256).describe());
            return;
        }
        if (data == null || data.isEmpty()) throw new InvalidInputException("--data is required (C4 .json/.json.gz files, text files or directories)");
        if (out == null) throw new InvalidInputException("--out is required (the checkpoint to write)");
        if (steps == null) throw new InvalidInputException("--steps is required");
        Split.checkFraction(validationFraction);
        if (!(validationFraction > 0)) throw new InvalidInputException("--validation-fraction must be > 0 to validate");
        for (Path p : data) if (!Files.exists(p)) throw new InvalidInputException("no such file or directory: " + p);
        if (resume != null && !Files.isRegularFile(resume)) throw new InvalidInputException("no such checkpoint: " + resume);
        if (!force && Files.exists(out) && !sameFile(out, resume)) {
            throw new InvalidInputException("--out " + out + " already exists; use -f to overwrite it, or --resume " + out + " to continue it");
        }
        double rate = lr != null ? lr : optimizer.equals("adamw") ? 1e-3 : 1.0;
        long warm = warmup != null ? warmup : optimizer.equals("adamw") ? Math.max(1, steps / 10) : 1000;
        // a setting out of range: an InvalidSettingException, which Main prints with this command's option names
        TrainConfig cfg = new TrainConfig(steps, batch, seq, seed, optimizer, rate, warm, weightDecay, clipNorm, evalEvery, evalBatches,
                checkpointEvery, logEvery, true);
        Path metricsPath = metrics != null ? metrics : siblingWithSuffix(out, ".metrics.jsonl");
        try {
            train(cfg, metricsPath);
        } catch (IOException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    static Path siblingWithSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
    }

    private void train(TrainConfig cfg, Path metricsPath) throws IOException {
        Checkpoint ck = resume != null ? Checkpoint.load(resume) : null;
        ModelConfig mc;
        if (ck != null) {
            mc = ck.weights().config();
            if (preset != null && !ModelConfig.preset(preset, 256).equals(mc)) {
                throw new InvalidInputException("--preset " + preset + " does not match the checkpoint's model (" + mc.describe() + ")");
            }
        } else {
            try {
                mc = ModelConfig.preset(preset == null ? "3m" : preset, 256);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
        }
        System.err.println("model: " + (preset == null ? (ck != null ? "from " + resume : "3m") : preset) + ", " + mc.describe());
        System.err.println("reading data: " + data);
        ExampleSource trainData = ByteExamples.load(data, Split.TRAIN, validationFraction, cfg.seq() + 1);
        ExampleSource valData = ByteExamples.load(data, Split.VALIDATION, validationFraction, cfg.seq() + 1);
        System.err.printf(Locale.ROOT, "data: %,d training examples, %,d validation examples of %d bytes%n",
                trainData.size(), valData.size(), cfg.seq() + 1);
        try (Kernels k = threads == null ? Backends.create() : Backends.create(checkThreads(threads));
             Weights w = ck != null ? ck.weights() : Weights.init(mc, cfg.seed());
             Trainer trainer = newTrainer(cfg, w, k, trainData, valData);
             MetricsLog log = new MetricsLog(metricsPath)) {
            if (ck != null) {
                try {
                    trainer.restore(ck);
                } catch (IllegalArgumentException | InvalidSettingException e) {
                    throw new InvalidInputException("cannot resume from " + resume + ": " + e.getMessage(), e);
                }
                if (trainer.step() >= cfg.steps()) {
                    throw new InvalidInputException("the checkpoint is already at step " + trainer.step() + "; ask for more --steps");
                }
                System.err.println("resuming at step " + trainer.step());
            }
            System.err.println("optimizer: " + cfg.optimizer() + ", schedule " + cfg.schedule().describe()
                    + ", batch " + cfg.batch() + " × " + cfg.seq() + ", " + k.name() + " with " + k.threads() + " thread(s)");
            long t0 = System.nanoTime();
            long first = trainer.step();
            trainer.run(out, log);
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "trained steps %d..%d in %.1f s (%.0f ms/step); final training loss %.4f%n",
                    first + 1, trainer.step(), secs, 1000 * secs / (trainer.step() - first), trainer.lastLoss());
            List<double[]> v = trainer.valCurve();
            if (!v.isEmpty()) System.out.printf(Locale.ROOT, "validation: %.4f bits/byte at step %d%n", v.getLast()[1], (long) v.getLast()[0]);
            System.out.println("wrote " + out + ", " + metricsPath + ", " + Trainer.lossPlotPath(out));
        }
    }

    private static Trainer newTrainer(TrainConfig cfg, Weights w, Kernels k, ExampleSource train, ExampleSource val) {
        try {
            return new Trainer(cfg, w, k, train, val);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    static int checkThreads(int t) {
        if (t < 1 || t > 1024) throw new InvalidInputException("--threads must be in [1, 1024], got " + t);
        return t;
    }
}
