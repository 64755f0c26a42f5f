package org.nct.cli;

import java.util.List;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints the runtime, the kernel backend chosen and the numerics profile; with files, what each .nct file holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show the Java runtime, kernel backend, vector width, threads and numerics profile.",
                "With FILEs: what each .nct file holds, as nct list."})
public final class InfoCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin BackendOption backendOption = new BackendOption();
    @Parameters(arity = "0..*", paramLabel = "FILE", description = ".nct files to describe (as nct list)") List<String> files;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        if (files != null && !files.isEmpty()) return ListCommand.print(files, false, spec);
        System.out.println("java            " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        System.out.println("processors      " + Runtime.getRuntime().availableProcessors());
        System.out.println("preferred SIMD  " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        try (Kernels k = Backends.create()) {
            System.out.println("kernel backend  " + k.name() + ", " + k.threads() + " thread(s)");
        }
        System.out.println("numerics        " + NumericsProfile.ID);
        System.out.println("training        " + NumericsProfile.TRAINING_ID);
        return 0;
    }
}
