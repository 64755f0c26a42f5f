package org.nct.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;
import org.nct.coding.CorruptInputException;
import org.nct.coding.WindowRule;

/**
 * Forged and damaged shards (metadata rewritten and CRCs recomputed the way a forger would) and
 * byte counts beyond what tokens can encode: clear errors, nothing allocated from the forged size.
 */
class ShardHostileTest {
    @TempDir Path dir;
    Path shard;

    @BeforeEach
    void build() throws Exception {
        shard = dir.resolve("bytes");
        Shard.build(Shard.cut(TestText.stream(), 300).subList(0, 12), new Shard.Spec(new BytesTokenizer(), 300, 0, "t", 1), shard, false, Map.of());
    }

    ObjectNode meta() throws Exception {
        return (ObjectNode) Shard.JSON.readTree(shard.resolve(Shard.METADATA).toFile());
    }

    void writeMeta(ObjectNode m) throws Exception {
        Files.write(shard.resolve(Shard.METADATA), Shard.JSON.writeValueAsBytes(m));
    }

    /** Rewrites field {@code at} (8 bytes at +0, or 4 bytes at +8/+12) of example {@code i} and recomputes examples_crc32c. */
    void forgeEntry(int i, int at, long value) throws Exception {
        Path f = shard.resolve(Shard.EXAMPLES);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        if (at == 0) b.putLong(i * Shard.RECORD, value);
        else b.putInt(i * Shard.RECORD + at, (int) value);
        Files.write(f, b.array());
        CRC32C c = new CRC32C();
        c.update(b.array());
        ObjectNode m = meta();
        m.put("examples_crc32c", String.format("%08x", c.getValue()));
        writeMeta(m);
    }

    String openFails() {
        return assertThrows(InvalidInputException.class, () -> new Shard.Reader(shard).close()).getMessage();
    }

    @Test
    void intactShardOpens() {
        try (Shard.Reader r = new Shard.Reader(shard)) {
            assertEquals(12, r.size());
        }
    }

    @Test
    void damagedFilesFailTheirChecksums() throws Exception {
        Path t = shard.resolve(Shard.TOKENS);
        byte[] b = Files.readAllBytes(t);
        b[b.length / 2] ^= 4;
        Files.write(t, b);
        try (Shard.Reader r = new Shard.Reader(shard)) {       // checked before the first example is read
            assertTrue(assertThrows(IllegalStateException.class, () -> r.tokens(0)).getMessage().contains("tokens_crc32c"));
        }
        b[b.length / 2] ^= 4;
        Files.write(t, b);
        Path e = shard.resolve(Shard.EXAMPLES);
        byte[] x = Files.readAllBytes(e);
        x[13] ^= 1;
        Files.write(e, x);
        assertTrue(openFails().contains("examples_crc32c"));
    }

    @Test
    void hugeExampleLengthIsRefusedBeforeAllocating() throws Exception {
        ObjectNode m = meta();
        m.put("example_tokens", Integer.MAX_VALUE);
        writeMeta(m);
        assertTrue(openFails().contains("example_tokens"));
    }

    /** count × 20 wraps to the size of the real table: the reader would claim 2^62 more examples than it holds. */
    @Test
    void countThatOverflowsIsRefused() throws Exception {
        ObjectNode m = meta();
        m.put("examples", 12 + (1L << 62));
        writeMeta(m);
        assertTrue(openFails().contains("bad counts"));
    }

    /** (offset + n) × 2 wraps below the token file's size: the bounds check passed and the read failed inside. */
    @Test
    void offsetThatOverflowsIsRefused() throws Exception {
        forgeEntry(3, 0, (1L << 62));
        assertTrue(openFails().contains("example 3 has a corrupt entry"));
    }

    @Test
    void byteCountsAreBounded() throws Exception {
        forgeEntry(5, 12, Integer.MAX_VALUE);
        assertTrue(openFails().contains("example 5 has a corrupt entry"));
    }

    /** An AC or Equal-Info example claiming more bytes than its tokens can code is refused before the output is allocated. */
    @Test
    void arithmeticByteCountsAreBoundedByTheirTokens() {
        byte[] text = TestText.stream();
        byte[] ex = Arrays.copyOf(text, 400);
        ArithmeticTokenizer ac = new ArithmeticTokenizer("static-ac", 16, ArithmeticMethodsTest.unigram(text));
        int[] t = ac.encode(ex);
        assertArrayEquals(ex, ac.decode(t, t.length, ex.length));
        String msg = assertThrows(CorruptInputException.class, () -> ac.decode(t, t.length, Integer.MAX_VALUE)).getMessage();
        assertTrue(msg.contains("cannot hold"), msg);
        // within the static bound but beyond the code: the decoder stops at the end of its code
        msg = assertThrows(CorruptInputException.class, () -> ac.decode(Arrays.copyOf(t, 3), 3, ex.length)).getMessage();
        assertTrue(msg.contains("ends before"), msg);

        EqualInfoTokenizer eq = new EqualInfoTokenizer(16, 16, WindowRule.G, ArithmeticMethodsTest.unigram(text));
        int[] w = eq.encode(ex);
        assertArrayEquals(ex, eq.decode(w, w.length, ex.length));
        msg = assertThrows(CorruptInputException.class, () -> eq.decode(w, w.length, Integer.MAX_VALUE)).getMessage();
        assertTrue(msg.contains("cannot hold"), msg);
    }

    /** A zlib stream that inflates far beyond the recorded byte count stops at that count. */
    @Test
    void gzipInflationIsBoundedByTheRecordedLength() {
        GzipTokenizer g = new GzipTokenizer(16);
        int[] bomb = g.encode(new byte[4 << 20]);
        assertTrue(bomb.length < 3000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.decode(bomb, bomb.length, 100));
        assertTrue(e.getMessage().contains("more than 100 bytes"), e.getMessage());
        assertEquals(4 << 20, g.decode(bomb, bomb.length).length);
    }
}
