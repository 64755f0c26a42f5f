package org.nct.reference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Backends;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Transformer;
import org.nct.model.Weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java Transformer against PyTorch: the committed file {@code reference/tiny-v1.bin} (written
 * by {@code tools/torch_reference.py write}, see docs/reference.md) holds a tiny config, its
 * weights, one batch with padding targets, and the float64 PyTorch results: logits, loss, every
 * parameter's gradient and the losses after 0..10 AdamW steps. Both the scalar reference backend
 * and the default vector backend must reproduce them within these tolerances (float32 arithmetic
 * against a float64 reference; PyTorch's own float32 run is about 10× inside each):
 * <ul>
 *   <li>logits: max |diff| ≤ 1e-4</li>
 *   <li>loss: |diff| ≤ 1e-4</li>
 *   <li>gradients: per tensor, max |diff| / max |reference| ≤ 1e-3</li>
 *   <li>the 11 losses of the AdamW run: |diff| ≤ 1e-4 each</li>
 * </ul>
 */
class TorchReferenceTest {

    static final double LOGITS_ABS = 1e-4, LOSS_ABS = 1e-4, GRAD_REL = 1e-3, STEP_LOSS_ABS = 1e-4;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    static ReferenceFile ref;
    static ModelConfig cfg;
    static int batch, seq;

    @BeforeAll
    static void load() throws Exception {
        ref = ReferenceFile.load("/reference/tiny-v1.bin");
        cfg = new ModelConfig(ref.intScalar("config.vocab"), ref.intScalar("config.d_model"),
                ref.intScalar("config.heads"), ref.intScalar("config.head_dim"), ref.intScalar("config.layers"),
                ref.intScalar("config.mlp"), ref.intScalar("config.num_buckets"), ref.intScalar("config.max_distance"),
                ref.floatScalar("config.rms_eps"), ref.floatScalar("config.z_loss"));
        long[] shape = ref.shape("tokens");
        batch = (int) shape[0];
        seq = (int) shape[1];
    }

    static Kernels scalar, vector;

    @AfterAll
    static void close() {
        if (scalar != null) scalar.close();
        if (vector != null) vector.close();
    }

    static Kernels backend(boolean useVector) {
        if (useVector) {
            if (vector == null) vector = new VectorKernels(Backends.species(0), 2);
            return vector;
        }
        if (scalar == null) scalar = new ScalarKernels(2);
        return scalar;
    }

    @Test
    void theFileUsesTheArchitectureConstantsAndTheParameterLayout() {
        ModelConfig defaults = ModelConfig.of(cfg.vocabSize(), cfg.dModel(), cfg.numHeads(), cfg.headDim(),
                cfg.numLayers(), cfg.mlpDim());
        assertEquals(defaults, cfg, "num_buckets, max_distance, eps and z-loss are ARCH.md's");
        ParameterLayout layout = new ParameterLayout(cfg);
        List<String> fileOrder = new ArrayList<>();
        for (String name : ref.names()) if (name.startsWith("param.")) fileOrder.add(name.substring(6));
        List<String> layoutOrder = new ArrayList<>();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            layoutOrder.add(t.name());
            long[] s = ref.shape("param." + t.name());
            assertEquals(t.shape().length, s.length, t.name());
            for (int i = 0; i < s.length; i++) assertEquals(t.shape()[i], s[i], t.name() + " dim " + i);
        }
        assertEquals(layoutOrder, fileOrder, "tensor order of ARCH.md");
        int padding = 0;
        for (int y : ref.ints("targets")) if (y < 0) padding++;
        assertTrue(padding > 0, "the batch has padding targets");
    }

    @Test
    void scalarBackendMatchesPyTorch() {
        check(backend(false));
    }

    @Test
    void vectorBackendMatchesPyTorch() {
        check(backend(true));
    }

    @Test
    void theComparisonCatchesAWrongModel() {
        // transposed relative-position bias (bucket-major instead of head-major): a plausible bug
        try (Weights w = weights(); Transformer model = new Transformer(w, backend(false))) {
            MemorySegment rb = w.tensor("layers.0.attn.rel_bias");
            int h = cfg.numHeads(), nb = cfg.numBuckets();
            float[] orig = rb.toArray(F), swapped = new float[orig.length];
            for (int i = 0; i < h; i++) for (int j = 0; j < nb; j++) swapped[j * h + i] = orig[i * nb + j];
            MemorySegment.copy(swapped, 0, rb, F, 0, swapped.length);
            model.forward(ref.ints("tokens"), ref.ints("targets"), batch, seq);
            float[] logits = new float[batch * seq * cfg.vocabSize()];
            MemorySegment.copy(model.activations(), F, model.logitsOffset() * Float.BYTES, logits, 0, logits.length);
            List<String> failures = new ArrayList<>();
            StringBuilder report = new StringBuilder();
            compareAbs("logits", logits, ref.floats("logits"), LOGITS_ABS, report, failures);
            assertEquals(List.of("logits"), failures, report.toString());
        }
    }

    private static Weights weights() {
        Weights w = Weights.allocate(cfg);
        for (ParameterLayout.Tensor t : w.layout().tensors()) {
            float[] v = ref.floats("param." + t.name());
            MemorySegment.copy(v, 0, w.params(), F, t.offset() * Float.BYTES, v.length);
        }
        return w;
    }

    private static void check(Kernels k) {
        List<String> failures = new ArrayList<>();
        StringBuilder report = new StringBuilder("backend " + k.name() + "\n");
        try (Weights w = weights(); Transformer model = new Transformer(w, k)) {
            model.reserve(batch, seq);
            int[] tokens = ref.ints("tokens"), targets = ref.ints("targets");
            float loss = model.forward(tokens, targets, batch, seq);
            float[] logits = new float[batch * seq * cfg.vocabSize()];
            MemorySegment.copy(model.activations(), F, model.logitsOffset() * Float.BYTES, logits, 0, logits.length);
            compareAbs("logits", logits, ref.floats("logits"), LOGITS_ABS, report, failures);
            compareAbs("loss", new float[] {loss}, new float[] {ref.floatScalar("loss")}, LOSS_ABS, report, failures);

            model.backward();
            for (ParameterLayout.Tensor t : w.layout().tensors()) {
                float[] g = new float[(int) t.size()];
                MemorySegment.copy(model.grads(), F, t.offset() * Float.BYTES, g, 0, g.length);
                compareRel("grad " + t.name(), g, ref.floats("grad." + t.name()), GRAD_REL, report, failures);
            }

            float[] losses = adamwLosses(model, w, k, tokens, targets);
            compareAbs("AdamW losses", losses, ref.floats("adamw.losses"), STEP_LOSS_ABS, report, failures);
        }
        System.out.print(report);
        assertTrue(failures.isEmpty(), "outside tolerance: " + failures + "\n" + report);
    }

    /** The losses after 0..n AdamW updates (Kernels.adamw over the whole flat buffer, constant lr). */
    private static float[] adamwLosses(Transformer model, Weights w, Kernels k, int[] tokens, int[] targets) {
        float[] expected = ref.floats("adamw.losses");
        float lr = ref.floatScalar("adamw.lr"), b1 = ref.floatScalar("adamw.beta1"), b2 = ref.floatScalar("adamw.beta2");
        float eps = ref.floatScalar("adamw.eps"), wd = ref.floatScalar("adamw.weight_decay");
        long n = w.layout().size();
        float[] out = new float[expected.length];
        try (Arena arena = Arena.ofShared()) {     // the kernels' worker threads touch m and v
            MemorySegment m = Buffers.floats(arena, n), v = Buffers.floats(arena, n);
            for (int step = 0; step < expected.length; step++) {
                out[step] = model.forward(tokens, targets, batch, seq);
                if (step == expected.length - 1) break;
                model.backward();
                int t = step + 1;
                float c1 = (float) (1 - Math.pow(b1, t)), c2 = (float) (1 - Math.pow(b2, t));
                k.adamw(w.params(), 0, model.grads(), 0, m, 0, v, 0, n, lr, b1, b2, c1, c2, eps, wd);
            }
        }
        return out;
    }

    static void compareAbs(String name, float[] got, float[] want, double tol, StringBuilder report, List<String> failures) {
        double max = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        boolean ok = max <= tol;
        report.append(String.format(Locale.ROOT, "%-40s max abs diff %.3e at %d (got %.7g, want %.7g) tol %.0e %s%n",
                name, max, at, got[at], want[at], tol, ok ? "OK" : "FAIL"));
        if (!ok) failures.add(name);
    }

    static void compareRel(String name, float[] got, float[] want, double tol, StringBuilder report, List<String> failures) {
        double max = 0, scale = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            double d = Math.abs((double) got[i] - want[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        double rel = max / scale;
        boolean ok = rel <= tol;
        report.append(String.format(Locale.ROOT, "%-40s max abs diff %.3e at %d (got %.7g, want %.7g), / max|ref| %.3e = %.3e tol %.0e %s%n",
                name, max, at, got[at], want[at], scale, rel, tol, ok ? "OK" : "FAIL"));
        if (!ok) failures.add(name);
    }
}
