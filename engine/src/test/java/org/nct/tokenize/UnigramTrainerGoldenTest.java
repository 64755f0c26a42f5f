package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer's output bytes are pinned: a change of its data structures (hash maps, sort keys)
 * must not change the model. The corpus mixes ASCII, Latin-1, CJK, characters above U+E000 and
 * supplementary characters, whose UTF-16 order differs from their UTF-8 (code point) order, and
 * has ties in frequency, so every tie-break of the trainer is exercised.
 */
class UnigramTrainerGoldenTest {

    /** SHA-256 of {@code serialize()} of the models below, produced by the trainer with boxed maps. */
    static final String GOLDEN_FULL_COVERAGE = "28ebe3e157d4ba4f9d6bc93fc762eed5387cd1b1d9e217857a2a04f8f1b80539";
    static final String GOLDEN_COVERAGE_0_999 = "92f6874e6f1eb8f8f7b6f999048d7e86bb997cb3da8332838265d4f27ece8511";

    static List<byte[]> corpus() {
        List<byte[]> docs = new ArrayList<>(TestText.documents(300, 1));
        String[] odd = {"\uD83D\uDE00 smile \uD83D\uDE00", "\uFB01ne \uFB01sh", "\uE000 private \uE001", "\u00E9t\u00E9 caf\u00E9",
                "\u6771\u4EAC \u4EAC\u90FD", "x\u0000y", "tie1 tie2 tie3", "zz yy xx"};
        for (int i = 0; i < 40; i++) docs.add(odd[i % odd.length].repeat(1 + i % 3).getBytes(StandardCharsets.UTF_8));
        return docs;
    }

    private static String sha(SentencePieceModel m) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(m.serialize()));
    }

    @Test
    void trainedModelBytesArePinned() throws Exception {
        assertEquals(GOLDEN_FULL_COVERAGE, sha(new UnigramTrainer().vocabSize(600).characterCoverage(1.0).train(corpus())));
        // rare characters fall below the coverage and become unknown: the frequency ranking decides which
        assertEquals(GOLDEN_COVERAGE_0_999, sha(new UnigramTrainer().vocabSize(600).characterCoverage(0.999).train(corpus())));
    }
}
