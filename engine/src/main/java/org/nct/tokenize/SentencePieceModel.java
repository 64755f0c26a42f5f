package org.nct.tokenize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nct.InvalidInputException;
import org.nct.util.AtomicFiles;

/**
 * A SentencePiece model: the pieces with score and type, and the trainer/normalizer flags that
 * change how text is segmented. Reads and writes the {@code .model} file format (protobuf
 * {@code sentencepiece.ModelProto}, parsed by hand):
 * <pre>
 * ModelProto      1: repeated SentencePiece pieces   2: TrainerSpec   3: NormalizerSpec
 * SentencePiece   1: string piece   2: float score   3: Type (1 normal, 2 unknown, 3 control,
 *                 4 user-defined, 5 unused, 6 byte)
 * TrainerSpec     3: model_type (1 unigram)   4: vocab_size   35: byte_fallback
 *                 24: treat_whitespace_as_suffix   40: unk_id   45: unk_piece   44: unk_surface
 * NormalizerSpec  1: name   2: precompiled_charsmap   3: add_dummy_prefix
 *                 4: remove_extra_whitespaces   5: escape_whitespaces
 * </pre>
 * Other fields are skipped. Only unigram models with an empty precompiled charsmap (normalization
 * rule {@code identity}) are accepted: nct does not implement the NFKC charsmap.
 */
public final class SentencePieceModel {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** One vocabulary entry. */
    public record Piece(String piece, float score, int type) { }

    public final List<Piece> pieces;
    public final boolean byteFallback;
    public final boolean addDummyPrefix;
    public final boolean removeExtraWhitespaces;
    public final boolean escapeWhitespaces;
    public final String normalizerName;
    public final String unkSurface;

    public SentencePieceModel(List<Piece> pieces, boolean byteFallback, boolean addDummyPrefix,
                              boolean removeExtraWhitespaces, boolean escapeWhitespaces, String normalizerName, String unkSurface) {
        this.pieces = List.copyOf(pieces);
        this.byteFallback = byteFallback;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        this.normalizerName = normalizerName;
        this.unkSurface = unkSurface;
    }

    /** Whether text goes through this model and back unchanged (nct's own configuration). */
    public boolean lossless() {
        return byteFallback && !addDummyPrefix && !removeExtraWhitespaces && escapeWhitespaces;
    }

