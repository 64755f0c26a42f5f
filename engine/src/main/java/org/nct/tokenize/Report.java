package org.nct.tokenize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compression ratio (bytes per token) of a tokenizer over whole examples, with the uniform and
 * unigram bits/byte of paper Table 3: uniform = log2(v) / ratio; unigram = H / ratio, where H is
 * the entropy in bits of the unigram token distribution of these same tokens.
 */
public final class Report {
    private Report() { }

    /** One row. Paper values are NaN where the paper has none. */
    public record Row(String method, int vocab, long examples, long bytes, long tokens, double ratio,
                      double uniformBitsPerByte, double unigramBitsPerByte, double paperRatio,
                      double paperUniform, double paperUnigram, double seconds) { }

    public static Row measure(Tokenizer tok, List<byte[]> examples) {
        long t0 = System.nanoTime();
        long[] counts = new long[tok.vocabSize()];
        long bytes = 0, tokens = 0;
        for (Tokenizer.Prefix p : tok.encodePrefixes(examples, Integer.MAX_VALUE)) {
            for (int x : p.tokens()) counts[x]++;
            bytes += p.bytes();
            tokens += p.tokens().length;
        }
        double h = 0;
        for (long c : counts) {
            if (c == 0) continue;
            double p = (double) c / tokens;
            h -= p * Math.log(p) / Math.log(2);
        }
        double ratio = (double) bytes / tokens;
        double log2v = Math.log(tok.vocabSize()) / Math.log(2);
        double[] paper = paper(tok);
        return new Row(tok.name(), tok.vocabSize(), examples.size(), bytes, tokens, ratio, log2v / ratio, h / ratio,
                paper[0], paper[1], paper[2], (System.nanoTime() - t0) / 1e9);
    }

    /** Paper Table 12 ratio and Table 3 uniform/unigram bits/byte for the method, NaN where absent. */
    static double[] paper(Tokenizer tok) {
        Object m = tok.parameters().get("method");
        int v = tok.vocabSize();
        double nan = Double.NaN;
        if ("bytes".equals(m)) return new double[] {1.0, 8.000, 4.602};
        if ("spm".equals(m)) return new double[] {4.28, 3.497, 2.443};
        if ("gzip".equals(m)) return v == 256 ? new double[] {2.23, 3.587, 3.586} : new double[] {4.47, nan, nan};
        if ("static-ac".equals(m)) return v == 256 ? new double[] {1.73, 4.624, 4.624} : new double[] {3.46, nan, nan};
        if ("ac".equals(m)) return v == 256 ? new double[] {5.49, 1.457, 1.457} : new double[] {10.98, nan, nan};
        if ("eqinfo-ac".equals(m)) {
            Object b = tok.parameters().get("b");
            int bits = b instanceof Number n ? n.intValue() : -1;
            Map<Integer, double[]> r256 = Map.of(16, new double[] {2.66, 3.008, 2.976}, 24, new double[] {3.15, nan, nan},
                    32, new double[] {3.49, 2.292, 2.285}, 64, new double[] {4.16, 1.923, 1.921}, 128, new double[] {4.61, 1.735, 1.735});
            Map<Integer, Double> r65k = Map.of(16, 5.31, 24, 6.30, 32, 6.97, 64, 8.33, 128, 9.22);
            if (v == 256 && r256.containsKey(bits)) return r256.get(bits);
            if (v == 65536 && r65k.containsKey(bits)) return new double[] {r65k.get(bits), nan, nan};
        }
        return new double[] {nan, nan, nan};
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
