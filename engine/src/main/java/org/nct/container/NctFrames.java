package org.nct.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;
import org.nct.coding.WindowRule;

/**
 * The version 2 .nct layout (docs/compression.md; integers big-endian, varints LEB128), written
 * front to back so that input of any size streams through bounded memory:
 * <pre>
 * header : "NCT1" | version u8 = 2 | flags u8 (bit0 windowed) | modelId 32 B | precision u8
 *          | windowBits u8 (0 = AC) | rule u8 (0 for AC) | cdf u8 (1) | blockSize u32
 *          | frameBlocks u32 | headerCrc u32 (CRC32C of the bytes above)
 * frame  : 'F' | frameIndex varint | blockCount varint | per block: rawLen varint, codeLen varint,
 *          check u32 | tableCrc u32 (CRC32C of the frame's bytes from 'F') | the blocks' codes
 * trailer: 'E' | frameCount varint | rawLength varint | SHA-256 of the original 32 B
 *          | trailerCrc u32 (CRC32C of the trailer's bytes from 'E')
 * </pre>
 * Every frame holds {@code frameBlocks} blocks of {@code blockSize} bytes except the last frame,
 * whose last block may be shorter; an empty input has no frame. A block's check is CRC32C over its
 * index (u64), the offset of its first byte in the original (u64) and its bytes, so a block moved,
 * dropped or repeated fails its own check; frames carry their index; the trailer's SHA-256 over the
 * whole original and its length bind the content and its order end to end. Nothing else may follow
 * the trailer.
 *
 * <p>AC blocks: the range coder's code, followed by the zero bytes it dropped beyond the
 * {@link #MAX_OVERREAD} that the decoder may read past the end of a block's code. A decoder that
 * needs more has been given a code too short for its length: the block is corrupt, and its work is
 * bounded by its code. Window blocks: W/8 bytes per window.
 */
public final class NctFrames {
    private NctFrames() { }

    static final int VERSION = 2;
    static final int FRAME_TAG = 'F', END_TAG = 'E';
    /** Blocks per frame written by this build (readers accept 1..{@link #MAX_FRAME_BLOCKS}). */
    public static final int FRAME_BLOCKS = 64;
    public static final int MAX_FRAME_BLOCKS = 4096;
    /** Largest frame readers accept: 16 MiB of original bytes (frameBlocks × blockSize). */
    public static final long MAX_FRAME_BYTES = 16L << 20;
    /** Implicit zero bytes an AC block's decoder may read past the end of its code. */
    public static final int MAX_OVERREAD = org.nct.coding.StreamDecoder.MAX_OVERREAD;
    static final int HEADER_BYTES = 4 + 1 + 1 + 32 + 4 + 4 + 4 + 4;

    /** The fields of a version 2 header. */
    record Header(byte[] modelId, int precision, int windowBits, WindowRule rule, int blockSize, int frameBlocks) {
        long frameBytes() {
            return (long) frameBlocks * blockSize;
        }

        void write(OutputStream out) throws IOException {
            ByteArrayOutputStream h = new ByteArrayOutputStream(HEADER_BYTES);
            h.write(NctHeader.MAGIC);
            h.write(VERSION);
            h.write(windowBits > 0 ? 1 : 0);
            h.write(modelId);
            h.write(precision);
            h.write(windowBits);
            h.write(windowBits > 0 ? rule.code : 0);
            h.write(NctHeader.CDF_V1);
            NctHeader.u32(h, blockSize);
            NctHeader.u32(h, frameBlocks);
            NctHeader.u32(h, NctHeader.crc(h.toByteArray()));
            h.writeTo(out);
        }

        /** Reads the rest of a version 2 header after the magic and version, validating every field. */
        static Header read(NctHeader.CrcInput c, java.util.function.IntFunction<byte[]> expectedModel) throws IOException {
            int flags = c.u8();
            byte[] modelId = c.bytes(32);
            int precision = c.u8();
            int windowBits = c.u8();
            int ruleCode = c.u8();
            int cdf = c.u8();
            long blockSize = c.u32() & 0xFFFFFFFFL;
            long frameBlocks = c.u32() & 0xFFFFFFFFL;
            int expect = c.crc();
            if (c.u32() != expect) throw new NctFormatException("corrupt .nct header (header checksum mismatch)");
            NctHeader.checkModel(modelId, precision, expectedModel);
            if (cdf != NctHeader.CDF_V1 || flags != (windowBits > 0 ? 1 : 0)) throw new NctFormatException("unsupported .nct flags or CDF version");
            WindowRule rule = NctHeader.checkCoder(precision, windowBits, ruleCode);
            NctHeader.checkBlockSize(blockSize);
            if (frameBlocks < 1 || frameBlocks > MAX_FRAME_BLOCKS || frameBlocks * blockSize > MAX_FRAME_BYTES) {
                throw new NctFormatException("invalid frame size " + frameBlocks + " blocks of " + blockSize + " bytes");
            }
            return new Header(modelId, precision, windowBits, rule, (int) blockSize, (int) frameBlocks);
        }
    }

