package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;

class SentencePieceTest {
    @TempDir Path dir;

    /** A hand-made model: meta pieces, bytes, and a few pieces with chosen scores. */
    static SentencePieceModel tiny(boolean dummy, boolean removeWs) {
        List<SentencePieceModel.Piece> p = new ArrayList<>();
        p.add(new SentencePieceModel.Piece("<unk>", 0, SentencePieceModel.UNKNOWN));
        p.add(new SentencePieceModel.Piece("<s>", 0, SentencePieceModel.CONTROL));
        p.add(new SentencePieceModel.Piece("</s>", 0, SentencePieceModel.CONTROL));
        for (int b = 0; b < 256; b++) p.add(new SentencePieceModel.Piece(String.format("<0x%02X>", b), 0, SentencePieceModel.BYTE));
        String[] pieces = {"▁", "a", "b", "c", "ab", "bc", "▁ab", "abc"};
        float[] scores = {-2f, -3f, -3f, -3f, -4f, -4.5f, -4f, -9f};
        for (int i = 0; i < pieces.length; i++) p.add(new SentencePieceModel.Piece(pieces[i], scores[i], SentencePieceModel.NORMAL));
        return new SentencePieceModel(p, true, dummy, removeWs, true, "identity", " \u2047 ");
    }

    private static String show(SentencePieceTokenizer t, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(sb.length() == 0 ? "" : "|").append(t.model().pieces.get(id).piece());
        return sb.toString();
    }

