package org.nct.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import org.nct.kernels.Backends;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;

/** A description of the machine for the report: CPU, cores, memory, Java, kernel backend. */
final class Machine {
    private Machine() { }

    static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        try (Kernels k = Backends.create()) {
            m.put("kernel backend", k.name() + ", " + k.threads() + " thread(s)");
        }
        m.put("preferred SIMD", FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        m.put("numerics profile", NumericsProfile.ID);
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
