package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.coding.StaticUnigramModel;
import org.nct.coding.WindowRule;
import org.nct.model.Checkpoint;
import org.nct.model.ModelConfig;
import org.nct.model.Weights;

/** static-ac, ac and eqinfo-ac: shards decode back to every example's bytes (M1: a tiny seeded model). */
class ArithmeticMethodsTest {
    @TempDir Path dir;

    static CodingModels unigram(byte[] text) {
        return CodingModels.staticUnigram(StaticUnigramModel.count(text, 0, text.length), 16);
    }

    static void roundTrip(Tokenizer tok, List<byte[]> examples, int seq, Path out) throws Exception {
        Shard.Totals t = Shard.build(examples, new Shard.Spec(tok, examples.get(0).length, seq, "test", 2), out, false, Map.of());
        try (Shard.Reader r = new Shard.Reader(out)) {
            for (int i = 0; i < r.size(); i++) {
                int[] tokens = r.tokens(i);
                byte[] back = tok.decode(tokens, tokens.length, r.byteCount(i));
                assertArrayEquals(Arrays.copyOf(examples.get(i), r.byteCount(i)), back, tok.name() + " example " + i);
                if (seq == 0) assertEquals(examples.get(i).length, r.byteCount(i));
                else assertTrue(tokens.length <= seq + 1);
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ShardDecoder.decode(r, Methods.forShard(r, null, 1), all);
            assertEquals(t.bytes(), all.size());
        }
    }

    @Test
    void staticAcAndEqualInfoWithTheUnigramModel() throws Exception {
        byte[] text = TestText.stream();
        List<byte[]> examples = Shard.cut(text, 600);
        for (int bits : new int[] {8, 16}) {
            ArithmeticTokenizer ac = new ArithmeticTokenizer("static-ac", bits, unigram(text));
            roundTrip(ac, examples, 0, dir.resolve("static" + bits));
            roundTrip(ac, examples, 100, dir.resolve("static-seq" + bits));
            double ratio = (double) text.length / Arrays.stream(examples.toArray(new byte[0][])).mapToInt(e -> ac.encode(e).length).sum();
            // a byte unigram model codes English at about 4.5-5 bits/byte: ratio 8/4.8 for 8-bit tokens
            assertEquals(bits == 8 ? 1.65 : 3.3, ratio, bits == 8 ? 0.25 : 0.5, "static-ac ratio " + ratio);
            for (int b : new int[] {16, 24, 32}) {
                EqualInfoTokenizer eq = new EqualInfoTokenizer(b, bits, WindowRule.G, unigram(text));
                roundTrip(eq, examples, 50, dir.resolve("eq" + b + "_" + bits));
            }
        }
        EqualInfoTokenizer eq = new EqualInfoTokenizer(16, 16, WindowRule.G, unigram(text));
        int[] t = eq.encode(examples.get(0));
        assertThrows(IllegalArgumentException.class, () -> eq.decode(t));
        int[] extra = Arrays.copyOf(t, t.length + 1);
        assertThrows(RuntimeException.class, () -> eq.decode(extra, extra.length, examples.get(0).length));
    }

    @Test
    void acAndEqualInfoThroughATinySeededM1() throws Exception {
        Path m1 = dir.resolve("m1.safetensors");
        try (Weights w = Weights.init(ModelConfig.preset("tiny", 256), 42)) {
            Checkpoint.save(m1, w);
        }
        byte[] text = Arrays.copyOf(TestText.stream(), 500);
        List<byte[]> examples = Shard.cut(text, 250);
        CodingModels models = Methods.m1(m1, 16, 1);
        assertFalse(models.parallel());
        roundTrip(new ArithmeticTokenizer("ac", 16, models), examples, 0, dir.resolve("ac"));
        roundTrip(new ArithmeticTokenizer("ac", 8, models), examples, 60, dir.resolve("ac-seq"));
        roundTrip(new EqualInfoTokenizer(16, 16, WindowRule.G, models), examples, 40, dir.resolve("eq"));
    }
}
