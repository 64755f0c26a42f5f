package org.nct.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * nct's version as built: the {@code Implementation-Version} of the app jar's manifest, or,
 * when the classes do not come from a jar (an IDE, {@code target/classes}), the project version
 * that Maven wrote into {@code org/nct/cli/version.properties}. {@code nct --version} prints it.
 */
public final class Version implements CommandLine.IVersionProvider {

    /** The version string, e.g. {@code 0.1.0}, or {@code unknown} when neither source has one. */
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) return v;
        v = fromProperties(Version.class.getResourceAsStream("version.properties"));
        return v != null ? v : "unknown";
    }

    /** The {@code version} entry of a properties stream, or null when absent or unfiltered. */
    static String fromProperties(InputStream in) {
        if (in == null) return null;
        try (in) {
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            return v == null || v.isBlank() || v.contains("${") ? null : v.trim();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"nct " + get()};
    }
}