    @Test
    void viterbiPicksTheBestScoringSegmentation() {
        SentencePieceTokenizer t = new SentencePieceTokenizer(tiny(false, false));
        // abc: "abc" = -9 ; "ab"+"c" = -7 ; "a"+"bc" = -7.5 ; a+b+c = -9  -> ab|c
        assertEquals("ab|c", show(t, t.encode("abc".getBytes(StandardCharsets.UTF_8))));
        // " ab": "▁ab" = -4 beats "▁"+"ab" = -6
        assertEquals("▁ab", show(t, t.encode(" ab".getBytes(StandardCharsets.UTF_8))));
        // unknown 'z' falls back to its byte; 'é' to its two bytes
        assertEquals("a|<0x7A>|<0xC3>|<0xA9>", show(t, t.encode("azé".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void normalizerFlagsLikeSentencePiece() {
        SentencePieceTokenizer t = new SentencePieceTokenizer(tiny(true, true));
        assertEquals("▁ab|▁|c", show(t, t.encode("  ab   c ".getBytes(StandardCharsets.UTF_8))));
        assertEquals("ab c", new String(t.decode(t.encode("  ab   c ".getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8));
        assertFalse(t.model().lossless());
    }

    @Test
    void losslessOnArbitraryBytes() {
        SentencePieceTokenizer t = new SentencePieceTokenizer(tiny(false, false));
        assertTrue(t.model().lossless());
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[r.nextInt(40)];
            for (int k = 0; k < b.length; k++) {
                int c = r.nextInt(10);
                b[k] = (byte) (c < 3 ? "abc ".charAt(c) : c < 6 ? ' ' : r.nextInt(256));
            }
            assertArrayEquals(b, t.decode(t.encode(b)));
        }
        // a literal U+2581 stays distinct from a space; cut UTF-8 characters survive
        byte[] lit = "a\u2581b a".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(lit, t.decode(t.encode(lit)));
        byte[] cut = Arrays.copyOf("é\u2581".getBytes(StandardCharsets.UTF_8), 4);
        assertArrayEquals(cut, t.decode(t.encode(cut)));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {t.vocabSize()}));
    }

    @Test
    void modelFileRoundTripsAndBadFilesAreClearErrors() throws Exception {
        SentencePieceModel m = tiny(false, false);
        Path f = dir.resolve("t.model");
        m.write(f);
        SentencePieceModel back = SentencePieceModel.read(f);
        assertEquals(m.pieces, back.pieces);
        assertEquals(m.byteFallback, back.byteFallback);
        assertEquals(m.addDummyPrefix, back.addDummyPrefix);
        assertEquals(m.removeExtraWhitespaces, back.removeExtraWhitespaces);
        assertArrayEquals(m.serialize(), back.serialize());
        byte[] data = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.model");
        Files.write(cut, Arrays.copyOf(data, data.length - 3));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SentencePieceModel.read(cut));
        assertTrue(e.getMessage().contains("not a usable SentencePiece model"), e.getMessage());
        Path junk = dir.resolve("junk.model");
        Files.writeString(junk, "this is not a protobuf at all");
        assertThrows(InvalidInputException.class, () -> SentencePieceModel.read(junk));
        assertThrows(InvalidInputException.class, () -> SentencePieceModel.read(dir.resolve("missing.model")));
    }

    @Test
    void trainerIsDeterministicSizedAndLossless() {
        List<byte[]> docs = TestText.documents(300, 1);
        UnigramTrainer tr = new UnigramTrainer().vocabSize(560);
        SentencePieceModel a = tr.train(docs);
        SentencePieceModel b = new UnigramTrainer().vocabSize(560).train(docs);
        assertArrayEquals(a.serialize(), b.serialize(), "same input, same model bytes");
        assertEquals(560, a.pieces.size());
        assertTrue(a.lossless());
        SentencePieceTokenizer t = new SentencePieceTokenizer(a);
        long bytes = 0, tokens = 0;
        for (byte[] d : TestText.documents(50, 2)) {
            int[] ids = t.encode(d);
            assertArrayEquals(d, t.decode(ids));
            bytes += d.length;
            tokens += ids.length;
        }
        double ratio = (double) bytes / tokens;
        assertTrue(ratio > 3.0, "301 learned pieces over a ~160-word language compresses well, got " + ratio);
        // the frequent words became whole pieces
        List<String> texts = a.pieces.stream().map(SentencePieceModel.Piece::piece).toList();
        assertTrue(texts.contains("▁the") && texts.contains("▁of"), "frequent words are pieces");
        assertThrows(InvalidInputException.class, () -> new UnigramTrainer().vocabSize(100));
        InvalidInputException tooBig = assertThrows(InvalidInputException.class, () -> new UnigramTrainer().vocabSize(2000).train(docs));
        assertTrue(tooBig.getMessage().contains("larger than the training text supports"), tooBig.getMessage());
    }

    @Test
    void digammaMatchesKnownValues() {
        assertEquals(-0.5772156649015329, UnigramTrainer.digamma(1), 1e-9);
        assertEquals(2.251752589066721, UnigramTrainer.digamma(10), 1e-9); // H_9 - gamma
    }

    @Test
    void suffixArrayAndNodesMatchBruteForce() {
        SplittableRandom r = new SplittableRandom(9);
        for (int trial = 0; trial < 20; trial++) {
            int[] s = new int[1 + r.nextInt(60)];
            for (int i = 0; i < s.length; i++) s[i] = r.nextInt(trial % 2 == 0 ? 2 : 5);
            int[] sa = SuffixArray.build(s);
            Integer[] brute = new Integer[s.length];
            for (int i = 0; i < s.length; i++) brute[i] = i;
            Arrays.sort(brute, (x, y) -> Arrays.compare(Arrays.copyOfRange(s, x, s.length), Arrays.copyOfRange(s, y, s.length)));
            for (int i = 0; i < s.length; i++) assertEquals(brute[i], sa[i]);
            int[] lcp = SuffixArray.lcp(s, sa);
            // every node is a substring occurring exactly `count` times
            SuffixArray.internalNodes(lcp, (depth, lb, count) -> {
                int[] sub = Arrays.copyOfRange(s, sa[lb], sa[lb] + depth);
                int occ = 0;
                for (int i = 0; i + depth <= s.length; i++) if (Arrays.equals(sub, Arrays.copyOfRange(s, i, i + depth))) occ++;
                assertEquals(occ, count);
                assertTrue(count >= 2);
            });
        }
    }
}
