package org.nct.tokenize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nct.paper.Metrics;
import org.nct.paper.PaperNumbers;

/**
 * Compression ratio (bytes per token) of a tokenizer over whole held-out examples, with the
 * uniform and unigram bits/byte of paper Table 3 as {@link Metrics} defines them (the same
 * functions as the experiment's report): uniform = log2(v) / ratio; unigram = the cross-entropy
 * of the held-out tokens under the token frequencies of training examples (add-one smoothed),
 * divided by the ratio. The paper's values come from {@link PaperNumbers}.
 */
public final class Report {
    private Report() { }

    /** One row. Paper values are NaN where the paper has none. */
    public record Row(String method, int vocab, long examples, long bytes, long tokens, double ratio,
                      double uniformBitsPerByte, double unigramBitsPerByte, double paperRatio,
                      double paperUniform, double paperUnigram, double seconds) { }

    /**
     * Measures {@code tok} (the tokenizer of {@code m}) on the held-out {@code examples}; the
     * unigram model is fitted on the tokens of {@code fitExamples} (training examples).
     */
    public static Row measure(Method m, Tokenizer tok, List<byte[]> examples, List<byte[]> fitExamples) {
        long t0 = System.nanoTime();
        long[] counts = new long[tok.vocabSize()];
        long bytes = 0, tokens = 0;
        for (Tokenizer.Prefix p : tok.encodePrefixes(examples, Integer.MAX_VALUE)) {
            for (int x : p.tokens()) counts[x]++;
            bytes += p.bytes();
            tokens += p.tokens().length;
        }
        long[] fit = new long[tok.vocabSize()];
        for (Tokenizer.Prefix p : tok.encodePrefixes(fitExamples, Integer.MAX_VALUE)) for (int x : p.tokens()) fit[x]++;
        double ratio = Metrics.compressionRatio(bytes, tokens);
        double[] paper = paper(m, tok.vocabSize());
        return new Row(tok.name(), tok.vocabSize(), examples.size(), bytes, tokens, ratio, Metrics.uniformBitsPerByte(tok.vocabSize(), ratio),
                Metrics.unigramBitsPerByte(fit, counts, ratio), paper[0], paper[1], paper[2], (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Paper Table 12 ratio and Table 3 uniform/unigram bits/byte for the method, NaN where absent
     * (SentencePiece: only at the paper's 32,000 pieces).
     */
    static double[] paper(Method m, int vocab) {
        double nan = Double.NaN;
        if (m.kind() == Method.Kind.SPM && vocab != Method.DEFAULT_SPM_VOCAB) return new double[] {nan, nan, nan};
        Double ratio = PaperNumbers.TABLE12_RATIO.get(m.paperName());
        double[] t3 = PaperNumbers.TABLE3.get(m.paperName());
        return new double[] {ratio == null ? nan : ratio, t3 == null ? nan : t3[0], t3 == null ? nan : t3[1]};
    }

    /** The table as fixed-width text. */
    public static String format(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-26s %7s %11s %10s %8s %8s | %8s %8s | %8s %8s%n", "method", "vocab",
                "bytes", "tokens", "ratio", "paper", "uniform", "paper", "unigram", "paper"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-26s %7d %11d %10d %8.3f %8s | %8.3f %8s | %8.3f %8s%n", r.method(), r.vocab(),
                    r.bytes(), r.tokens(), r.ratio(), num(r.paperRatio(), 2), r.uniformBitsPerByte(), num(r.paperUniform(), 3),
                    r.unigramBitsPerByte(), num(r.paperUnigram(), 3)));
        }
        return sb.toString();
    }

    private static String num(double x, int digits) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", x);
    }

    /** Rows as JSON-friendly maps. */
    public static List<Map<String, Object>> json(List<Row> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", r.method());
            m.put("vocab", r.vocab());
            m.put("examples", r.examples());
            m.put("bytes", r.bytes());
            m.put("tokens", r.tokens());
            m.put("ratio", r.ratio());
            m.put("uniform_bits_per_byte", r.uniformBitsPerByte());
            m.put("unigram_bits_per_byte", r.unigramBitsPerByte());
            m.put("paper_ratio", Double.isNaN(r.paperRatio()) ? null : r.paperRatio());
            m.put("paper_uniform_bits_per_byte", Double.isNaN(r.paperUniform()) ? null : r.paperUniform());
            m.put("paper_unigram_bits_per_byte", Double.isNaN(r.paperUnigram()) ? null : r.paperUnigram());
            m.put("seconds", r.seconds());
            out.add(m);
        }
        return out;
    }
}
