package org.nct.coding;

/**
 * The paper's StaticAC model: one fixed byte distribution counted on training text, the same for
 * every position (the context is ignored). Immutable and thread-safe.
 */
public final class StaticUnigramModel implements ByteModel {
    private final long[] counts;
    private final int precision;
    private final int[] table = new int[IntegerCdf.SYMBOLS + 1];

    /** A model from 256 byte counts (each ≤ 2^40). */
    public StaticUnigramModel(long[] counts, int precision) {
        if (counts.length != IntegerCdf.SYMBOLS) throw new IllegalArgumentException("need 256 counts, got " + counts.length);
        this.counts = counts.clone();
        this.precision = IntegerCdf.checkPrecision(precision);
        IntegerCdf.fromWeights(this.counts, precision, table);
    }

    /** Counts the bytes of {@code text} (saturating at 2^40). */
    public static long[] count(byte[] text, int off, int len) {
        long[] c = new long[IntegerCdf.SYMBOLS];
        for (int i = off; i < off + len; i++) c[text[i] & 0xFF]++;
        for (int i = 0; i < c.length; i++) c[i] = Math.min(c[i], 1L << 40);
        return c;
    }

    /** A model counted on {@code text}. */
    public static StaticUnigramModel train(byte[] text, int precision) {
        return new StaticUnigramModel(count(text, 0, text.length), precision);
    }

    public long[] counts() {
        return counts.clone();
    }

    @Override
    public int precision() {
        return precision;
    }

    @Override
    public void reset() { }

    @Override
    public void cdf(int[] cum) {
        System.arraycopy(table, 0, cum, 0, table.length);
    }

    @Override
    public void accept(int symbol) { }
}