    /** A frame's block table: raw and code lengths and checks of its blocks. */
    record Table(long frameIndex, int[] raw, int[] code, int[] check) {
        int blocks() {
            return raw.length;
        }

        long rawBytes() {
            long n = 0;
            for (int r : raw) n += r;
            return n;
        }

        long codeBytes() {
            long n = 0;
            for (int k : code) n += k;
            return n;
        }

        void write(OutputStream out) throws IOException {
            ByteArrayOutputStream t = new ByteArrayOutputStream(16 + raw.length * 10);
            t.write(FRAME_TAG);
            NctHeader.varint(t, frameIndex);
            NctHeader.varint(t, raw.length);
            for (int i = 0; i < raw.length; i++) {
                NctHeader.varint(t, raw[i]);
                NctHeader.varint(t, code[i]);
                NctHeader.u32(t, check[i]);
            }
            NctHeader.u32(t, NctHeader.crc(t.toByteArray()));
            t.writeTo(out);
        }

        /**
         * Reads a frame table after its tag (the CRC input was reset before the tag), validating it
         * against the header: the frame's index, its block count and every length.
         */
        static Table read(NctHeader.CrcInput c, Header h, long expectedIndex) throws IOException {
            c.part = "the table of frame " + expectedIndex;
            long index = c.varint();
            long count = c.varint();
            if (count < 1 || count > h.frameBlocks()) throw new NctFormatException("corrupt frame " + expectedIndex + " (" + count + " blocks; frames hold 1.." + h.frameBlocks() + ")");
            int n = (int) count;
            int[] raw = new int[n], code = new int[n], check = new int[n];
            for (int i = 0; i < n; i++) {
                long r = c.varint(), k = c.varint();
                if (r < 1 || r > h.blockSize() || (i < n - 1 && r != h.blockSize())) {
                    throw new NctFormatException("corrupt frame " + expectedIndex + ": block " + i + " holds " + r + " bytes in blocks of " + h.blockSize());
                }
                if (k > NctHeader.maxCode(h.windowBits(), r) || (h.windowBits() > 0 && (k % (h.windowBits() / 8) != 0 || k == 0))) {
                    throw new NctFormatException("corrupt frame " + expectedIndex + ": block " + i + " has an impossible code length " + k);
                }
                raw[i] = (int) r;
                code[i] = (int) k;
                check[i] = c.u32();
            }
            int expect = c.crc();
            if (c.u32() != expect) throw new NctFormatException("corrupt frame " + expectedIndex + " (table checksum mismatch)");
            if (index != expectedIndex) {
                throw new NctFormatException("corrupt .nct file: frame " + index + " where frame " + expectedIndex + " belongs (frames dropped, repeated or reordered)");
            }
            return new Table(index, raw, code, check);
        }

        /** Whether this frame is full: every later frame must then exist or the trailer follow; a partial frame must be the last. */
        boolean full(Header h) {
            return raw.length == h.frameBlocks() && raw[raw.length - 1] == h.blockSize();
        }
    }

    /** The trailer: how many frames and bytes the file holds and the SHA-256 of the original. */
    record Trailer(long frames, long rawLength, byte[] sha256) {
        void write(OutputStream out) throws IOException {
            ByteArrayOutputStream t = new ByteArrayOutputStream(48);
            t.write(END_TAG);
            NctHeader.varint(t, frames);
            NctHeader.varint(t, rawLength);
            t.write(sha256);
            NctHeader.u32(t, NctHeader.crc(t.toByteArray()));
            t.writeTo(out);
        }

        /** Reads a trailer after its tag (the CRC input was reset before the tag). */
        static Trailer read(NctHeader.CrcInput c) throws IOException {
            c.part = "the trailer";
            long frames = c.varint();
            long raw = c.varint();
            byte[] sha = c.bytes(32);
            int expect = c.crc();
            if (c.u32() != expect) throw new NctFormatException("corrupt .nct trailer (checksum mismatch)");
            return new Trailer(frames, raw, sha);
        }
    }

    /** CRC32C over a block's index, the offset of its first byte in the original and its bytes. */
    static int blockCheck(long index, long offset, byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        byte[] key = new byte[16];
        for (int i = 0; i < 8; i++) {
            key[i] = (byte) (index >>> (56 - 8 * i));
            key[8 + i] = (byte) (offset >>> (56 - 8 * i));
        }
        c.update(key);
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
