package org.nct.kernels;

import java.lang.System.Logger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chooses the kernel backend at start-up.
 * <ul>
 *   <li>{@code -Dnct.backend=vector|scalar|cuda} (default: vector)</li>
 *   <li>{@code -Dnct.vector.bits=128|256|512} forces the Vector API width (default: the
 *       platform's preferred species)</li>
 *   <li>{@code -Dnct.threads=N} (default: available processors)</li>
 * </ul>
 * The choice is logged with the vector width in use.
 */
public final class Backends {
    private Backends() { }

    private static final Logger LOG = System.getLogger("nct.kernels");

    public static int defaultThreads() {
        String t = System.getProperty("nct.threads");
        if (t != null && !t.isBlank()) {
            try {
                int n = Integer.parseInt(t.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) { }
            throw new IllegalArgumentException("nct.threads must be a positive integer, got '" + t + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The species for a width in bits (128, 256, 512), or the preferred one for 0. */
    public static VectorSpecies<Float> species(int bits) {
        return switch (bits) {
            case 0 -> FloatVector.SPECIES_PREFERRED;
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
        };
    }

    /** The backend chosen by system properties, with the default thread count. */
    public static Kernels create() {
        return create(defaultThreads());
    }

    /** The backend chosen by system properties with {@code threads} workers. */
    public static Kernels create(int threads) {
        String backend = System.getProperty("nct.backend", "vector").trim().toLowerCase();
        Kernels k = switch (backend) {
            case "scalar" -> new ScalarKernels(threads);
            case "vector" -> {
                String b = System.getProperty("nct.vector.bits", "0").trim();
                int bits;
                try {
                    bits = Integer.parseInt(b);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("nct.vector.bits must be 128, 256 or 512, got '" + b + "'");
                }
                yield new VectorKernels(species(bits), threads);
            }
            case "cuda" -> createCuda();
            default -> throw new IllegalArgumentException("nct.backend must be vector, scalar or cuda, got '" + backend + "'");
        };
        LOG.log(Logger.Level.INFO, "kernel backend {0}, {1} thread(s), preferred vector shape {2}",
                k.name(), k.threads(), VectorShape.preferredShape().vectorBitSize());
        return k;
    }

    private static Kernels createCuda() {
        try {
            Class<?> c = Class.forName("org.nct.cuda.CudaKernels");
            return (Kernels) c.getMethod("open").invoke(null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the CUDA backend is not on the class path (module nct-cuda)");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("the CUDA backend could not start: " + cause.getMessage(), cause);
        }
    }
}
