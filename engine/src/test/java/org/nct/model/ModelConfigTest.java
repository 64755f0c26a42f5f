package org.nct.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    @Test
    void paperPresetsHaveTheTable4ParameterCounts() {
        // 3m: per layer C + 3·HD·C + H·32 + C·HD + C + 3·F·C = 256+196608+128+65536+256+786432 = 1,049,216; ×3 + C
        ModelConfig m3 = ModelConfig.preset("3m", 256);
        assertEquals(3_147_904L, m3.nonEmbeddingParams());
        assertEquals(3_147_904L + 2L * 256 * 256, m3.totalParams());
        // 25m: 512+786432+256+262144+512+3145728 = 4,195,584 per layer; ×6 + 512
        ModelConfig m25 = ModelConfig.preset("25m", 65536);
        assertEquals(25_174_016L, m25.nonEmbeddingParams());
        assertEquals(25_174_016L + 2L * 65536 * 512, m25.totalParams());
        assertEquals(113, Math.round(ModelConfig.preset("113m", 256).nonEmbeddingParams() / 1e6));
        assertEquals(403, Math.round(ModelConfig.preset("403m", 256).nonEmbeddingParams() / 1e6));
        ModelConfig b2 = ModelConfig.preset("2b", 256);
        assertEquals(2048, b2.dModel());
        assertEquals(32, b2.numHeads());
        assertEquals(8192, b2.mlpDim());
    }

    @Test
    void everyPresetIsValidAndDescribed() {
        for (String p : ModelConfig.PRESETS) {
            ModelConfig c = ModelConfig.preset(p, 256);
            assertTrue(c.describe().contains("without embeddings"), p);
            assertEquals(c.totalParams(), new ParameterLayout(c).size(), p);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.preset("7m", 256));
        assertTrue(e.getMessage().contains("unknown preset '7m'"));
    }

    @Test
    void invalidShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.of(0, 64, 2, 32, 2, 256));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.of(256, -1, 2, 32, 2, 256));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.of(256, 64, 2, 32, 0, 256));
        assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(256, 64, 2, 32, 2, 256, 32, 128, Float.NaN, 1e-4f));
    }

    @Test
    void jsonRoundTrip() {
        ObjectMapper json = new ObjectMapper();
        for (String p : ModelConfig.PRESETS) {
            ModelConfig c = ModelConfig.preset(p, 1000);
            assertEquals(c, ModelConfig.fromJson(json.valueToTree(c.toJson(json))));
        }
        var bad = ModelConfig.preset("tiny", 256).toJson(json);
        bad.put("num_layers", "two");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(bad));
        assertTrue(e.getMessage().contains("num_layers"));
    }

    @Test
    void layoutIsContiguousInContractOrder() {
        ModelConfig c = ModelConfig.preset("tiny", 256);
        ParameterLayout l = new ParameterLayout(c);
        String[] expected = {"embed.weight", "layers.0.attn_norm.weight", "layers.0.attn.qkv.weight", "layers.0.attn.rel_bias",
                "layers.0.attn.out.weight", "layers.0.mlp_norm.weight", "layers.0.mlp.gate.weight", "layers.0.mlp.up.weight",
                "layers.0.mlp.down.weight", "layers.1.attn_norm.weight"};
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], l.tensors().get(i).name());
        assertEquals("lm_head.weight", l.tensors().getLast().name());
        long off = 0;
        for (ParameterLayout.Tensor t : l.tensors()) {
            assertEquals(off, t.offset(), t.name());
            off += t.size();
        }
        assertEquals(off, l.size());
        assertArrayEquals(new int[] {3 * 64, 64}, l.tensor("layers.1.attn.qkv.weight").shape());
        assertArrayEquals(new int[] {2, 32}, l.tensor("layers.1.attn.rel_bias").shape());
        assertArrayEquals(new int[] {64, 256}, l.tensor("layers.1.mlp.down.weight").shape());
        assertEquals(l.tensor("layers.1.mlp.up.weight").offset(), l.layer(1).up());
    }
}
