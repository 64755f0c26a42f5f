package org.nct.paper;

import java.util.List;
import java.util.Map;
import org.nct.tokenize.Method;

/**
 * The paper's published numbers, the one copy that both {@code nct tokenize --report} and the
 * experiment's report print beside ours (Lester et al. 2024; read from the paper brief, Tables 3,
 * 12, 15 and 16). Keys are {@link Method#paperName()}.
 */
public final class PaperNumbers {
    private PaperNumbers() { }

    /** The paper's M2 sizes and their nominal non-embedding parameter counts (used for its FLOPs). */
    public static final List<String> SIZES = List.of("25m", "113m", "403m", "2b");
    public static final long[] SIZE_PARAMS = {25_000_000L, 113_000_000L, 403_000_000L, 2_000_000_000L};

    /** One cell of Table 15/16: bits/byte and inference FLOPs/byte at one size. */
    public record Cell(double bitsPerByte, double flopsPerByte) { }

    private static Cell[] row(double... v) {
        Cell[] r = new Cell[v.length / 2];
        for (int i = 0; i < r.length; i++) r[i] = new Cell(v[2 * i], v[2 * i + 1] * 1e6);
        return r;
    }

    /** Table 15 (and Table 16 for b=32/64/128): per method, cells for 25m, 113m, 403m, 2b. */
    public static final Map<String, Cell[]> TABLE15 = Map.ofEntries(
            Map.entry("Bytes", row(1.29, 50.00, 1.16, 226.00, 1.08, 806.00, 1.03, 4000.00)),
            Map.entry("SentencePiece", row(1.12, 11.69, 1.01, 52.82, 0.94, 188.37, 0.87, 934.84)),
            Map.entry("AC[v=256]", row(1.46, 15.11, 1.46, 47.17, 1.46, 152.81, 1.46, 734.60)),
            Map.entry("AC[v=65k]", row(1.46, 10.55, 1.46, 26.58, 1.46, 79.41, 1.46, 370.30)),
            Map.entry("StaticAC[v=256]", row(4.61, 28.90, 4.61, 130.64, 4.61, 465.90, 4.61, 2310.00)),
            Map.entry("StaticAC[v=65k]", row(4.60, 14.45, 4.60, 65.32, 4.62, 232.95, 4.62, 1160.00)),
            Map.entry("EqualInfoAC[b=16, v=256]", row(1.47, 24.80, 1.23, 90.96, 1.09, 309.01, 0.99, 1510.00)),
            Map.entry("EqualInfoAC[b=16, v=65k]", row(1.25, 15.42, 1.12, 48.56, 1.02, 157.79, 0.94, 759.30)),
            Map.entry("GZip[v=256]", row(2.34, 22.42, 1.93, 101.35, 1.69, 361.43, 1.56, 1790.00)),
            Map.entry("GZip[v=65k]", row(2.92, 11.19, 2.69, 50.56, 2.48, 180.31, 2.26, 894.85)),
            Map.entry("EqualInfoAC[b=32, v=256]", row(2.05, 20.33, 1.94, 70.76, 1.83, 236.95, 1.65, 1150.00)),
            Map.entry("EqualInfoAC[b=32, v=65k]", row(1.95, 13.17, 1.85, 38.42, 1.74, 121.64, 1.63, 579.89)),
            Map.entry("EqualInfoAC[b=64, v=256]", row(1.85, 18.02, 1.82, 60.33, 1.80, 199.75, 1.79, 967.54)),
            Map.entry("EqualInfoAC[b=64, v=65k]", row(1.82, 12.00, 1.80, 33.13, 1.79, 102.76, 1.76, 486.19)),
            Map.entry("EqualInfoAC[b=128, v=256]", row(1.71, 16.85, 1.71, 55.02, 1.71, 180.84, 1.71, 873.68)),
            Map.entry("EqualInfoAC[b=128, v=65k]", row(1.70, 11.42, 1.69, 30.51, 1.68, 93.42, 1.67, 439.84)));

    /** Table 12: compression ratio (bytes/token) on C4 dev; b=24 from App. A.1. */
    public static final Map<String, Double> TABLE12_RATIO = Map.ofEntries(
            Map.entry("Bytes", 1.0), Map.entry("SentencePiece", 4.28),
            Map.entry("AC[v=256]", 5.49), Map.entry("AC[v=65k]", 10.98),
            Map.entry("StaticAC[v=256]", 1.73), Map.entry("StaticAC[v=65k]", 3.46),
            Map.entry("GZip[v=256]", 2.23), Map.entry("GZip[v=65k]", 4.47),
            Map.entry("EqualInfoAC[b=16, v=256]", 2.66), Map.entry("EqualInfoAC[b=16, v=65k]", 5.31),
            Map.entry("EqualInfoAC[b=24, v=256]", 3.15), Map.entry("EqualInfoAC[b=24, v=65k]", 6.30),
            Map.entry("EqualInfoAC[b=32, v=256]", 3.49), Map.entry("EqualInfoAC[b=32, v=65k]", 6.97),
            Map.entry("EqualInfoAC[b=64, v=256]", 4.16), Map.entry("EqualInfoAC[b=64, v=65k]", 8.33),
            Map.entry("EqualInfoAC[b=128, v=256]", 4.61), Map.entry("EqualInfoAC[b=128, v=65k]", 9.22));

    /** Table 3: uniform and unigram bits/byte (v=256 methods and the two baselines). */
    public static final Map<String, double[]> TABLE3 = Map.ofEntries(
            Map.entry("Bytes", new double[] {8.000, 4.602}),
            Map.entry("SentencePiece", new double[] {3.497, 2.443}),
            Map.entry("AC[v=256]", new double[] {1.457, 1.457}),
            Map.entry("StaticAC[v=256]", new double[] {4.624, 4.624}),
            Map.entry("EqualInfoAC[b=16, v=256]", new double[] {3.008, 2.976}),
            Map.entry("EqualInfoAC[b=32, v=256]", new double[] {2.292, 2.285}),
            Map.entry("EqualInfoAC[b=64, v=256]", new double[] {1.923, 1.921}),
            Map.entry("EqualInfoAC[b=128, v=256]", new double[] {1.735, 1.735}),
            Map.entry("GZip[v=256]", new double[] {3.587, 3.586}));

    /**
     * The Table 3 row for a method's uniform rate; v=65k methods have the uniform bits/byte of
     * their v=256 twin (the paper says so for Table 15), so they get the twin's row.
     */
    public static double[] uniformRow(String paperName) {
        double[] row = TABLE3.get(paperName);
        return row != null ? row : TABLE3.get(paperName.replace("v=65k", "v=256"));
    }

    /** The paper's M1 validation bits/byte (3m, 2.5M steps). */
    public static final double M1_BITS_PER_BYTE = 1.457;

    /** Index into {@link #SIZES} of the paper size nearest (in log parameters) to {@code params}. */
    public static int nearestSize(long params) {
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < SIZE_PARAMS.length; i++) {
            double d = Math.abs(Math.log((double) params / SIZE_PARAMS[i]));
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return best;
    }
}
