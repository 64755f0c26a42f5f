package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nct.kernels.Buffers;
import org.nct.kernels.NumericsProfile;

class CheckpointTest {

    @TempDir
    Path dir;

    static final ModelConfig TINY = ModelConfig.preset("tiny", 256);

    static void assertSameBits(MemorySegment a, MemorySegment b, long n) {
        for (long i = 0; i < n; i++) {
            int x = Float.floatToRawIntBits(a.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            int y = Float.floatToRawIntBits(b.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            if (x != y) fail("float " + i + " differs: " + x + " vs " + y);
        }
    }

    @Test
    void roundTripKeepsEveryBitMetadataAndOptimizerState() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Weights w = Weights.init(TINY, 7); Arena arena = Arena.ofConfined()) {
            MemorySegment opt = Buffers.floats(arena, 1000);
            for (int i = 0; i < 1000; i++) opt.setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f - 3f);
            opt.setAtIndex(ValueLayout.JAVA_FLOAT, 3, Float.intBitsToFloat(0x80000001)); // a negative subnormal survives
            Checkpoint.save(p, w, Map.of("nct.training", "{\"step\":12}"), opt, 1000);
            Checkpoint c = Checkpoint.load(p);
            assertEquals(TINY, c.weights().config());
            assertEquals(NumericsProfile.ID, c.numericsProfile());
            assertEquals("{\"step\":12}", c.metadata().get("nct.training"));
            assertSameBits(w.params(), c.weights().params(), w.layout().size());
            assertEquals(1000, c.optimizerStateSize());
            assertSameBits(opt, c.optimizerState(), 1000);
            c.weights().close();
        }
        // the data section is 8-byte aligned and the header is plain safetensors
        byte[] f = Files.readAllBytes(p);
        long hl = littleEndianLong(f);
        assertEquals(0, hl % 8);
        String header = new String(f, 8, (int) hl, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"embed.weight\":{\"dtype\":\"F32\",\"shape\":[256,64],\"data_offsets\":[0,65536]}"), header);
        assertEquals(8 + hl + TINY.totalParams() * 4 + 4000, f.length);
        // the first embedding float is stored little-endian
        try (Weights w = Weights.init(TINY, 7)) {
            int bits = Float.floatToRawIntBits(w.params().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            int off = (int) (8 + hl);
            int stored = (f[off] & 255) | (f[off + 1] & 255) << 8 | (f[off + 2] & 255) << 16 | (f[off + 3] & 255) << 24;
            assertEquals(bits, stored);
        }
    }

    @Test
    void initIsDeterministicAndScaled() {
        try (Weights a = Weights.init(TINY, 1); Weights b = Weights.init(TINY, 1); Weights c = Weights.init(TINY, 2)) {
            assertSameBits(a.params(), b.params(), a.layout().size());
            assertNotEquals(a.params().getAtIndex(ValueLayout.JAVA_FLOAT, 5), c.params().getAtIndex(ValueLayout.JAVA_FLOAT, 5));
            assertEquals(1.0, std(a.tensor("embed.weight")), 0.02);
            assertEquals(1.0 / Math.sqrt(256), std(a.tensor("layers.0.mlp.down.weight")), 0.01 / Math.sqrt(256) * 10);
            assertEquals(1f, a.tensor("final_norm.weight").getAtIndex(ValueLayout.JAVA_FLOAT, 63));
            // q rows use (C·D)^-1/2, k rows C^-1/2
            MemorySegment qkv = a.tensor("layers.1.attn.qkv.weight");
            long qn = 64L * 64;
            assertEquals(1.0 / Math.sqrt(64 * 32), std(qkv.asSlice(0, qn * 4)), 0.1 / Math.sqrt(64 * 32));
            assertEquals(1.0 / Math.sqrt(64), std(qkv.asSlice(qn * 4, qn * 4)), 0.1 / Math.sqrt(64));
        }
    }

    private static double std(MemorySegment s) {
        long n = s.byteSize() / 4;
        double sum = 0, sq = 0;
        for (long i = 0; i < n; i++) {
            double v = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            sum += v;
            sq += v * v;
        }
        double m = sum / n;
        return Math.sqrt(sq / n - m * m);
    }

    // ------------------------------------------------------------------ untrusted input

    private byte[] valid() throws IOException {
        Path p = dir.resolve("valid.safetensors");
        try (Weights w = Weights.init(TINY, 3); Arena arena = Arena.ofConfined()) {
            Checkpoint.save(p, w, Map.of(), Buffers.floats(arena, 10), 10);
        }
        return Files.readAllBytes(p);
    }

    private static long littleEndianLong(byte[] f) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (f[i] & 255);
        return v;
    }

    private String loadError(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(p));
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    /** Rewrites the JSON header (keeping the data section) after editing it. */
    private byte[] withHeader(byte[] file, Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        int hl = (int) littleEndianLong(file);
        ObjectNode h = (ObjectNode) json.readTree(new String(file, 8, hl, StandardCharsets.UTF_8));
        edit.accept(h);
        return withRawHeader(file, json.writeValueAsBytes(h));
    }

    private static byte[] withRawHeader(byte[] file, byte[] header) {
        int hl = (int) littleEndianLong(file);
        byte[] out = new byte[8 + header.length + file.length - 8 - hl];
        for (int i = 0; i < 8; i++) out[i] = (byte) ((long) header.length >>> (8 * i));
        System.arraycopy(header, 0, out, 8, header.length);
        System.arraycopy(file, 8 + hl, out, 8 + header.length, file.length - 8 - hl);
        return out;
    }

    @Test
    void rejectsTruncatedAndResizedFiles() throws IOException {
        byte[] f = valid();
        assertTrue(loadError(Arrays.copyOf(f, 5)).contains("shorter than the 8-byte header length"));
        assertTrue(loadError(Arrays.copyOf(f, 100)).contains("truncated"));
        assertTrue(loadError(Arrays.copyOf(f, f.length - 1)).contains("outside the data section"));
        assertTrue(loadError(Arrays.copyOf(f, f.length + 4)).contains("bytes after the last tensor"));
    }

    @Test
    void rejectsAbsurdHeaderLengths() throws IOException {
        byte[] f = valid();
        byte[] g = f.clone();
        for (int i = 0; i < 8; i++) g[i] = (byte) 0xff;               // 2^64-1 as unsigned
        assertTrue(loadError(g).contains("header length"));
        g = f.clone();
        g[3] = 0x7f;                                                    // ~2 GB
        assertTrue(loadError(g).contains("header length"));
        g = f.clone();
        Arrays.fill(g, 0, 8, (byte) 0);
        assertTrue(loadError(g).contains("header length 0"));
    }

    @Test
    void rejectsMalformedJson() throws IOException {
        byte[] f = valid();
        assertTrue(loadError(withRawHeader(f, "{\"a\":".getBytes(StandardCharsets.UTF_8))).contains("not valid JSON"));
        assertTrue(loadError(withRawHeader(f, "[1,2,3]".getBytes(StandardCharsets.UTF_8))).contains("not a JSON object"));
        assertTrue(loadError(withRawHeader(f, new byte[] {'{', '"', (byte) 0xc3, '"', '}'})).contains("UTF-8"));
        String dup = "{\"__metadata__\":{},\"__metadata__\":{}}";
        assertTrue(loadError(withRawHeader(f, dup.getBytes(StandardCharsets.UTF_8))).contains("not valid JSON"));
    }

    @Test
    void rejectsForgedTensorEntries() throws IOException {
        byte[] f = valid();
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("final_norm.weight")).put("dtype", "BF16")))
                .contains("dtype BF16, expected F32 or F16"));
        // an F32 tensor declared F16 covers twice the bytes its shape needs
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("final_norm.weight")).put("dtype", "F16")))
                .contains("shape needs"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("final_norm.weight")).putArray("shape").add(65)))
                .contains("shape needs"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("final_norm.weight")).putArray("shape").add(-64)))
                .contains("invalid dimension"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("final_norm.weight")).putArray("shape").add(1L << 40).add(1L << 40)))
                .contains("invalid dimension") );
        // offsets beyond the file
        assertTrue(loadError(withHeader(f, h -> {
            ArrayNode o = (ArrayNode) h.get("lm_head.weight").get("data_offsets");
            long b = o.get(0).longValue();
            ((ObjectNode) h.get("lm_head.weight")).putArray("data_offsets").add(b + 1_000_000).add(b + 1_000_000 + 65536);
        })).contains("outside the data section"));
        // two tensors on the same bytes
        assertTrue(loadError(withHeader(f, h -> {
            ArrayNode o = (ArrayNode) h.get("layers.0.attn_norm.weight").get("data_offsets");
            ((ObjectNode) h.get("layers.1.attn_norm.weight")).set("data_offsets", o.deepCopy());
        })).contains("overlaps"));
        // a tensor of the config is missing, an unknown one appears
        assertTrue(loadError(withHeader(f, h -> {
            h.set("something.else", h.get("final_norm.weight"));
            h.remove("final_norm.weight");
        })).contains("tensor 'final_norm.weight' is missing"));
    }

    @Test
    void rejectsShapesThatDisagreeWithTheConfig() throws IOException {
        byte[] f = valid();
        // claim 3 layers: layers.2.* are missing
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("__metadata__")).put(Checkpoint.KEY_CONFIG,
                TINY.toJson(new ObjectMapper()).put("num_layers", 3).toString()))).contains("'layers.2.attn_norm.weight' is missing"));
        // claim a wider MLP: the stored gate matrix has the wrong shape
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("__metadata__")).put(Checkpoint.KEY_CONFIG,
                TINY.toJson(new ObjectMapper()).put("mlp_dim", 512).toString()))).contains("but the config needs (512, 64)"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("__metadata__")).put(Checkpoint.KEY_CONFIG,
                TINY.toJson(new ObjectMapper()).put("vocab_size", -5).toString()))).contains("invalid model config"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("__metadata__")).remove(Checkpoint.KEY_CONFIG)))
                .contains("not an nct checkpoint"));
        assertTrue(loadError(withHeader(f, h -> ((ObjectNode) h.get("__metadata__")).put("x", 5)))
                .contains("not a string"));
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButIOException() throws IOException {
        byte[] f = valid();
        int hl = (int) littleEndianLong(f);
        SplittableRandom r = new SplittableRandom(11);
        Path p = dir.resolve("fuzz.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] g = f.clone();
            int flips = 1 + r.nextInt(4);
            for (int i = 0; i < flips; i++) g[r.nextInt(8 + hl)] ^= (byte) (1 << r.nextInt(8));
            Files.write(p, g);
            try {
                Checkpoint.load(p).weights().close();
            } catch (IOException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 200, "most header corruptions are detected: " + rejected);
    }

    @Test
    void missingFileIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("no such checkpoint file"), e.getMessage());
    }
}
