package org.nct.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nct.tokenize.Method;

/**
 * The paper's qualitative claims, each checked against our numbers: reproduced, not reproduced,
 * or not tested (a method the claim needs was not run). Nothing is assumed: every verdict comes
 * from a comparison printed beside it.
 */
public final class Findings {
    private Findings() { }

    public enum Verdict {
        REPRODUCED("reproduced"), NOT_REPRODUCED("NOT reproduced"), NOT_TESTED("not tested");

        public final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** One claim: what the paper says (with its numbers), what we measured, and the verdict. */
    public record Finding(String claim, String paper, String ours, Verdict verdict) { }

    /** "Learns nothing" means the M2 ends less than this fraction below the uniform rate. */
    static final double NOT_LEARNED = 0.02;
    /** "Learns, well under uniform" means at most this fraction of the uniform rate. */
    static final double WELL_UNDER = 0.90;

    private static final Method AC256 = new Method(Method.Kind.AC, 0, 256);
    private static final Method AC65K = new Method(Method.Kind.AC, 0, 65536);
    private static final Method STATIC256 = new Method(Method.Kind.STATIC_AC, 0, 256);
    private static final Method STATIC65K = new Method(Method.Kind.STATIC_AC, 0, 65536);
    private static final Method EQ16 = new Method(Method.Kind.EQINFO_AC, 16, 256);
    private static final Method EQ16K = new Method(Method.Kind.EQINFO_AC, 16, 65536);
    private static final Method GZIP256 = new Method(Method.Kind.GZIP, 0, 256);
    private static final Method BYTES = new Method(Method.Kind.BYTES, 0, 256);

