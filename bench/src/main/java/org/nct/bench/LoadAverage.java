package org.nct.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's load average, printed beside every benchmark: a figure taken while other jobs
 * share the cores is not comparable with one from a quiet machine.
 */
public final class LoadAverage {
    private LoadAverage() { }

    /** The 1-minute load above which a run's figures are flagged as not comparable. */
    public static final double QUIET = 0.5;

    /** The 1-, 5- and 15-minute load averages, or null where /proc/loadavg does not exist. */
    public static double[] read() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** "0.12 0.30 0.25", or "unknown". */
    public static String describe() {
        double[] l = read();
        return l == null ? "unknown" : String.format(Locale.ROOT, "%.2f %.2f %.2f", l[0], l[1], l[2]);
    }

    /** Prints the load average before a run, and a warning line when the machine is not quiet. */
    public static void before() {
        System.out.println("load average before: " + describe());
        double[] l = read();
        if (l != null && l[0] > QUIET) {
            System.out.printf(Locale.ROOT, "WARNING: load average %.2f > %.1f before the run: other jobs share the cores; these figures are not comparable with a quiet machine's%n",
                    l[0], QUIET);
        }
    }

    /** Prints the load average after a run. */
    public static void after() {
        System.out.println("load average after: " + describe());
    }
}
