package org.nct.cli;

import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --backend vector|scalar|cuda}: the kernel backend of a command. It sets the
 * {@code nct.backend} property that {@link org.nct.kernels.Backends#create()} reads, so every
 * backend the command (and the engine code it calls) creates is that one. Without the option the
 * property, or its default {@code vector}, applies.
 */
public final class BackendOption {
    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", order = 90,
            description = "kernel backend: vector (default: the CPU's SIMD), scalar (the reference), or cuda (the GPU;"
                    + " needs the nct-cuda module, a CUDA driver and a device)")
    void backend(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("vector") && !n.equals("scalar") && !n.equals("cuda")) {
            throw new ParameterException(spec.commandLine(), "--backend must be vector, scalar or cuda, got '" + name + "'");
        }
        System.setProperty("nct.backend", n);
    }
}