    public static SentencePieceModel read(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("SentencePiece model not found: " + file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read SentencePiece model " + file + ": " + e.getMessage());
        }
        try {
            return parse(data);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file + ": not a usable SentencePiece model: " + e.getMessage());
        }
    }

    /** Parses a serialized ModelProto; throws IllegalArgumentException on malformed or unsupported input. */
    public static SentencePieceModel parse(byte[] data) {
        Proto p = new Proto(data, 0, data.length);
        List<Piece> pieces = new ArrayList<>();
        boolean byteFallback = false, dummy = true, removeWs = true, escape = true;
        int modelType = 1;
        String name = "", unkSurface = " \u2047 ";
        int charsmap = 0;
        while (p.more()) {
            int tag = p.tag();
            if (tag == (1 << 3 | 2)) {
                Proto q = p.message();
                String piece = null;
                float score = 0;
                int type = NORMAL;
                while (q.more()) {
                    int t = q.tag();
                    if (t == (1 << 3 | 2)) piece = q.string();
                    else if (t == (2 << 3 | 5)) score = q.float32();
                    else if (t == (3 << 3)) type = (int) q.varint();
                    else q.skip(t);
                }
                if (piece == null) throw new IllegalArgumentException("piece " + pieces.size() + " has no text");
                if (type < 1 || type > 6) throw new IllegalArgumentException("piece " + pieces.size() + " has unknown type " + type);
                pieces.add(new Piece(piece, score, type));
            } else if (tag == (2 << 3 | 2)) {
                Proto q = p.message();
                while (q.more()) {
                    int t = q.tag();
                    if (t == (3 << 3)) modelType = (int) q.varint();
                    else if (t == (35 << 3)) byteFallback = q.varint() != 0;
                    else if (t == (24 << 3)) {
                        if (q.varint() != 0) throw new IllegalArgumentException("treat_whitespace_as_suffix is not supported");
                    } else if (t == (44 << 3 | 2)) unkSurface = q.string();
                    else q.skip(t);
                }
            } else if (tag == (3 << 3 | 2)) {
                Proto q = p.message();
                while (q.more()) {
                    int t = q.tag();
                    if (t == (1 << 3 | 2)) name = q.string();
                    else if (t == (2 << 3 | 2)) charsmap = q.bytes().length;
                    else if (t == (3 << 3)) dummy = q.varint() != 0;
                    else if (t == (4 << 3)) removeWs = q.varint() != 0;
                    else if (t == (5 << 3)) escape = q.varint() != 0;
                    else q.skip(t);
                }
            } else {
                p.skip(tag);
            }
        }
        if (modelType != 1) throw new IllegalArgumentException("model type " + modelType + " is not unigram (1)");
        if (charsmap != 0) {
            throw new IllegalArgumentException("normalization rule '" + name + "' uses a precompiled charsmap, which nct does not implement;"
                    + " train it with spm_train --normalization_rule_name=identity");
        }
        if (pieces.isEmpty()) throw new IllegalArgumentException("no pieces");
        return new SentencePieceModel(pieces, byteFallback, dummy, removeWs, escape, name, unkSurface);
    }

    /** Serializes as a ModelProto that spm_encode loads. */
    public byte[] serialize() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Piece pc : pieces) {
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            writeBytes(m, 1, pc.piece().getBytes(StandardCharsets.UTF_8));
            writeTag(m, 2, 5);
            m.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(pc.score()).array());
            if (pc.type() != NORMAL) writeVarintField(m, 3, pc.type());
            writeBytes(out, 1, m.toByteArray());
        }
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        writeVarintField(t, 3, 1);
        writeVarintField(t, 4, pieces.size());
        writeVarintField(t, 35, byteFallback ? 1 : 0);
        writeBytes(out, 2, t.toByteArray());
        ByteArrayOutputStream n = new ByteArrayOutputStream();
        writeBytes(n, 1, normalizerName.getBytes(StandardCharsets.UTF_8));
        writeVarintField(n, 3, addDummyPrefix ? 1 : 0);
        writeVarintField(n, 4, removeExtraWhitespaces ? 1 : 0);
        writeVarintField(n, 5, escapeWhitespaces ? 1 : 0);
        writeBytes(out, 3, n.toByteArray());
        return out.toByteArray();
    }

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, serialize());
    }

    private static void writeTag(ByteArrayOutputStream o, int field, int wire) {
        writeVarint(o, (long) field << 3 | wire);
    }

    private static void writeVarintField(ByteArrayOutputStream o, int field, long v) {
        writeTag(o, field, 0);
        writeVarint(o, v);
    }

    private static void writeBytes(ByteArrayOutputStream o, int field, byte[] b) {
        writeTag(o, field, 2);
        writeVarint(o, b.length);
        o.writeBytes(b);
    }

    private static void writeVarint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** A bounds-checked protobuf reader over a slice. */
    private static final class Proto {
        private final byte[] d;
        private int pos;
        private final int end;

        Proto(byte[] d, int pos, int end) {
            this.d = d;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            long t = varint();
            if (t >>> 3 == 0 || t > Integer.MAX_VALUE) throw new IllegalArgumentException("bad field tag at byte " + pos);
            return (int) t;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new IllegalArgumentException("truncated varint");
                int b = d[pos++] & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
            throw new IllegalArgumentException("varint too long");
        }

        float float32() {
            if (end - pos < 4) throw new IllegalArgumentException("truncated float");
            int bits = (d[pos] & 0xFF) | (d[pos + 1] & 0xFF) << 8 | (d[pos + 2] & 0xFF) << 16 | (d[pos + 3] & 0xFF) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        int length() {
            long n = varint();
            if (n < 0 || n > end - pos) throw new IllegalArgumentException("length " + n + " runs past the end of the data");
            return (int) n;
        }

        byte[] bytes() {
            int n = length();
            byte[] b = java.util.Arrays.copyOfRange(d, pos, pos + n);
            pos += n;
            return b;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Proto message() {
            int n = length();
            Proto q = new Proto(d, pos, pos + n);
            pos += n;
            return q;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> { if (end - pos < 8) throw new IllegalArgumentException("truncated fixed64"); pos += 8; }
                case 2 -> { int n = length(); pos += n; }
                case 5 -> { if (end - pos < 4) throw new IllegalArgumentException("truncated fixed32"); pos += 4; }
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " (field " + (tag >>> 3) + ") at byte " + pos);
            }
        }
    }
}