    public static List<Finding> check(Results r) {
        List<Finding> out = new ArrayList<>();
        List<String> sizes = r.preset().m2Sizes();
        String size = sizes.getLast();
        out.add(notLearnable(r, size, "AC", List.of(AC256, AC65K),
                "M2 over AC output learns nothing: it stays at M1's bits/byte, the uniform rate (AC[v=256] and AC[v=65k]: 1.46 at every size, M1 1.457)"));
        out.add(notLearnable(r, size, "StaticAC", List.of(STATIC256, STATIC65K),
                "M2 over StaticAC output stays at its uniform rate (StaticAC[v=256]: 4.61 at every size, uniform 4.62)"));
        out.add(eqinfoLearns(r, size));
        out.add(vocabHelps(r, size));
        out.add(gzipWeak(r, size));
        out.add(spmBest(r, size));
        out.add(nearlyUniform(r));
        if (hasAblation(r)) out.add(shorterWindowsEasier(r, size));
        return out;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static Finding notTested(String claim, String paper, String missing) {
        return new Finding(claim, paper, "not run: " + missing, Verdict.NOT_TESTED);
    }

    private static Finding notLearnable(Results r, String size, String label, List<Method> methods, String paper) {
        String claim = label + " is not learnable (M2 stays at the uniform rate)";
        StringBuilder ours = new StringBuilder();
        boolean all = true, any = false;
        for (Method m : methods) {
            Results.Model mod = r.model(m, size);
            Results.Dataset d = r.dataset(m);
            if (mod == null || d == null) continue;
            any = true;
            boolean flat = mod.bitsPerByte() >= (1 - NOT_LEARNED) * d.uniformBitsPerByte();
            all &= flat;
            if (!ours.isEmpty()) ours.append("; ");
            ours.append(m.paperName()).append(" ").append(size).append(": M2 ").append(f(mod.bitsPerByte()))
                    .append(" bits/byte vs uniform ").append(f(d.uniformBitsPerByte()))
                    .append(mod.bitsPerByte() >= d.uniformBitsPerByte() ? " (not below it)"
                            : String.format(Locale.ROOT, " (%.1f%% below%s)", 100 * (1 - mod.bitsPerByte() / d.uniformBitsPerByte()),
                            flat ? "" : ": it learned"));
        }
        if (!any) return notTested(claim, paper, label + " datasets/models");
        if (label.equals("AC") && r.m1() != null) ours.append("; M1 itself: ").append(f(r.m1().validBitsPerByte())).append(" bits/byte");
        return new Finding(claim, paper, ours.toString(), all ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Finding eqinfoLearns(Results r, String size) {
        String claim = "EqualInfoAC[b=16] is learnable: M2 ends well under its uniform rate (at most 90% of it)";
        String paper = "EqualInfoAC[b=16, v=256] 25m: 1.47 bits/byte vs uniform 3.01 (49%); v=65k 25m: 1.25";
        StringBuilder ours = new StringBuilder();
        boolean all = true, any = false;
        for (Method m : List.of(EQ16, EQ16K)) {
            Results.Model mod = r.model(m, size);
            Results.Dataset d = r.dataset(m);
            if (mod == null || d == null) continue;
            any = true;
            double frac = mod.bitsPerByte() / d.uniformBitsPerByte();
            all &= frac <= WELL_UNDER;
            if (!ours.isEmpty()) ours.append("; ");
            ours.append(m.paperName()).append(" ").append(size).append(": ").append(f(mod.bitsPerByte()))
                    .append(" vs uniform ").append(f(d.uniformBitsPerByte()))
                    .append(String.format(Locale.ROOT, " (%.0f%%)", 100 * frac));
        }
        if (!any) return notTested(claim, paper, "EqualInfoAC[b=16]");
        return new Finding(claim, paper, ours.toString(), all ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Finding vocabHelps(Results r, String size) {
        String claim = "For EqualInfoAC[b=16], v=65k (one token per window) beats v=256 in bits/byte";
        String paper = "v=65k vs v=256: 1.25 vs 1.47 (25m), 1.12 vs 1.23 (113m), 1.02 vs 1.09 (403m), 0.94 vs 0.99 (2b)";
        Results.Model a = r.model(EQ16, size), b = r.model(EQ16K, size);
        if (a == null || b == null) return notTested(claim, paper, "both EqualInfoAC[b=16] vocabularies");
        String ours = size + ": v=65k " + f(b.bitsPerByte()) + " vs v=256 " + f(a.bitsPerByte());
        return new Finding(claim, paper, ours, b.bitsPerByte() < a.bitsPerByte() ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Finding gzipWeak(Results r, String size) {
        String claim = "GZip is a weak tokenizer: M2 over GZip[v=256] is worse than over Bytes and over SentencePiece";
        String paper = "25m: GZip[v=256] 2.34 vs Bytes 1.29 and SentencePiece 1.12; 2b: 1.56 vs 1.03 and 0.87";
        Results.Model g = r.model(GZIP256, size), by = r.model(BYTES, size), sp = spm(r, size);
        if (g == null || by == null || sp == null) return notTested(claim, paper, "GZip[v=256], Bytes and SentencePiece");
        boolean ok = g.bitsPerByte() > by.bitsPerByte() && g.bitsPerByte() > sp.bitsPerByte();
        String ours = size + ": GZip[v=256] " + f(g.bitsPerByte()) + " vs Bytes " + f(by.bitsPerByte())
                + " and SentencePiece " + f(sp.bitsPerByte());
        return new Finding(claim, paper, ours, ok ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Finding spmBest(Results r, String size) {
        String claim = "SentencePiece gives the best bits/byte at equal M2 size";
        String paper = "SentencePiece is best at every size: 1.12 (25m) ... 0.87 (2b); next EqualInfoAC[b=16, v=65k] 1.25 ... 0.94";
        Results.Model sp = spm(r, size);
        if (sp == null) return notTested(claim, paper, "SentencePiece");
        Results.Model best = null;
        for (Results.Model m : r.models()) {
            if (!m.size().equals(size) || m == sp) continue;
            if (best == null || m.bitsPerByte() < best.bitsPerByte()) best = m;
        }
        if (best == null) return notTested(claim, paper, "any other method");
        String ours = size + ": SentencePiece " + f(sp.bitsPerByte()) + "; best other " + best.method().paperName()
                + " " + f(best.bitsPerByte());
        return new Finding(claim, paper, ours, sp.bitsPerByte() < best.bitsPerByte() ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Finding nearlyUniform(Results r) {
        String claim = "Compressed token streams are nearly uniform: the unigram model gains under 2% on the uniform one for "
                + "AC, StaticAC and EqualInfoAC[b=16] (v=256), while it gains a lot on Bytes";
        String paper = "Table 3, uniform − unigram: AC 0.000, StaticAC 0.000, EqualInfoAC[b=16] 0.032 (of 3.008), Bytes 3.398 (of 8)";
        StringBuilder ours = new StringBuilder();
        boolean ok = true, any = false;
        for (Method m : List.of(AC256, STATIC256, EQ16)) {
            Results.Dataset d = r.dataset(m);
            if (d == null) continue;
            any = true;
            double gain = d.uniformBitsPerByte() - d.unigramBitsPerByte();
            ok &= gain < NOT_LEARNED * d.uniformBitsPerByte();
            if (!ours.isEmpty()) ours.append("; ");
            ours.append(m.paperName()).append(" ").append(f(gain)).append(" (of ").append(f(d.uniformBitsPerByte())).append(")");
        }
        Results.Dataset b = r.dataset(BYTES);
        if (!any || b == null) return notTested(claim, paper, "Bytes and the AC datasets");
        double gainB = b.uniformBitsPerByte() - b.unigramBitsPerByte();
        ok &= gainB > 0.1 * b.uniformBitsPerByte();
        ours.append("; Bytes ").append(f(gainB)).append(" (of ").append(f(b.uniformBitsPerByte())).append(")");
        return new Finding(claim, paper, ours.toString(), ok ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static boolean hasAblation(Results r) {
        for (Method m : r.preset().methods()) if (m.kind() == Method.Kind.EQINFO_AC && m.bits() > 16) return true;
        return false;
    }

    private static Finding shorterWindowsEasier(Results r, String size) {
        String claim = "Shorter Equal-Info windows are easier to learn: M2's bits/token rises with the window size b (v=256)";
        String paper = "Fig. 5b: bits/token increases monotonically from b=16 to b=128 at every size";
        List<Results.Model> row = new ArrayList<>();
        for (Method m : r.preset().methods()) {
            if (m.kind() != Method.Kind.EQINFO_AC || m.vocab() != 256) continue;
            Results.Model mod = r.model(m, size);
            if (mod != null) row.add(mod);
        }
        row.sort((a, b) -> Integer.compare(a.method().bits(), b.method().bits()));
        if (row.size() < 2) return notTested(claim, paper, "two or more window sizes");
        boolean ok = true;
        StringBuilder ours = new StringBuilder(size + ": ");
        for (int i = 0; i < row.size(); i++) {
            if (i > 0) {
                ours.append(", ");
                ok &= row.get(i).bitsPerToken() > row.get(i - 1).bitsPerToken();
            }
            ours.append("b=").append(row.get(i).method().bits()).append(" ").append(f(row.get(i).bitsPerToken()));
        }
        ours.append(" bits/token");
        return new Finding(claim, paper, ours.toString(), ok ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
    }

    private static Results.Model spm(Results r, String size) {
        for (Results.Model m : r.models()) if (m.method().kind() == Method.Kind.SPM && m.size().equals(size)) return m;
        return null;
    }
}
