package org.nct.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The PTX that the build made (no GPU needed): every kernel the backend launches is there, and the
 * deterministic kernels use only IEEE-rounded operations (no flush-to-zero, no approximate
 * division, square root or transcendental, no tensor-core instruction). Skipped when the build
 * had no nvcc.
 */
class PtxTest {

    static final String[] KERNELS = {"gemm_det", "gemm_det64", "gemm_fast_tf32", "rmsnorm_fwd", "rmsnorm_bwd_dx", "rmsnorm_bwd_dgain",
            "attn_fwd", "attn_rows", "attn_bwd_rows", "attn_bwd_kv", "attn_bwd_bias_partial", "attn_bwd_bias",
            "attn_train_fwd", "attn_train_bwd_rows", "attn_train_bwd_dist", "attn_train_bwd_bias_partial",
            "relu_gate_fwd", "relu_gate_bwd", "add_kernel", "scale_kernel", "embed_fwd", "embed_bwd", "ce_fwd", "ce_bwd",
            "adamw_kernel", "ada_rows", "ada_cols", "mean16_kernel", "ada_factored_u", "ada_unfactored_u", "ada_dots",
            "ada_update", "sum_squares_kernel", "attn_cached", "kv_store_tiled", "kv_copy_pos_tiled", "integer_cdf", "sumsq_fast_partials", "sum_fast_final"};

    private static String ptx(String name) throws IOException {
        try (InputStream in = CudaKernels.class.getResourceAsStream(name)) {
            assumeTrue(in != null, "the PTX was not built (nvcc was not on the PATH at build time): nothing to check");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** Kernel name -> its PTX body. */
    private static Map<String, String> entries(String ptx) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] parts = ptx.split("\\.entry ");
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int paren = p.indexOf('(');
            m.put(p.substring(0, paren).trim(), p);
        }
        return m;
    }

    @Test
    void everyKernelIsInBothTargets() throws IOException {
        for (String file : new String[] {CudaKernels.PTX_90, CudaKernels.PTX_80}) {
            Map<String, String> e = entries(ptx(file));
            for (String k : KERNELS) assertNotNull(e.get(k), k + " missing from " + file);
        }
        assertTrue(ptx(CudaKernels.PTX_90).contains(".target sm_90"), "the Hopper PTX targets sm_90");
    }

    @Test
    void deterministicKernelsUseOnlyCorrectlyRoundedOperations() throws IOException {
        Map<String, String> e = entries(ptx(CudaKernels.PTX_90));
        for (Map.Entry<String, String> k : e.entrySet()) {
            if (k.getKey().contains("fast")) continue;
            String body = k.getValue();
            for (String bad : new String[] {".ftz", ".approx", "mma", "ex2", "lg2", "rsqrt", "mad.f32", "mad.rn.f32", "atom."}) {
                assertFalse(body.contains(bad), k.getKey() + " contains " + bad);
            }
        }
        assertTrue(e.get("gemm_det").contains("fma.rn.f32"), "the GEMM chain is explicit fma.rn");
        for (String k : new String[] {"attn_train_fwd", "attn_train_bwd_rows"}) {
            assertTrue(e.get(k).contains("fma.rn.f32"), k + ": the score and dP chains are explicit fma.rn");
        }
        assertTrue(e.get("gemm_fast_tf32").contains("mma"), "the fast GEMM uses the tensor cores");
    }
}
