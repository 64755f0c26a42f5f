package org.nct.bench.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nct.tokenize.SentencePieceModel;
import org.nct.tokenize.UnigramTrainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * nct's Unigram-LM trainer ({@code spm} method) on a generated corpus of about 1 MB: Zipf-drawn
 * words from a 4,000-word vocabulary of random syllables, with a few non-ASCII characters,
 * vocabulary 2,000. Single-threaded.
 *
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main UnigramTrainerBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class UnigramTrainerBenchmark {

    @State(Scope.Benchmark)
    public static class Corpus {
        List<byte[]> docs;

        @Setup
        public void generate() {
            docs = corpus(1 << 20, 4000, 42);
        }
    }

    /** About {@code bytes} of text in lines of 5 to 40 words. */
    static List<byte[]> corpus(int bytes, int words, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] syll = {"ka", "to", "ri", "an", "el", "mo", "su", "ne", "qu", "ia", "st", "or", "é", "ø", "ß", "中"};
        String[] vocab = new String[words];
        for (int i = 0; i < words; i++) {
            StringBuilder w = new StringBuilder();
            int n = 1 + r.nextInt(4);
            for (int s = 0; s < n; s++) w.append(syll[Math.min(syll.length - 1, (int) (Math.pow(r.nextDouble(), 3) * syll.length))]);
            vocab[i] = w.toString();
        }
        List<byte[]> docs = new ArrayList<>();
        int total = 0;
        while (total < bytes) {
            StringBuilder sb = new StringBuilder();
            int lines = 1 + r.nextInt(5);
            for (int l = 0; l < lines; l++) {
                int n = 5 + r.nextInt(36);
                for (int i = 0; i < n; i++) {
                    sb.append(vocab[(int) Math.min(words - 1, Math.floor(Math.pow(r.nextDouble(), 3) * words))]);
                    sb.append(i == n - 1 ? ".\n" : " ");
                }
            }
            byte[] d = sb.toString().getBytes(StandardCharsets.UTF_8);
            docs.add(d);
            total += d.length;
        }
        return docs;
    }

    @Benchmark
    public SentencePieceModel train(Corpus c) {
        return new UnigramTrainer().vocabSize(2000).train(c.docs);
    }
}
