package org.nct.reference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;
import org.nct.model.ModelConfig;
import org.nct.model.ParameterLayout;
import org.nct.model.Transformer;
import org.nct.model.Weights;
import org.nct.train.AdamW;
import org.nct.train.Adafactor;
import org.nct.train.Optimizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java Transformer and optimizers against PyTorch. The committed files under
 * {@code reference/} (written by {@code tools/torch_reference.py write}, see docs/reference.md)
 * hold a tiny config, its weights, one batch with padding targets, and the PyTorch results
 * computed in float64 from the float32 weights: logits, loss, every parameter's gradient
 * ({@code tiny-v1.bin}) and the losses after 0..10 optimizer steps ({@code tiny-v1.bin}: AdamW;
 * {@code adafactor-v1.bin}: Adafactor, with factored and unfactored tensors). The scalar reference
 * backend and the default vector backend must reproduce them within these tolerances (float32
 * against a float64 reference; PyTorch's own float32 run is 10× or more inside each):
 * <ul>
 *   <li>logits: max |diff| ≤ 1e-4</li>
 *   <li>loss: |diff| ≤ 1e-4</li>
 *   <li>gradients: per tensor, max |diff| / max |reference| ≤ 1e-3</li>
 *   <li>the 11 losses of the optimizer run: |diff| ≤ 1e-4 each</li>
 * </ul>
 */
class TorchReferenceTest {

    static final double LOGITS_ABS = 1e-4, LOSS_ABS = 1e-4, GRAD_REL = 1e-3, STEP_LOSS_ABS = 1e-4;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /** One reference file with its config and batch shape. */
    record Case(ReferenceFile ref, ModelConfig cfg, int batch, int seq) {
        static Case load(String resource) throws IOException {
            ReferenceFile ref = ReferenceFile.load(resource);
            ModelConfig cfg = new ModelConfig(ref.intScalar("config.vocab"), ref.intScalar("config.d_model"),
                    ref.intScalar("config.heads"), ref.intScalar("config.head_dim"), ref.intScalar("config.layers"),
                    ref.intScalar("config.mlp"), ref.intScalar("config.num_buckets"), ref.intScalar("config.max_distance"),
                    ref.floatScalar("config.rms_eps"), ref.floatScalar("config.z_loss"));
            long[] shape = ref.shape("tokens");
            return new Case(ref, cfg, (int) shape[0], (int) shape[1]);
        }

        Weights weights() {
            Weights w = Weights.allocate(cfg);
            for (ParameterLayout.Tensor t : w.layout().tensors()) {
                float[] v = ref.floats("param." + t.name());
                MemorySegment.copy(v, 0, w.params(), F, t.offset() * Float.BYTES, v.length);
            }
            return w;
        }

        float forward(Transformer model) {
            return model.forward(ref.ints("tokens"), ref.ints("targets"), batch, seq);
        }

        /** The forward of a training step (training profile), before a backward. */
        float trainingForward(Transformer model) {
            return model.trainingForward(ref.ints("tokens"), ref.ints("targets"), batch, seq);
        }

        float[] logits(Transformer model) {
            float[] logits = new float[batch * seq * cfg.vocabSize()];
            MemorySegment.copy(model.activations(), F, model.logitsOffset() * Float.BYTES, logits, 0, logits.length);
            return logits;
        }
    }

    static Case tiny, adafactor;
    static Kernels scalar, vector;

    @BeforeAll
    static void load() throws IOException {
        tiny = Case.load("/reference/tiny-v1.bin");
        adafactor = Case.load("/reference/adafactor-v1.bin");
        scalar = new ScalarKernels(2);
        vector = new VectorKernels(Backends.species(0), 2);
    }

    @AfterAll
    static void close() {
        if (scalar != null) scalar.close();
        if (vector != null) vector.close();
    }

    @Test
    void theFilesUseTheArchitectureConstantsAndTheParameterLayout() {
        for (Case c : List.of(tiny, adafactor)) {
            ModelConfig cfg = c.cfg();
            assertEquals(ModelConfig.of(cfg.vocabSize(), cfg.dModel(), cfg.numHeads(), cfg.headDim(), cfg.numLayers(),
                    cfg.mlpDim()), cfg, "num_buckets, max_distance, eps and z-loss are ARCH.md's");
            List<String> fileOrder = new ArrayList<>();
            for (String name : c.ref().names()) if (name.startsWith("param.")) fileOrder.add(name.substring(6));
            List<String> layoutOrder = new ArrayList<>();
            for (ParameterLayout.Tensor t : new ParameterLayout(cfg).tensors()) {
                layoutOrder.add(t.name());
                long[] s = c.ref().shape("param." + t.name());
                assertEquals(t.shape().length, s.length, t.name());
                for (int i = 0; i < s.length; i++) assertEquals(t.shape()[i], s[i], t.name() + " dim " + i);
            }
            assertEquals(layoutOrder, fileOrder, "tensor order of docs/architecture.md");
            int padding = 0;
            for (int y : c.ref().ints("targets")) if (y < 0) padding++;
            assertTrue(padding > 0, "the batch has padding targets");
        }
        // the Adafactor case exercises both the factored and the unfactored update
        ParameterLayout l = new ParameterLayout(adafactor.cfg());
        assertTrue(Math.min(l.tensor("embed.weight").rows(), l.tensor("embed.weight").cols()) >= Adafactor.MIN_DIM_TO_FACTOR);
        assertTrue(l.tensor("layers.0.attn.out.weight").cols() < Adafactor.MIN_DIM_TO_FACTOR);
    }

    @Test
    void scalarBackendMatchesPyTorch() {
        checkModelAndAdamW(scalar);
    }

    @Test
    void vectorBackendMatchesPyTorch() {
        checkModelAndAdamW(vector);
    }

    @Test
    void scalarAdafactorMatchesPyTorch() {
        checkAdafactor(scalar);
    }

    @Test
    void vectorAdafactorMatchesPyTorch() {
        checkAdafactor(vector);
    }

    private static void checkModelAndAdamW(Kernels k) {
        List<String> failures = new ArrayList<>();
        StringBuilder report = new StringBuilder("tiny-v1 on backend " + k.name() + "\n");
        ReferenceFile ref = tiny.ref();
        try (Weights w = tiny.weights(); Transformer model = new Transformer(w, k)) {
            float loss = tiny.forward(model);
            compareAbs("logits", tiny.logits(model), ref.floats("logits"), LOGITS_ABS, report, failures);
            compareAbs("loss", new float[] {loss}, new float[] {ref.floatScalar("loss")}, LOSS_ABS, report, failures);
            float trainingLoss = tiny.trainingForward(model);
            compareAbs("logits (training profile)", tiny.logits(model), ref.floats("logits"), LOGITS_ABS, report, failures);
            compareAbs("loss (training profile)", new float[] {trainingLoss}, new float[] {ref.floatScalar("loss")}, LOSS_ABS, report, failures);
            model.backward();
            for (ParameterLayout.Tensor t : w.layout().tensors()) {
                float[] g = new float[(int) t.size()];
                MemorySegment.copy(model.grads(), F, t.offset() * Float.BYTES, g, 0, g.length);
                compareRel("grad " + t.name(), g, ref.floats("grad." + t.name()), GRAD_REL, report, failures);
            }
            Optimizer opt = new AdamW(k, w.layout(), model.params(), model.grads(), ref.floatScalar("adamw.beta1"),
                    ref.floatScalar("adamw.beta2"), ref.floatScalar("adamw.eps"), ref.floatScalar("adamw.weight_decay"));
            float[] want = ref.floats("adamw.losses");
            compareAbs("AdamW losses", optimizerLosses(tiny, model, opt, ref.floatScalar("adamw.lr"), want.length), want,
                    STEP_LOSS_ABS, report, failures);
        }
        System.out.print(report);
        assertTrue(failures.isEmpty(), "outside tolerance: " + failures + "\n" + report);
    }

    private static void checkAdafactor(Kernels k) {
        List<String> failures = new ArrayList<>();
        StringBuilder report = new StringBuilder("adafactor-v1 on backend " + k.name() + "\n");
        ReferenceFile ref = adafactor.ref();
        try (Weights w = adafactor.weights(); Transformer model = new Transformer(w, k)) {
            Optimizer opt = new Adafactor(k, w.layout(), model.params(), model.grads());
            float[] want = ref.floats("adafactor.losses");
            float[] got = optimizerLosses(adafactor, model, opt, ref.floatScalar("adafactor.lr"), want.length);
            compareAbs("Adafactor losses", got, want, STEP_LOSS_ABS, report, failures);
        }
        System.out.print(report);
        assertTrue(failures.isEmpty(), "outside tolerance: " + failures + "\n" + report);
    }

    /** The losses after 0..count-1 updates of the optimizer (constant learning rate, the same batch). */
    private static float[] optimizerLosses(Case c, Transformer model, Optimizer opt, float lr, int count) {
        float[] out = new float[count];
        for (int step = 0; step < count; step++) {
            out[step] = c.trainingForward(model);
            if (step == count - 1) break;
            model.backward();
            opt.update(step + 1, lr);
        }
        return out;
    }

    @Test
    void theComparisonCatchesAWrongModel() {
        // relative-position bias read bucket-major instead of head-major: a plausible bug
        try (Weights w = tiny.weights(); Transformer model = new Transformer(w, scalar)) {
            MemorySegment rb = w.tensor("layers.0.attn.rel_bias");
            int h = tiny.cfg().numHeads(), nb = tiny.cfg().numBuckets();
            float[] orig = rb.toArray(F), swapped = new float[orig.length];
            for (int i = 0; i < h; i++) for (int j = 0; j < nb; j++) swapped[j * h + i] = orig[i * nb + j];
            MemorySegment.copy(swapped, 0, rb, F, 0, swapped.length);
            tiny.forward(model);
            List<String> failures = new ArrayList<>();
            StringBuilder report = new StringBuilder();
            compareAbs("logits", tiny.logits(model), tiny.ref().floats("logits"), LOGITS_ABS, report, failures);
            assertEquals(List.of("logits"), failures, report.toString());
        }
    }

    static void compareAbs(String name, float[] got, float[] want, double tol, StringBuilder report, List<String> failures) {
        double max = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        boolean ok = max <= tol;
        report.append(String.format(Locale.ROOT, "%-34s max abs diff %.3e at %d (got %.7g, want %.7g) tol %.0e %s%n",
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
        report.append(String.format(Locale.ROOT, "%-34s max abs diff %.3e at %d (got %.7g, want %.7g); / max|ref| %.3e = %.3e tol %.0e %s%n",
                name, max, at, got[at], want[at], scale, rel, tol, ok ? "OK" : "FAIL"));
        if (!ok) failures.add(name);
    }
}
