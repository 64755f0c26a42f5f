package org.nct.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nct.InvalidInputException;
import org.nct.data.ByteExamples;
import org.nct.data.ExampleSource;
import org.nct.data.Split;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nct eval}: loss and bits/byte of a byte-level model on held-out text. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a byte-level model on text: prints the loss and bits/byte.")
public final class EvalCommand implements Runnable {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();

    @Option(names = {"-m", "--model"}, required = true, description = "checkpoint (.safetensors)") Path model;
    @Option(names = "--data", required = true, arity = "1..*", description = "input files or directories") List<Path> data;
    @Option(names = "--split", defaultValue = "validation", description = "train, validation or all (default ${DEFAULT-VALUE})") String split;
    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "as used in training (default ${DEFAULT-VALUE})") double validationFraction;
    @Option(names = "--seq", defaultValue = "256", description = "bytes per sequence (default ${DEFAULT-VALUE})") int seq;
    @Option(names = "--batch", defaultValue = "16", description = "sequences per forward pass (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--max-examples", defaultValue = "0", description = "score at most this many examples; 0: all (default)") long maxExamples;
    @Option(names = "--threads", description = "kernel threads (default: all processors)") Integer threads;

    @Override
    public void run() {
        if (!Files.isRegularFile(model)) throw new InvalidInputException("no such checkpoint: " + model);
        for (Path p : data) if (!Files.exists(p)) throw new InvalidInputException("no such file or directory: " + p);
        if (seq < 1 || seq > 1 << 20) throw new InvalidInputException("--seq must be in [1, 1048576], got " + seq);
        if (batch < 1 || batch > 1 << 16) throw new InvalidInputException("--batch must be in [1, 65536], got " + batch);
        if (maxExamples < 0) throw new InvalidInputException("--max-examples must be >= 0");
        Split s = Split.parse(split);
        Split.checkFraction(validationFraction);
        try (Weights w = Checkpoint.loadWeights(model)) {
            ExampleSource src = ByteExamples.load(data, s, validationFraction, seq + 1);
            try (Kernels k = threads == null ? Backends.create() : Backends.create(TrainCommand.checkThreads(threads));
                 Transformer m = new Transformer(w, k)) {
                long t0 = System.nanoTime();
                Evaluation e = Evaluation.run(m, src, batch, maxExamples == 0 ? Long.MAX_VALUE : maxExamples);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.println("model      " + w.config().describe());
                System.out.println("data       " + src.describe() + " (" + e.examples() + " examples, " + e.tokens() + " scored bytes)");
                System.out.printf(Locale.ROOT, "loss       %.6f (cross-entropy %.6f nats/byte + z-loss)%n", e.loss(), e.crossEntropy());
                System.out.printf(Locale.ROOT, "bits/byte  %.6f%n", e.bitsPerToken());
                System.out.printf(Locale.ROOT, "time       %.1f s (%.0f bytes/s)%n", secs, e.tokens() / secs);
            }
        } catch (IOException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }
}
