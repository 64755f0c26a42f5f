package org.nct.bench;

import picocli.CommandLine.Command;

/** {@code nct bench ...}: benchmarks that measure nct against a peer in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against peers measured in the same run (see subcommands).",
        subcommands = {
                org.nct.bench.gemm.GemmCommand.class,
                org.nct.bench.ops.OpsBenchCommand.class,
                org.nct.bench.train.BenchTrainCommand.class,
                org.nct.bench.compress.CompressBench.class,
                org.nct.bench.compress.CodecBench.class,
        })
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
