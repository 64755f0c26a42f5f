package org.nct.coding;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The exact reference for {@link StreamEncoder}/{@link StreamDecoder}: the same interval split and
 * renormalisation rule, but {@code low} is an unbounded integer, so there are no carries, no
 * pending bytes and no 0xFF runs to get wrong. The code is the chosen final value written out in
 * full, trailing zero bytes removed.
 */
final class ReferenceRangeCoder {
    private ReferenceRangeCoder() { }

    /** Encodes the symbols with per-symbol tables cums[i] of total 2^precision. */
    static byte[] encode(int[][] cums, int[] symbols, int precision) {
        BigInteger low = BigInteger.ZERO;
        long range = 1L << 32;
        int shifts = 0;
        for (int i = 0; i < symbols.length; i++) {
            long bLo = (range * cums[i][symbols[i]]) >>> precision;
            long bHi = (range * cums[i][symbols[i] + 1]) >>> precision;
            low = low.add(BigInteger.valueOf(bLo));
            range = bHi - bLo;
            while (range < (1L << 24)) {
                low = low.shiftLeft(8);
                range <<= 8;
                shifts++;
            }
        }
        BigInteger end = low.add(BigInteger.valueOf(range));
        BigInteger v = null;
        for (int tz = 32; tz >= 0; tz--) {
            BigInteger unit = BigInteger.ONE.shiftLeft(tz);
            BigInteger c = low.add(unit).subtract(BigInteger.ONE).shiftRight(tz).shiftLeft(tz);
            if (c.compareTo(end) < 0) {
                v = c;
                break;
            }
        }
        int n = 4 + shifts;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) out[i] = (byte) v.shiftRight(8 * (n - 1 - i)).intValue();
        int len = n;
        while (len > 0 && out[len - 1] == 0) len--;
        return Arrays.copyOf(out, len);
    }

    /** Decodes symbols.length symbols with the given tables (the tables are those of the true symbols). */
    static int[] decode(byte[] code, int[][] cums, int count, int precision) {
        BigInteger low = BigInteger.ZERO;
        long range = 1L << 32;
        int next = 0;
        BigInteger value = BigInteger.ZERO;
        for (; next < 4; next++) value = value.shiftLeft(8).add(BigInteger.valueOf(next < code.length ? code[next] & 0xFF : 0));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            long target = value.subtract(low).longValueExact();
            int s = 0;
            while (s < 255 && ((range * cums[i][s + 1]) >>> precision) <= target) s++;
            out[i] = s;
            long bLo = (range * cums[i][s]) >>> precision;
            long bHi = (range * cums[i][s + 1]) >>> precision;
            low = low.add(BigInteger.valueOf(bLo));
            range = bHi - bLo;
            while (range < (1L << 24)) {
                low = low.shiftLeft(8);
                range <<= 8;
                value = value.shiftLeft(8).add(BigInteger.valueOf(next < code.length ? code[next] & 0xFF : 0));
                next++;
            }
        }
        return out;
    }
}
