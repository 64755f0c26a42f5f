package org.nct.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nct.InvalidInputException;
import org.nct.coding.ByteModel;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.coding.WindowCoder;
import org.nct.coding.WindowDecoder;
import org.nct.coding.WindowRule;
import org.nct.inference.CodingModel;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.model.Checkpoint;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.tokenize.TokenPacking;
import org.nct.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct generate}: text from an M2 trained on EqualInfoAC tokens. M2 samples tokens; as soon
 * as the tokens of one window are complete, M1 decodes that window (coder and M1 context reset at
 * every window, so windows decode independently) and its text is printed at once. A prompt is
 * first compressed into windows by M1 and given to M2 as its context.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with an M2 trained on EqualInfoAC tokens; M1 decodes each window as it is sampled (streaming).")
public final class GenerateCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();

    @Option(names = "--m2", required = true, paramLabel = "FILE", description = "M2 checkpoint (trained on an EqualInfoAC dataset).")
    Path m2Path;

    @Option(names = "--m1", required = true, paramLabel = "FILE", description = "M1 checkpoint that built M2's dataset.")
    Path m1Path;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (compressed into windows first). Default: none.")
    String prompt = "";

    @Option(names = "--bytes", defaultValue = "400", paramLabel = "N", description = "Stop after about N bytes of text. Default: ${DEFAULT-VALUE}.")
    int bytes;

    @Option(names = "--bits", defaultValue = "16", paramLabel = "B", description = "Window size in bits of M2's dataset. Default: ${DEFAULT-VALUE}.")
    int windowBits;

    @Option(names = "--rule", defaultValue = "g", paramLabel = "R", description = "Window rule of M2's dataset: g, greedy or delay. Default: ${DEFAULT-VALUE}.")
    String rule;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "Sampling temperature (0: greedy). Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--context", paramLabel = "T", description = "M2 context in tokens. Default: the sequence length M2 was trained with.")
    Integer context;

    @Override
    public Integer call() throws IOException {
        if (bytes < 1) throw new InvalidInputException("--bytes must be at least 1, got " + bytes);
        if (!(temperature >= 0) || !Double.isFinite(temperature)) throw new InvalidInputException("--temperature must be >= 0, got " + temperature);
        if (windowBits % 8 != 0 || windowBits < 16 || windowBits > 128) throw new InvalidInputException("--bits must be 16, 24, 32, 64 or 128, got " + windowBits);
        WindowRule r = WindowRule.parse(rule);
        try (Kernels k = Backends.create();
             CodingModel m1 = CodingModel.load(m1Path, k, IntegerCdf.DEFAULT_PRECISION)) {
            Checkpoint ck = Checkpoint.load(m2Path);
            try (Weights w = ck.weights(); Transformer m2 = new Transformer(w, k)) {
                int vocab = w.config().vocabSize();
                if (vocab != 256 && vocab != 65536) throw new InvalidInputException(m2Path + " has a vocabulary of " + vocab + "; an EqualInfoAC M2 has 256 or 65,536");
                int ctx = context != null ? context : trainedSeq(ck);
                if (ctx < 1) throw new InvalidInputException("--context must be at least 1");
                new Generator(m1, m2, windowBits, r, TokenPacking.bitsOfVocab(vocab), ctx, temperature, new SplittableRandom(seed))
                        .run(prompt.getBytes(StandardCharsets.UTF_8), bytes, System.out);
            }
        }
        return 0;
    }

    private static int trainedSeq(Checkpoint ck) {
        String t = ck.metadata().get(Trainer.KEY_TRAINING);
        if (t == null) return 512;
        try {
            JsonNode n = new ObjectMapper().readTree(t);
            return n.path("seq").asInt(512);
        } catch (IOException e) {
            return 512;
        }
    }

    /** The sampling loop: M2 proposes tokens; each complete window is decoded by M1 and printed. */
    static final class Generator {
        private final CodingModel m1;
        private final Transformer m2;
        private final int windowBits, tokenBits, context;
        private final WindowRule rule;
        private final double temperature;
        private final SplittableRandom rnd;

        Generator(CodingModel m1, Transformer m2, int windowBits, WindowRule rule, int tokenBits, int context,
                  double temperature, SplittableRandom rnd) {
            this.m1 = m1;
            this.m2 = m2;
            this.windowBits = windowBits;
            this.rule = rule;
            this.tokenBits = tokenBits;
            this.context = context;
            this.temperature = temperature;
            this.rnd = rnd;
        }

        /** The generated windows' tokens and the text they decoded to (the prompt not included). */
        record Output(int[] tokens, byte[] text) { }

        /** Prints the prompt's text, then generated text window by window as each window completes. */
        Output run(byte[] prompt, int maxBytes, PrintStream out) {
            List<Integer> tokens = new ArrayList<>();
            ByteModel model = m1.newByteModel();
            int tokensPerWindow = Math.max(1, windowBits / tokenBits);
            if (prompt.length > 0) {
                WindowCoder.Windows w = WindowCoder.encode(prompt, model, windowBits, rule);
                for (int t : TokenPacking.pack(w.codes(), w.codes().length, tokenBits)) tokens.add(t);
                out.write(prompt, 0, prompt.length);
                out.flush();
            }
            int promptTokens = tokens.size();
            java.io.ByteArrayOutputStream produced = new java.io.ByteArrayOutputStream();
            int[] window = new int[tokensPerWindow];
            int maxWindows = Math.max(4, maxBytes * 4);
            for (int win = 0; win < maxWindows && produced.size() < maxBytes; win++) {
                for (int i = 0; i < tokensPerWindow; i++) {
                    window[i] = sample(tokens);
                    tokens.add(window[i]);
                }
                byte[] text = decodeWindow(window, model);
                out.write(text, 0, text.length);
                out.flush();
                produced.writeBytes(text);
            }
            out.println();
            int[] generated = new int[tokens.size() - promptTokens];
            for (int i = 0; i < generated.length; i++) generated[i] = tokens.get(promptTokens + i);
            return new Output(generated, produced.toByteArray());
        }

        /** The text of one window (M1 context and coder start afresh, as in every window). */
        byte[] decodeWindow(int[] windowTokens, ByteModel model) {
            byte[] codes = TokenPacking.unpack(windowTokens, windowTokens.length, tokenBits);
            byte[] buf = new byte[windowBits * 64];
            WindowDecoder dec = new WindowDecoder(windowBits, rule, model.precision());
            dec.start(codes, 0, 1, buf, 0, buf.length);
            CodingTask.run(dec, model);
            return java.util.Arrays.copyOf(buf, dec.produced());
        }

        private int sample(List<Integer> tokens) {
            int n = Math.min(tokens.size(), context);
            int[] in = new int[Math.max(1, n)];
            if (n == 0) {
                in[0] = 0; // no context: M2 starts from token 0 (its padding input)
            } else {
                for (int i = 0; i < n; i++) in[i] = tokens.get(tokens.size() - n + i);
            }
            int t = in.length;
            m2.forward(in, null, 1, t);
            int v = m2.config().vocabSize();
            float[] logits = new float[v];
            m2.logits(t - 1, 1, logits, 0);
            if (temperature == 0) {
                int best = 0;
                float bv = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) {
                    float x = logits[i];
                    if (x > bv) {
                        bv = x;
                        best = i;
                    }
                }
                return best;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, logits[i]);
            double[] p = new double[v];
            double sum = 0;
            for (int i = 0; i < v; i++) {
                p[i] = Math.exp((logits[i] - max) / temperature);
                sum += p[i];
            }
            double u = rnd.nextDouble() * sum;
            for (int i = 0; i < v; i++) {
                u -= p[i];
                if (u <= 0) return i;
            }
            return v - 1;
        }
    }
}
