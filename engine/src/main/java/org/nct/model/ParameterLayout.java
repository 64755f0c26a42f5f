package org.nct.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter tensor lives in the flat parameter buffer (element offsets, contiguous, in
 * the order of docs/architecture.md). The same layout addresses the gradient buffer and the checkpoint's
 * tensors.
 */
public final class ParameterLayout {

    /** One tensor: name (safetensors key), element offset in the flat buffer, shape (row-major). */
    public record Tensor(String name, long offset, int[] shape) {
        public long size() {
            long s = 1;
            for (int d : shape) s *= d;
            return s;
        }

        /** Rows of a matrix (1 for a vector). */
        public int rows() {
            return shape.length == 2 ? shape[0] : 1;
        }

        /** Columns of a matrix (the length of a vector). */
        public int cols() {
            return shape[shape.length - 1];
        }

        public String shapeString() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : ", ").append(shape[i]);
            return sb.append(')').toString();
        }
    }

    /** Offsets of one layer's tensors. */
    public record Layer(long attnNorm, long qkv, long relBias, long out, long mlpNorm, long gate, long up, long down) { }

    private final ModelConfig config;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final Layer[] layers;
    private final long embed, finalNorm, lmHead, size;

    public ParameterLayout(ModelConfig cfg) {
        this.config = cfg;
        int v = cfg.vocabSize(), c = cfg.dModel(), a = cfg.attnDim(), f = cfg.mlpDim();
        List<Tensor> list = new ArrayList<>();
        long[] next = {0};
        this.embed = add(list, next, "embed.weight", v, c);
        this.layers = new Layer[cfg.numLayers()];
        for (int i = 0; i < cfg.numLayers(); i++) {
            String p = "layers." + i + ".";
            long attnNorm = add(list, next, p + "attn_norm.weight", c);
            long qkv = add(list, next, p + "attn.qkv.weight", 3 * a, c);
            long relBias = add(list, next, p + "attn.rel_bias", cfg.numHeads(), cfg.numBuckets());
            long out = add(list, next, p + "attn.out.weight", c, a);
            long mlpNorm = add(list, next, p + "mlp_norm.weight", c);
            long gate = add(list, next, p + "mlp.gate.weight", f, c);
            long up = add(list, next, p + "mlp.up.weight", f, c);
            long down = add(list, next, p + "mlp.down.weight", c, f);
            layers[i] = new Layer(attnNorm, qkv, relBias, out, mlpNorm, gate, up, down);
        }
        this.finalNorm = add(list, next, "final_norm.weight", c);
        this.lmHead = add(list, next, "lm_head.weight", v, c);
        this.size = next[0];
        this.tensors = Collections.unmodifiableList(list);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : list) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    private static long add(List<Tensor> list, long[] next, String name, int... shape) {
        Tensor t = new Tensor(name, next[0], shape);
        list.add(t);
        next[0] += t.size();
        return t.offset();
    }

    public ModelConfig config() {
        return config;
    }

    /** All tensors in buffer order. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor of that name, or null. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    public Layer layer(int i) {
        return layers[i];
    }

    public long embed() {
        return embed;
    }

    public long finalNorm() {
        return finalNorm;
    }

    public long lmHead() {
        return lmHead;
    }

    /** Total number of floats. */
    public long size() {
        return size;
    }
}
