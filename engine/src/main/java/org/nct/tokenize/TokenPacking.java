package org.nct.tokenize;

/**
 * Cuts a byte string (a compressed bitstream) into 8- or 16-bit tokens and back. 16-bit tokens
 * are big-endian (the stream's first bit is the token's most significant bit, as the paper cuts
 * the bitstream). A stream of odd length gets one zero byte appended before cutting; the unpacked
 * stream therefore may end with one extra zero byte, which every user of this class ignores
 * because its own format knows where its stream ends (zlib's end-of-stream, the coder's length).
 */
public final class TokenPacking {
    private TokenPacking() { }

    public static int[] pack(byte[] stream, int len, int bits) {
        if (bits == 8) {
            int[] t = new int[len];
            for (int i = 0; i < len; i++) t[i] = stream[i] & 0xFF;
            return t;
        }
        checkBits(bits);
        int[] t = new int[(len + 1) / 2];
        for (int i = 0; i < t.length; i++) {
            int hi = stream[2 * i] & 0xFF;
            int lo = 2 * i + 1 < len ? stream[2 * i + 1] & 0xFF : 0;
            t[i] = (hi << 8) | lo;
        }
        return t;
    }

    public static byte[] unpack(int[] tokens, int n, int bits) {
        checkBits(bits);
        int max = (1 << bits) - 1;
        byte[] b = new byte[bits == 8 ? n : 2 * n];
        for (int i = 0; i < n; i++) {
            int t = tokens[i];
            if (t < 0 || t > max) throw new IllegalArgumentException(bits + "-bit token out of range: " + t);
            if (bits == 8) {
                b[i] = (byte) t;
            } else {
                b[2 * i] = (byte) (t >>> 8);
                b[2 * i + 1] = (byte) t;
            }
        }
        return b;
    }

    public static void checkBits(int bits) {
        if (bits != 8 && bits != 16) throw new IllegalArgumentException("token bits must be 8 or 16, got " + bits);
    }

    /** Bits per token of a vocabulary of 256 or 65,536. */
    public static int bitsOfVocab(int v) {
        if (v == 256) return 8;
        if (v == 65536) return 16;
        throw new org.nct.InvalidInputException("vocabulary must be 256 or 65536 for this method, got " + v);
    }
}
