package org.nct.container;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import org.nct.coding.WindowRule;

/**
 * What an .nct file holds, read without a model and without decoding: the header's fields, and the
 * original length from the trailer (version 2) or the header (version 1). A version 2 file is
 * walked frame by frame, reading each frame's table and skipping its codes, so the frames' tables
 * and the trailer are checked (their CRCs, indices and lengths) but the codes are not decoded:
 * {@code nct verify} does that.
 *
 * @param version     the format version, 1 or 2
 * @param modelId     SHA-256 id of the M1 (at {@code precision}) that wrote the file
 * @param precision   log2 of the CDF total
 * @param windowBits  Equal-Info window bits, 0 for plain AC
 * @param rule        the window rule (null for plain AC)
 * @param blockSize   bytes per independent block
 * @param blocks      blocks in the file
 * @param rawLength   length of the original
 * @param fileLength  length of the .nct file
 */
public record NctSummary(int version, byte[] modelId, int precision, int windowBits, WindowRule rule, int blockSize,
                         long blocks, long rawLength, long fileLength) {

    /** Reads the summary of an .nct file. */
    public static NctSummary read(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, size);
        }
    }

    /** Reads the summary of the .nct stream {@code in}, whose whole length is {@code fileLength}. */
    static NctSummary read(InputStream in, long fileLength) throws IOException {
        NctHeader.CrcInput c = new NctHeader.CrcInput(in);
        int version = NctHeader.readMagicAndVersion(c);
        if (version == NctHeader.VERSION) {
            NctHeader h = NctHeader.readAfterVersion(c, null);
            return new NctSummary(1, h.modelId(), h.precision(), h.windowBits(), h.rule(), h.blockSize(), h.blocks(), h.rawLength(), fileLength);
        }
        NctFrames.Header h = NctFrames.Header.read(c, null);
        long frames = 0, blocks = 0, raw = 0;
        while (true) {
            c.resetCrc();
            c.part = "frame " + frames + " (the file ends before its trailer)";
            int tag = c.u8();
            if (tag == NctFrames.END_TAG) {
                NctFrames.Trailer t = NctFrames.Trailer.read(c);
                if (t.frames() != frames || t.rawLength() != raw) {
                    throw new NctFormatException("corrupt .nct file (the trailer records " + t.frames() + " frames and " + t.rawLength()
                            + " bytes; the file holds " + frames + " frames and " + raw + " bytes)");
                }
                if (in.read() >= 0) throw new NctFormatException("corrupt .nct file (trailing bytes after the trailer)");
                return new NctSummary(2, h.modelId(), h.precision(), h.windowBits(), h.rule(), h.blockSize(), blocks, raw, fileLength);
            }
            if (tag != NctFrames.FRAME_TAG) throw new NctFormatException("corrupt .nct file (no frame or trailer where frame " + frames + " belongs)");
            NctFrames.Table t = NctFrames.Table.read(c, h, frames);
            try {
                in.skipNBytes(t.codeBytes());
            } catch (EOFException e) {
                throw new NctFormatException("truncated .nct file (ends inside the codes of frame " + frames + ")");
            }
            frames++;
            blocks += t.blocks();
            raw += t.rawBytes();
        }
    }

    /** The coding mode as the options that produce it: {@code ac} or {@code eqinfo-ac[W,rule]}. */
    public String mode() {
        return windowBits == 0 ? "ac" : "eqinfo-ac[" + windowBits + "," + rule.name().toLowerCase(Locale.ROOT) + "]";
    }

    /** The compression ratio: original bytes per byte of the .nct file (header and tables included). */
    public double ratio() {
        return rawLength / (double) Math.max(1, fileLength);
    }

    /** The model id in hex. */
    public String modelIdHex() {
        return HexFormat.of().formatHex(modelId);
    }
}
