package org.nct.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies a unigram {@link SentencePieceModel}: normalization by the model's flags (identity rule),
 * Viterbi segmentation over the piece lattice as SentencePiece does it (each candidate path score
 * computed in double from a float best-path score, compared with the stored float and stored back
 * rounded to float; the first candidate wins exact ties; an unknown character costs the lowest
 * piece score minus 10),
 * byte fallback for characters no piece covers.
 *
 * <p>Input may be any bytes, not only valid UTF-8 (fixed-length examples cut characters apart):
 * a byte that is not part of a valid UTF-8 character is a unit of its own that no piece matches,
 * so it goes out as a byte piece. With whitespace escaping a space becomes U+2581 ("▁"); a literal
 * U+2581 in the input matches no piece (it falls back to its three bytes), so that decoding can
 * tell the two apart. With nct's own flags ({@link SentencePieceModel#lossless()}) decode is the
 * exact inverse of encode.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final int WS = 0x2581;
    private static final float UNK_PENALTY = 10.0f;

    private final SentencePieceModel model;
    private final PieceTrie trie;
    private final float[] scores;
    private final int[] types;
    private final byte[][] surface;
    private final int[] byteIds = new int[256];
    private final int unkId;
    private final float unkScore;
    private final float maxScore;

    public SentencePieceTokenizer(SentencePieceModel model) {
        this.model = model;
        int n = model.pieces.size();
        if (n > 65536) throw new IllegalArgumentException("vocabulary of " + n + " pieces does not fit 16-bit tokens");
        scores = new float[n];
        types = new int[n];
        surface = new byte[n][];
        trie = new PieceTrie(n * 4);
        java.util.Arrays.fill(byteIds, -1);
        int unk = -1;
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            SentencePieceModel.Piece p = model.pieces.get(i);
            scores[i] = p.score();
            types[i] = p.type();
            String text = model.escapeWhitespaces ? p.piece().replace('\u2581', ' ') : p.piece();
            surface[i] = text.getBytes(StandardCharsets.UTF_8);
            switch (p.type()) {
                case SentencePieceModel.NORMAL, SentencePieceModel.USER_DEFINED, SentencePieceModel.UNUSED -> {
                    trie.add(p.piece().codePoints().toArray(), i);
                    if (p.type() == SentencePieceModel.NORMAL) {
                        min = Math.min(min, p.score());
                        max = Math.max(max, p.score());
                    }
                }
                case SentencePieceModel.BYTE -> byteIds[parseBytePiece(p.piece())] = i;
                case SentencePieceModel.UNKNOWN -> unk = i;
                default -> { }
            }
        }
        if (unk < 0) throw new IllegalArgumentException("model has no unknown piece");
        if (model.byteFallback) {
            for (int b = 0; b < 256; b++) if (byteIds[b] < 0) throw new IllegalArgumentException(String.format("byte fallback model lacks piece <0x%02X>", b));
        }
        unkId = unk;
        unkScore = min - UNK_PENALTY;
        maxScore = max;
    }

    static int parseBytePiece(String s) {
        if (s.length() != 6 || !s.startsWith("<0x") || s.charAt(5) != '>') throw new IllegalArgumentException("bad byte piece " + s);
        return Integer.parseInt(s.substring(3, 5), 16);
    }

    public SentencePieceModel model() {
        return model;
    }

    @Override
    public String name() {
        return "spm[v=" + vocabSize() + "]";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "spm");
        m.put("v", vocabSize());
        m.put("algorithm", "unigram");
        m.put("byte_fallback", model.byteFallback);
        m.put("normalization", model.normalizerName);
        m.put("add_dummy_prefix", model.addDummyPrefix);
        m.put("remove_extra_whitespaces", model.removeExtraWhitespaces);
        return m;
    }

    @Override
    public int vocabSize() {
        return scores.length;
    }

    /** Normalized text: code points (-1: matches no piece) and each unit's source bytes. */
    private record Units(int n, int[] cps, int[] srcStart, int[] srcLen) { }

    private Units normalize(byte[] b) {
        int len = b.length;
        int[] cps = new int[len + 1], st = new int[len + 1], ln = new int[len + 1];
        int n = 0;
        if (model.addDummyPrefix) n = 1; // slot 0 reserved for the dummy prefix
        int i = 0;
        boolean prevSpace = true; // at the start, for remove_extra_whitespaces
        while (i < len) {
            int c = b[i] & 0xFF, k, cp;
            if (c < 0x80) { cp = c; k = 1; }
            else if (c >= 0xC2 && c <= 0xDF && i + 1 < len && cont(b[i + 1])) { cp = (c & 0x1F) << 6 | (b[i + 1] & 0x3F); k = 2; }
            else if (c >= 0xE0 && c <= 0xEF && i + 2 < len && cont(b[i + 1]) && cont(b[i + 2])) {
                cp = (c & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F); k = 3;
                if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) { cp = -1; k = 1; }
            } else if (c >= 0xF0 && c <= 0xF4 && i + 3 < len && cont(b[i + 1]) && cont(b[i + 2]) && cont(b[i + 3])) {
                cp = (c & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | (b[i + 3] & 0x3F); k = 4;
                if (cp < 0x10000 || cp > 0x10FFFF) { cp = -1; k = 1; }
            } else { cp = -1; k = 1; }
            if (cp == ' ' && model.removeExtraWhitespaces && prevSpace) { i += k; continue; }
            prevSpace = cp == ' ';
            int unit = cp;
            if (model.escapeWhitespaces) {
                if (cp == WS) unit = -1;
                else if (cp == ' ') unit = WS;
            }
            cps[n] = unit;
            st[n] = i;
            ln[n] = k;
            n++;
            i += k;
        }
        if (model.removeExtraWhitespaces) {
            while (n > (model.addDummyPrefix ? 1 : 0) && b[st[n - 1]] == ' ' && ln[n - 1] == 1) n--;
        }
        if (model.addDummyPrefix) {
            if (n == 1) return new Units(0, cps, st, ln);
            cps[0] = model.escapeWhitespaces ? WS : ' ';
            st[0] = 0;
            ln[0] = 0;
        }
        return new Units(n, cps, st, ln);
    }

    private static boolean cont(byte x) {
        return (x & 0xC0) == 0x80;
    }

    @Override
    public int[] encode(byte[] bytes) {
        Units u = normalize(bytes);
        int n = u.n();
        int[] cps = u.cps();
        float[] best = new float[n + 1];
        int[] from = new int[n + 1];
        int[] id = new int[n + 1];
        java.util.Arrays.fill(from, -1);
        int maxDepth = trie.maxDepth();
        for (int s = 0; s < n; s++) {
            float base = best[s];
            boolean single = false;
            int node = 0;
            int lim = Math.min(n, s + maxDepth);
            for (int e = s; e < lim; e++) {
                node = trie.child(node, cps[e]);
                if (node < 0) break;
                int v = trie.value(node);
                if (v < 0 || types[v] == SentencePieceModel.UNUSED) continue;
                double score = types[v] == SentencePieceModel.USER_DEFINED ? (e - s + 1) * (double) maxScore - 0.1 : scores[v];
                double cand = score + base;
                if (from[e + 1] == -1 || cand > best[e + 1]) {
                    best[e + 1] = (float) cand;
                    from[e + 1] = s;
                    id[e + 1] = v;
                }
                if (e == s) single = true;
            }
            if (!single) {
                double cand = (double) unkScore + base;
                if (from[s + 1] == -1 || cand > best[s + 1]) {
                    best[s + 1] = (float) cand;
                    from[s + 1] = s;
                    id[s + 1] = unkId;
                }
            }
        }
        int count = 0;
        int[] path = new int[n];
        for (int e = n; e > 0; e = from[e]) path[count++] = e;
        int[] out = new int[n * 4 + 4];
        int m = 0;
        for (int k = count - 1; k >= 0; k--) {
            int e = path[k];
            int v = id[e];
            if (v == unkId && model.byteFallback) {
                int s = from[e];
                for (int q = s; q < e; q++) {
                    if (u.srcLen()[q] == 0) {
                        for (byte x : "\u2581".getBytes(StandardCharsets.UTF_8)) out[m++] = byteIds[x & 0xFF];
                    } else {
                        for (int j = 0; j < u.srcLen()[q]; j++) out[m++] = byteIds[bytes[u.srcStart()[q] + j] & 0xFF];
                    }
                }
            } else if (v == unkId && m > 0 && out[m - 1] == unkId) {
                // SentencePiece merges a run of unknown characters into one unknown token
            } else {
                out[m++] = v;
            }
        }
        return java.util.Arrays.copyOf(out, m);
    }

    @Override
    public byte[] decode(int[] tokens, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 4);
        for (int i = 0; i < n; i++) {
            int t = tokens[i];
            if (t < 0 || t >= scores.length) throw new IllegalArgumentException("spm token out of range: " + t);
            switch (types[t]) {
                case SentencePieceModel.BYTE -> out.write(parseBytePiece(model.pieces.get(t).piece()));
                case SentencePieceModel.CONTROL -> { }
                case SentencePieceModel.UNKNOWN -> out.writeBytes(model.unkSurface.getBytes(StandardCharsets.UTF_8));
                default -> out.writeBytes(surface[t]);
            }
        }
        byte[] b = out.toByteArray();
        if (model.addDummyPrefix && b.length > 0 && b[0] == ' ') return java.util.Arrays.copyOfRange(b, 1, b.length);
        return b;
    }
}
