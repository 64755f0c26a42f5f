package org.nct.cli;

import jdk.incubator.vector.FloatVector;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;
import picocli.CommandLine.Command;

/** Prints the runtime, the kernel backend chosen and the numerics profile. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the Java runtime, kernel backend, vector width, threads and numerics profile.")
public final class InfoCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("java            " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        System.out.println("processors      " + Runtime.getRuntime().availableProcessors());
        System.out.println("preferred SIMD  " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        try (Kernels k = Backends.create()) {
            System.out.println("kernel backend  " + k.name() + ", " + k.threads() + " thread(s)");
        }
        System.out.println("numerics        " + NumericsProfile.ID);
        System.out.println("training        " + NumericsProfile.TRAINING_ID);
    }
}
