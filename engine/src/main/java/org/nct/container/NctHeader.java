package org.nct.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.nct.coding.WindowRule;

/**
 * The version 1 .nct header and block table (docs/compression.md; all integers big-endian). Version
 * 1 is read for compatibility; {@link NctCodec} writes version 2 ({@link NctFrames}).
 * <pre>
 * magic "NCT1" | version u8 = 1 | flags u8 (bit0 windowed, bit1 block table, bit2 block CRCs)
 * modelId 32 B | precision u8 | windowBits u8 (0 = AC) | rule u8 (0 for AC) | cdf u8 (1 = nct-cdf-v1)
 * blockSize u32 | rawLength varint | rawCrc u32 (CRC32C) | headerCrc u32 (CRC32C of all bytes before)
 * blockCount varint | per block: rawLen varint, codeLen varint, blockCrc u32 | tableCrc u32
 * payload: the blocks' codes, in order
 * </pre>
 * Parsing validates every field against the header before anything is allocated from it. The
 * whole-file CRC32C of version 1 does not bind the order of the blocks (CRC32C is linear, so it
 * can be recomputed from the block CRCs); version 2 fixes that.
 */
public record NctHeader(byte[] modelId, int precision, int windowBits, WindowRule rule, int blockSize,
                        long rawLength, int rawCrc, int[] blockRaw, int[] blockCode, int[] blockCrc) {

    static final byte[] MAGIC = "NCT1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int CDF_V1 = 1;
    /**
     * Largest block: 64 KiB, in every version. M1 attends over the whole block, so the work per
     * byte grows with the block and the work per block with its square; this bound keeps the
     * decoder's work per block (and each stream's KV cache) bounded whatever a header claims.
     */
    public static final int MAX_BLOCK = 1 << 16;
    /** Largest original: 2^40 bytes. */
    public static final long MAX_RAW = 1L << 40;

    public int blocks() {
        return blockRaw.length;
    }

    /** Largest code a block of n bytes can have: W/8 bytes per window and ≥ 1 byte per window; AC ≤ n·2 + 8. */
    static long maxCode(int windowBits, long n) {
        return windowBits == 0 ? 2 * n + 8 : n * (windowBits / 8);
    }

    public void write(OutputStream out) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(MAGIC);
        h.write(VERSION);
        h.write((windowBits > 0 ? 1 : 0) | 2 | 4);
        h.write(modelId);
        h.write(precision);
        h.write(windowBits);
        h.write(windowBits > 0 ? rule.code : 0);
        h.write(CDF_V1);
        u32(h, blockSize);
        varint(h, rawLength);
        u32(h, rawCrc);
        u32(h, crc(h.toByteArray()));
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        varint(t, blockRaw.length);
        for (int i = 0; i < blockRaw.length; i++) {
            varint(t, blockRaw[i]);
            varint(t, blockCode[i]);
            u32(t, blockCrc[i]);
        }
        u32(t, crc(t.toByteArray()));
        h.writeTo(out);
        t.writeTo(out);
    }

    /**
     * Reads and validates a header and block table. {@code expectedModel} gives the model id that
     * would decode a file of a given CDF precision; it is compared before the block table is read.
     */
    public static NctHeader read(InputStream in, java.util.function.IntFunction<byte[]> expectedModel) throws IOException {
        CrcInput c = new CrcInput(in);
        int version = readMagicAndVersion(c);
        if (version != VERSION) throw new NctFormatException("not a version 1 .nct file (version " + version + ")");
        return readAfterVersion(c, expectedModel);
    }

    /** Reads the magic and the version byte (any version; the caller dispatches on it). */
    static int readMagicAndVersion(CrcInput c) throws IOException {
        byte[] magic = c.bytes(4);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new NctFormatException("not an .nct file (bad magic)");
        int version = c.u8();
        if (version != VERSION && version != NctFrames.VERSION) {
            throw new NctFormatException("unsupported .nct version " + version + " (this build reads versions 1 and 2)");
        }
        return version;
    }

    /** The rest of a version 1 header after {@link #readMagicAndVersion}, on the same input (its CRC covers both). */
    static NctHeader readAfterVersion(CrcInput c, java.util.function.IntFunction<byte[]> expectedModel) throws IOException {
        int flags = c.u8();
        byte[] modelId = c.bytes(32);
        int precision = c.u8();
        int windowBits = c.u8();
        int ruleCode = c.u8();
        int cdf = c.u8();
        int blockSize = c.u32();
        long rawLength = c.varint();
        int rawCrc = c.u32();
        int expectCrc = c.crc();
        int headerCrc = c.u32();
        if (headerCrc != expectCrc) throw new NctFormatException("corrupt .nct header (header checksum mismatch)");
        checkModel(modelId, precision, expectedModel);
        if (cdf != CDF_V1 || (flags & 6) != 6 || (flags & 1) != (windowBits > 0 ? 1 : 0) || (flags & ~7) != 0) throw new NctFormatException("unsupported .nct flags or CDF version");
        WindowRule rule = checkCoder(precision, windowBits, ruleCode);
        checkBlockSize(blockSize);
        if (rawLength < 0 || rawLength > MAX_RAW) throw new NctFormatException("invalid original length " + rawLength);
        long expectBlocks = (rawLength + blockSize - 1) / blockSize;
        c.resetCrc();
        long count = c.varint();
        if (count != expectBlocks) throw new NctFormatException("corrupt block table: " + count + " blocks for " + rawLength + " bytes in blocks of " + blockSize);
        if (count > Integer.MAX_VALUE - 8) throw new NctFormatException("too many blocks");
        int n = (int) count;
        // arrays grow with the entries actually read: a forged count cannot allocate ahead of the data
        int[] raw = new int[Math.min(n, 1024)], code = new int[raw.length], crcs = new int[raw.length];
        for (int i = 0; i < n; i++) {
            if (i == raw.length) {
                int size = (int) Math.min(n, 2L * raw.length);
                raw = java.util.Arrays.copyOf(raw, size);
                code = java.util.Arrays.copyOf(code, size);
                crcs = java.util.Arrays.copyOf(crcs, size);
            }
            long r = c.varint(), k = c.varint();
            long want = i < n - 1 ? blockSize : rawLength - (long) (n - 1) * blockSize;
            if (r != want) throw new NctFormatException("corrupt block table: block " + i + " holds " + r + " bytes, expected " + want);
            if (k < 0 || k > maxCode(windowBits, r) || (windowBits > 0 && k % (windowBits / 8) != 0)) throw new NctFormatException("corrupt block table: block " + i + " has an impossible code length " + k);
            raw[i] = (int) r;
            code[i] = (int) k;
            crcs[i] = c.u32();
        }
        int expectTable = c.crc();
        if (c.u32() != expectTable) throw new NctFormatException("corrupt block table (checksum mismatch)");
        return new NctHeader(modelId, precision, windowBits, rule, blockSize, rawLength, rawCrc, raw, code, crcs);
    }

    /**
     * The precision is valid and the model that decodes it is the one that wrote the file
     * ({@code expectedModel} null: any model, for reading a header without decoding; {@link NctSummary}).
     */
    static void checkModel(byte[] modelId, int precision, java.util.function.IntFunction<byte[]> expectedModel) throws NctFormatException {
        if (precision < 9 || precision > 16) throw new NctFormatException("invalid CDF precision " + precision);
        if (expectedModel == null) return;
        byte[] expected = expectedModel.apply(precision);
        if (!java.util.Arrays.equals(modelId, expected)) {
            HexFormat hex = HexFormat.of();
            throw new NctFormatException("file was compressed with model " + hex.formatHex(modelId, 0, 8)
                    + "…, not with the model in use (" + hex.formatHex(expected, 0, 8) + "… at CDF precision " + precision + ")");
        }
    }

    /** Validates the window size and rule; returns the rule (null for AC). */
    static WindowRule checkCoder(int precision, int windowBits, int ruleCode) throws NctFormatException {
        if (windowBits == 0) {
            if (ruleCode != 0) throw new NctFormatException("invalid window rule " + ruleCode + " for an unwindowed file");
            return null;
        }
        if (windowBits < 16 || windowBits > 128 || windowBits % 8 != 0 || windowBits < precision) throw new NctFormatException("invalid window size " + windowBits);
        try {
            return WindowRule.ofCode(ruleCode);
        } catch (IllegalArgumentException e) {
            throw new NctFormatException("invalid window rule " + ruleCode);
        }
    }

    static void checkBlockSize(long blockSize) throws NctFormatException {
        if (blockSize < 1 || blockSize > MAX_BLOCK) {
            throw new NctFormatException("invalid block size " + blockSize + " (this build decodes blocks of at most " + MAX_BLOCK + " bytes)");
        }
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    static void u32(OutputStream o, int v) throws IOException {
        o.write(v >>> 24);
        o.write(v >>> 16);
        o.write(v >>> 8);
        o.write(v);
    }

    static void varint(OutputStream o, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** Reads header fields, keeping a CRC32C of what it read; EOF is a "truncated" error. */
    static final class CrcInput {
        private final InputStream in;
        private CRC32C crc = new CRC32C();
        /** Where reading is, for the "truncated" message. */
        String part = "the header";

        CrcInput(InputStream in) {
            this.in = in;
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) throw new NctFormatException("truncated .nct file (ends inside " + part + ")");
            crc.update(b);
            return b;
        }

        byte[] bytes(int n) throws IOException {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) u8();
            return b;
        }

        int u32() throws IOException {
            return (u8() << 24) | (u8() << 16) | (u8() << 8) | u8();
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new NctFormatException("corrupt .nct header (overlong number)");
        }

        int crc() {
            return (int) crc.getValue();
        }

        void resetCrc() {
            crc = new CRC32C();
        }
    }
}
