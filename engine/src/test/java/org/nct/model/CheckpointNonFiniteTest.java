package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint whose weights hold NaN or infinity is refused at load, naming the tensor. */
class CheckpointNonFiniteTest {
    @TempDir Path dir;

    @Test
    void nanAndInfinityAreRefused() throws IOException {
        Path p = dir.resolve("m.safetensors");
        ModelConfig cfg = ModelConfig.preset("tiny", 256);
        try (Weights w = Weights.init(cfg, 1)) {
            Checkpoint.save(p, w);
        }
        byte[] file = Files.readAllBytes(p);
        long headerLen = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ParameterLayout layout = new ParameterLayout(cfg);
        ParameterLayout.Tensor last = layout.tensors().get(layout.tensors().size() - 1);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            byte[] f = file.clone();
            long begin = new com.fasterxml.jackson.databind.ObjectMapper().readTree(new String(file, 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8))
                    .get(last.name()).get("data_offsets").get(0).asLong();
            int at = (int) (8 + headerLen + begin) + 5 * 4;
            ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, bad);
            Path q = dir.resolve("bad.safetensors");
            Files.write(q, f);
            IOException e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(q));
            assertTrue(e.getMessage().contains("tensor '" + last.name() + "'") && e.getMessage().contains("at element 5"), e.getMessage());
        }
    }
}
