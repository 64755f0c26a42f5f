package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F16 (IEEE binary16) checkpoints: written rounded to nearest, widened exactly at load, checked
 * as hostile input like F32 files; and loading from memory (the bundled M1's path) agrees with
 * loading the file.
 */
class CheckpointF16Test {
    @TempDir
    Path dir;

    static final ModelConfig TINY = ModelConfig.preset("tiny", 256);
    static final ObjectMapper JSON = new ObjectMapper();

    /** Values that probe F16's rounding: normal range, ties, subnormals, underflow, the top of the range. */
    static final float[] PROBES = {1e-3f, -1e-3f, 10f, -7.3125f, 1f + 0x1p-11f, 1f + 0x1p-11f + 0x1p-20f, 1f + 3 * 0x1p-11f,
        0x1p-14f, 0x1p-15f + 0x1p-25f, 0x1p-24f, 0x1p-26f, -0x1p-26f, 65504f, 65519f, 3.0e-5f, 0f, -0f, 1.2345678f, 0.33333334f};

    /** Weights with the probes at the start of every tensor and seeded values after them. */
    static Weights probeWeights() {
        Weights w = Weights.init(TINY, 11);
        for (ParameterLayout.Tensor t : w.layout().tensors()) {
            for (int i = 0; i < PROBES.length && i < t.size(); i++) {
                w.params().setAtIndex(ValueLayout.JAVA_FLOAT, t.offset() + i, PROBES[i]);
            }
        }
        return w;
    }

    /** The F16 value nearest to a, ties to the even code, by search over every finite code (independent of the JDK's conversion). */
    static float nearestF16(float a) {
        if (a == 0) return a;
        double x = Math.abs((double) a);
        int best = 0;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int code = 0; code <= 0x7BFF; code++) {
            double err = Math.abs(Float.float16ToFloat((short) code) - x);
            if (err < bestErr || err == bestErr && (code & 1) == 0) {
                best = code;
                bestErr = err;
            }
        }
        return Math.copySign(Float.float16ToFloat((short) best), a);
    }

    @Test
    void everyWeightIsItsF16RoundingWidened() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Weights w = probeWeights()) {
            Checkpoint.saveF16(p, w, Map.of("k", "v"));
            Checkpoint c = Checkpoint.load(p);
            try (Weights back = c.weights()) {
                assertEquals(TINY, back.config());
                assertEquals("v", c.metadata().get("k"));
                assertNull(c.optimizerState());
                long n = w.layout().size();
                for (long i = 0; i < n; i++) {
                    float a = w.params().getAtIndex(ValueLayout.JAVA_FLOAT, i), b = back.params().getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    float want = Float.float16ToFloat(Float.floatToFloat16(a));
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(b), "weight " + i + " = " + a);
                }
                // the JDK's rounding is the nearest F16 value, ties to even (checked by exhaustive search on the probes)
                ParameterLayout.Tensor t0 = w.layout().tensors().getFirst();
                for (int i = 0; i < PROBES.length; i++) {
                    float b = back.params().getAtIndex(ValueLayout.JAVA_FLOAT, t0.offset() + i);
                    assertEquals(nearestF16(PROBES[i]), b, 0f, "probe " + PROBES[i]);
                }
                assertEquals(1f, back.params().getAtIndex(ValueLayout.JAVA_FLOAT, t0.offset() + 4), "a tie rounds to even");
                assertEquals(1f + 0x1p-10f, back.params().getAtIndex(ValueLayout.JAVA_FLOAT, t0.offset() + 5), "above a tie rounds up");
                assertEquals(0f, back.params().getAtIndex(ValueLayout.JAVA_FLOAT, t0.offset() + 10), "below half the least subnormal: 0");
                assertEquals(65504f, back.params().getAtIndex(ValueLayout.JAVA_FLOAT, t0.offset() + 13), "65519 rounds to the largest F16");
            }
        }
        // the header declares F16 for every tensor and the data section is 2 bytes a weight
        byte[] f = Files.readAllBytes(p);
        long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (f[i] & 0xFF);
        JsonNode h = JSON.readTree(new String(f, 8, (int) hl, StandardCharsets.UTF_8));
        ParameterLayout layout = new ParameterLayout(TINY);
        for (ParameterLayout.Tensor t : layout.tensors()) assertEquals("F16", h.get(t.name()).get("dtype").asText(), t.name());
        assertEquals(2 * layout.size(), f.length - 8 - hl);
        assertFalse(h.has(Checkpoint.OPTIMIZER_STATE));
    }

    @Test
    void aWeightBeyondTheF16RangeIsRefused() {
        try (Weights w = Weights.init(TINY, 3)) {
            ParameterLayout.Tensor t = w.layout().tensors().get(1);
            w.params().setAtIndex(ValueLayout.JAVA_FLOAT, t.offset() + 5, 65520f);     // rounds to infinity
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.saveF16(dir.resolve("x"), w, Map.of()));
            assertTrue(e.getMessage().contains("'" + t.name() + "' element 5") && e.getMessage().contains("F16"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("x")));
        }
    }

    @Test
    void loadingFromMemoryEqualsLoadingTheFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Weights w = probeWeights()) {
            Checkpoint.saveF16(p, w, Map.of());
        }
        byte[] file = Files.readAllBytes(p);
        try (Weights a = Checkpoint.loadWeights(p); Weights b = Checkpoint.loadWeights(file, "mem")) {
            CheckpointTest.assertSameBits(a.params(), b.params(), a.layout().size());
        }
        // the in-memory path keeps the file's checks: truncation, a bad header length
        IOException e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(java.util.Arrays.copyOf(file, file.length - 2), "mem"));
        assertTrue(e.getMessage().startsWith("checkpoint mem: ") && e.getMessage().contains("lie outside the data section"), e.getMessage());
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(java.util.Arrays.copyOf(file, file.length + 2), "mem"));
        assertTrue(e.getMessage().startsWith("checkpoint mem: ") && e.getMessage().contains("after the last tensor"), e.getMessage());
        byte[] bad = file.clone();
        bad[7] = 0x40;
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(bad, "mem"));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(new byte[5], "mem"));
        assertTrue(e.getMessage().contains("shorter than the 8-byte header length"), e.getMessage());
    }

    /** Rewrites the header of an F16 file with {@code edit} (data section unchanged). */
    byte[] withHeader(byte[] file, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (file[i] & 0xFF);
        ObjectNode h = (ObjectNode) JSON.readTree(new String(file, 8, (int) hl, StandardCharsets.UTF_8));
        edit.accept(h);
        byte[] json = JSON.writeValueAsBytes(h);
        byte[] data = java.util.Arrays.copyOfRange(file, 8 + (int) hl, file.length);
        byte[] out = new byte[8 + json.length + data.length];
        for (int i = 0; i < 8; i++) out[i] = (byte) ((long) json.length >>> 8 * i);
        System.arraycopy(json, 0, out, 8, json.length);
        System.arraycopy(data, 0, out, 8 + json.length, data.length);
        return out;
    }

    @Test
    void forgedF16FilesAreRefused() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Weights w = Weights.init(TINY, 5)) {
            Checkpoint.saveF16(p, w, Map.of());
        }
        byte[] file = Files.readAllBytes(p);
        String first = new ParameterLayout(TINY).tensors().getFirst().name();
        // another 16-bit type is not read as F16
        IOException e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(
                withHeader(file, h -> ((ObjectNode) h.get(first)).put("dtype", "BF16")), "forged"));
        assertTrue(e.getMessage().contains("has dtype BF16, expected F32 or F16"), e.getMessage());
        // an F16 tensor declared F32 no longer matches its byte range
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(
                withHeader(file, h -> ((ObjectNode) h.get(first)).put("dtype", "F32")), "forged"));
        assertTrue(e.getMessage().contains("but its shape needs"), e.getMessage());
        // an F16 NaN or infinity is caught after widening
        long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (file[i] & 0xFF);
        byte[] nan = file.clone();
        nan[8 + (int) hl] = 0x00;
        nan[8 + (int) hl + 1] = 0x7E;
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(nan, "forged"));
        assertTrue(e.getMessage().contains("holds NaN at element 0"), e.getMessage());
        byte[] inf = file.clone();
        inf[8 + (int) hl + 2] = 0x00;
        inf[8 + (int) hl + 3] = (byte) 0xFC;
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(inf, "forged"));
        assertTrue(e.getMessage().contains("holds -Infinity at element 1"), e.getMessage());
    }

    @Test
    void anF16OptimizerStateIsRefused() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Weights w = Weights.init(TINY, 5)) {
            Checkpoint.saveF16(p, w, Map.of());
        }
        byte[] file = Files.readAllBytes(p);
        long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (file[i] & 0xFF);
        long dataLen = file.length - 8 - hl;
        // append 4 F16 values as an optimizer state
        byte[] grown = java.util.Arrays.copyOf(file, file.length + 8);
        byte[] forged = withHeader(grown, h -> {
            ObjectNode t = h.putObject(Checkpoint.OPTIMIZER_STATE);
            t.put("dtype", "F16");
            t.putArray("shape").add(4);
            t.putArray("data_offsets").add(dataLen).add(dataLen + 8);
        });
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(forged, "forged"));
        assertTrue(e.getMessage().contains("'" + Checkpoint.OPTIMIZER_STATE + "' has dtype F16, expected F32"), e.getMessage());
    }
}
