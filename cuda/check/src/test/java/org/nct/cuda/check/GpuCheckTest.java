package org.nct.cuda.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.nct.cuda.CudaKernels;
import org.nct.kernels.Kernels;
import org.nct.kernels.ScalarKernels;
import org.nct.kernels.VectorKernels;

class GpuCheckTest {

    /** The harness passes two backends that agree bitwise (scalar and Vector API: no GPU needed). */
    @Test
    void kernelCheckPassesBitwiseEqualBackends() {
        try (ScalarKernels s = new ScalarKernels(1); VectorKernels v = new VectorKernels(FloatVector.SPECIES_PREFERRED, 2)) {
            List<KernelCheck.Result> r = new KernelCheck(s, v, true, 42).runAll(false);
            assertTrue(r.size() > 40, "every kernel is checked: " + r.size());
            for (KernelCheck.Result x : r) assertTrue(x.passed(), x.toString());
        }
    }

    /** ... and fails a backend that differs in one bit of one output, or leaves an output unwritten (also a KV cache write). */
    @Test
    void kernelCheckCatchesOneFlippedBitAndAnUnwrittenOutput() {
        try (ScalarKernels s = new ScalarKernels(1)) {
            Kernels flipped = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                    (proxy, m, args) -> {
                        if (m.getName().equals("rmsnormForward")) {
                            m.invoke(s, args);
                            MemorySegment out = (MemorySegment) args[0];
                            long i = (long) args[1] + 7;
                            out.setAtIndex(ValueLayout.JAVA_INT, i, out.getAtIndex(ValueLayout.JAVA_INT, i) ^ 1);
                            return null;
                        }
                        if (m.getName().equals("reluGateForward") || m.getName().equals("kvStore")) return null;   // writes nothing
                        try {
                            return m.invoke(s, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            List<KernelCheck.Result> r = new KernelCheck(s, flipped, true, 42).runAll(false);
            for (KernelCheck.Result x : r) {
                boolean broken = x.kernel().startsWith("rmsnormForward") || x.kernel().startsWith("reluGateForward")
                        || x.kernel().startsWith("kvStore");
                assertEquals(!broken, x.passed(), x.toString());
                if (x.kernel().startsWith("rmsnormForward")) assertEquals(1, x.mismatches(), x.toString());
            }
        }
    }

    /** With a GPU: every check of the device script (kernels, training step, prefill/incremental, coding) passes. */
    @Test
    void gpuMatchesTheCpuBitwise() {
        String why = CudaKernels.unavailableReason();
        assumeTrue(why == null, "GPU checks skipped: " + why);
        GpuCheck g = new GpuCheck();
        boolean ok = g.run(true);
        assertEquals("yes", g.results().get("cpu_gpu_bitwise"), g.results().toString());
        assertTrue(ok, g.results().toString());
        assertFalse(g.results().get("checks_passed").startsWith("0/"));
    }
}
