package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;

class ShardTest {
    @TempDir Path dir;

    static List<Tokenizer> methods() {
        SentencePieceModel m = new UnigramTrainer().vocabSize(500).train(TestText.documents(200, 5));
        return List.of(new BytesTokenizer(), new GzipTokenizer(8), new GzipTokenizer(16), new SentencePieceTokenizer(m));
    }

    @Test
    void everyMethodRoundTripsThroughAShard() throws Exception {
        byte[] s = TestText.stream();
        List<byte[]> examples = Shard.cut(s, 700);
        assertArrayEquals(Arrays.copyOfRange(s, 700, 1400), examples.get(1));
        assertEquals((s.length + 699) / 700, examples.size());
        for (Tokenizer tok : methods()) {
            for (int seq : new int[] {0, 63}) {
                Path out = dir.resolve(tok.name().replaceAll("\\W", "_") + "_" + seq);
                Shard.Totals t = Shard.build(examples, new Shard.Spec(tok, 700, seq, "test", 2), out, false, Map.of());
                try (Shard.Reader r = new Shard.Reader(out)) {
                    assertEquals(examples.size(), r.size());
                    assertEquals(tok.vocabSize(), r.vocabSize());
                    if (seq > 0) assertEquals(seq + 1, r.exampleLength());
                    long tokens = 0, bytes = 0;
                    int[] dst = new int[r.exampleLength()];
                    for (int i = 0; i < r.size(); i++) {
                        int n = r.read(i, dst);
                        assertEquals(r.tokenCount(i), n);
                        for (int k = n; k < dst.length; k++) assertEquals(-1, dst[k], "padding");
                        byte[] decoded = tok.decode(Arrays.copyOf(dst, n));
                        byte[] ex = examples.get(i);
                        assertEquals(r.byteCount(i), decoded.length);
                        assertArrayEquals(Arrays.copyOf(ex, decoded.length), decoded, tok.name() + " example " + i);
                        if (seq == 0) assertEquals(ex.length, decoded.length, "whole examples without --seq");
                        else assertTrue(n <= seq + 1);
                        tokens += n;
                        bytes += decoded.length;
                    }
                    assertEquals(t.tokens(), tokens);
                    assertEquals(t.bytes(), bytes);
                    assertEquals(r.metadata().path("tokens").asLong(), tokens);
                    if (seq > 0) assertEquals((long) examples.size() * (seq + 1) - tokens, r.metadata().path("padding_tokens").asLong());
                    assertEquals((double) bytes / tokens, r.metadata().path("compression_ratio").asDouble(), 1e-12);
                    ByteArrayOutputStream back = new ByteArrayOutputStream();
                    ShardDecoder.decode(r, tok, back);
                    if (seq == 0) assertArrayEquals(s, back.toByteArray(), "the whole text comes back");
                }
            }
        }
    }

    @Test
    void prefixIsTheLongestThatFitsForGzip() {
        GzipTokenizer g = new GzipTokenizer(8);
        byte[] x = Arrays.copyOf(TestText.stream(), 3000);
        Tokenizer.Prefix p = g.encodePrefix(x, 300);
        assertTrue(p.tokens().length <= 300);
        assertArrayEquals(g.encode(Arrays.copyOf(x, p.bytes())), p.tokens());
        assertTrue(g.encode(Arrays.copyOf(x, p.bytes() + 1)).length > 300 || p.bytes() == x.length);
        Tokenizer.Prefix b = new BytesTokenizer().encodePrefix(x, 300);
        assertEquals(300, b.bytes());
    }

    @Test
    void buildIsDeterministicAcrossThreadCounts() throws Exception {
        List<byte[]> examples = Shard.cut(TestText.stream(), 500);
        Tokenizer tok = methods().get(3);
        Path a = dir.resolve("a"), b = dir.resolve("b");
        Shard.build(examples, new Shard.Spec(tok, 500, 40, "test", 1), a, false, Map.of());
        Shard.build(examples, new Shard.Spec(tok, 500, 40, "test", 3), b, false, Map.of());
        for (String f : List.of(Shard.TOKENS, Shard.EXAMPLES, Shard.METADATA)) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    /** Fails on the 30th example, like a build killed half way. */
    static final class Failing implements Tokenizer {
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        public String name() { return "failing"; }
        public Map<String, Object> parameters() { return Map.of("method", "failing"); }
        public int vocabSize() { return 256; }
        public int[] encode(byte[] b) {
            if (calls.incrementAndGet() == 30) throw new IllegalStateException("interrupted on purpose");
            return new BytesTokenizer().encode(b);
        }
        public byte[] decode(int[] t, int n) { return new BytesTokenizer().decode(t, n); }
    }

    @Test
    void anInterruptedBuildLeavesNoShard() throws Exception {
        List<byte[]> examples = Shard.cut(TestText.stream(), 100);
        Path out = dir.resolve("shard");
        assertThrows(IllegalStateException.class,
                () -> Shard.build(examples, new Shard.Spec(new Failing(), 100, 0, "t", 2), out, false, Map.of()));
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "temporary directory removed");
        }
        // a directory without metadata (a build killed before its rename would not even be there) is refused
        Files.createDirectories(out);
        Files.write(out.resolve(Shard.TOKENS), new byte[10]);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new Shard.Reader(out));
        assertTrue(e.getMessage().contains("not a complete shard"), e.getMessage());
    }

    @Test
    void corruptionIsDetected() throws Exception {
        byte[] s = TestText.stream();
        List<byte[]> examples = Shard.cut(s, 800);
        Path out = dir.resolve("g");
        GzipTokenizer g = new GzipTokenizer(16);
        Shard.build(examples, new Shard.Spec(g, 800, 0, "t", 1), out, false, Map.of());
        Path tokens = out.resolve(Shard.TOKENS);
        byte[] orig = Files.readAllBytes(tokens);
        byte[] bad = orig.clone();
        bad[orig.length / 2] ^= 0x04;
        Files.write(tokens, bad);
        try (Shard.Reader r = new Shard.Reader(out)) {
            assertThrows(IllegalStateException.class, () -> ShardDecoder.decode(r, g, new ByteArrayOutputStream()));
        }
        Files.write(tokens, Arrays.copyOf(orig, orig.length - 2));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new Shard.Reader(out));
        assertTrue(e.getMessage().contains("metadata says"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> Shard.build(examples, new Shard.Spec(g, 800, 0, "t", 1), out, false, Map.of()));
    }
}
