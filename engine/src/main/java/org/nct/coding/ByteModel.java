package org.nct.coding;

/**
 * A next-byte probability model for the coders: an integer CDF over the 256 byte values given the
 * bytes accepted since the last {@link #reset()}. Encoder and decoder drive the same calls in the
 * same order, so a deterministic model gives both sides the same tables.
 */
public interface ByteModel {

    /** log2 of the CDF total (16 by default, 14 in the paper's setting). */
    int precision();

    /** Forgets the context (start of a block or window). */
    void reset();

    /** Fills {@code cum[0..256]}: the CDF of the next byte after the current context, total 2^precision, every byte ≥ 1. */
    void cdf(int[] cum);

    /** Appends a byte (0..255) to the context. */
    void accept(int symbol);
}
