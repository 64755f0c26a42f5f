package org.nct.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.nct.kernels.Backends;

/** Start-up of the backend where no GPU is usable: a clear error, nothing else breaks. */
class CudaKernelsTest {

    @Test
    void withoutAGpuTheBackendSaysWhy() {
        String why = CudaKernels.unavailableReason();
        assumeTrue(why != null, "a GPU is usable here; the GPU checks are in the nct-gpu-check module");
        IllegalStateException e = assertThrows(IllegalStateException.class, CudaKernels::open);
        assertTrue(e.getMessage().equals(why), e.getMessage());
        String before = System.getProperty("nct.backend");
        System.setProperty("nct.backend", "cuda");
        try {
            IllegalStateException viaBackends = assertThrows(IllegalStateException.class, () -> Backends.create(1));
            assertTrue(viaBackends.getMessage().contains(why), viaBackends.getMessage());
        } finally {
            if (before == null) System.clearProperty("nct.backend");
            else System.setProperty("nct.backend", before);
        }
    }
}
