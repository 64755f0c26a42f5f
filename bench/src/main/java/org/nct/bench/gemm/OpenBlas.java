package org.nct.bench.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The peer: OpenBLAS {@code cblas_sgemm} from {@code libopenblas.so.0}, called through the FFM API,
 * expressing the three GEMM forms with row-major transposes:
 * Y = X·Wᵀ (NoTrans, Trans), dX = dY·W (NoTrans, NoTrans), dW = dYᵀ·X (Trans, NoTrans).
 */
public final class OpenBlas {

    /** The library's soname (Debian/Ubuntu package libopenblas0-pthread). */
    public static final String LIBRARY = "libopenblas.so.0";
    public static final String INSTALL_HINT =
            "OpenBLAS (" + LIBRARY + ") is not installed; install it with: apt-get install libopenblas0-pthread";

    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final MethodHandle getConfig;

    private OpenBlas(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        ValueLayout i = ValueLayout.JAVA_INT, f = ValueLayout.JAVA_FLOAT;
        ValueLayout p = ValueLayout.ADDRESS;
        sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
        setThreads = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(), FunctionDescriptor.ofVoid(i));
        getConfig = linker.downcallHandle(lib.find("openblas_get_config").orElseThrow(), FunctionDescriptor.of(p));
    }

    /** The library, or empty when it cannot be loaded. */
    public static Optional<OpenBlas> load() {
        try {
            return Optional.of(new OpenBlas(SymbolLookup.libraryLookup(LIBRARY, Arena.global())));
        } catch (IllegalArgumentException | java.util.NoSuchElementException absent) {
            return Optional.empty();
        }
    }

    public void setThreads(int threads) {
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** OpenBLAS's description of its build and the core type it chose, e.g. "OpenBLAS 0.3.29 DYNAMIC_ARCH ... Zen". */
    public String config() {
        try {
            MemorySegment s = (MemorySegment) getConfig.invokeExact();
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** C(m×n) = alpha·op(A)·op(B) + beta·C, row-major; a, b, c point at the first element. */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k,
                    alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Y(M×N) = X(M×K)·W(N×K)ᵀ. */
    public void matmul(MemorySegment y, MemorySegment x, MemorySegment w, int m, int k, int n) {
        sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, y, n);
    }

    /** dX(M×K) = dY(M×N)·W(N×K). */
    public void matmulBackwardData(MemorySegment dx, MemorySegment dy, MemorySegment w, int m, int k, int n) {
        sgemm(false, false, m, k, n, 1f, dy, n, w, k, 0f, dx, k);
    }

    /** dW(N×K) += dY(M×N)ᵀ·X(M×K). */
    public void matmulBackwardWeight(MemorySegment dw, MemorySegment dy, MemorySegment x, int m, int k, int n) {
        sgemm(true, false, n, k, m, 1f, dy, n, x, k, 1f, dw, k);
    }
}
