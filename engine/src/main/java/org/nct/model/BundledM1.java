package org.nct.model;

import java.io.IOException;
import java.io.InputStream;

/**
 * The M1 that ships with nct: the repository's {@code models/m1.safetensors}, packaged into the
 * engine jar as the class-path resource {@value #RESOURCE} (engine/pom.xml), so that the launcher,
 * the jar and library users all find the same file. {@code nct compress}, {@code decompress},
 * {@code verify}, {@code NctCompressor.open()} and {@code bench} use it when no model is given.
 *
 * <p>The resource is read through a class loader, by default this class's; a caller (a test, an
 * application that ships another M1) may pass its own. A build made before the model exists has
 * no resource: loading then fails with {@link Missing}, whose message is {@value #MISSING}.
 */
public final class BundledM1 {
    private BundledM1() { }

    /** The class-path name of the bundled M1. */
    public static final String RESOURCE = "org/nct/models/m1.safetensors";
    /** Where the bundled M1 lives in the repository. */
    public static final String SOURCE = "models/m1.safetensors";
    /** The error of a build without the bundled M1. */
    public static final String MISSING = "no bundled M1 in this build (" + SOURCE + "); give a model file instead";
    /** The most bytes read from the resource (a 3m model is 6 MB in F16; the 2b preset would not fit in an array). */
    static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    /** The build has no bundled M1. */
    public static final class Missing extends IOException {
        Missing() {
            super(MISSING);
        }
    }

    /** Whether this build carries the bundled M1. */
    public static boolean present() {
        return present(defaultLoader());
    }

    /** Whether {@code loader} finds the bundled M1. */
    public static boolean present(ClassLoader loader) {
        return loader.getResource(RESOURCE) != null;
    }

    /** The bundled M1's weights (the caller closes them). */
    public static Weights load() throws IOException {
        return load(defaultLoader());
    }

    /** The weights of the bundled M1 that {@code loader} finds, checked as any checkpoint file is. */
    public static Weights load(ClassLoader loader) throws IOException {
        return Checkpoint.loadWeights(bytes(loader), "bundled M1 (" + SOURCE + ")");
    }

    /** The bundled M1's file as {@code loader} finds it. */
    public static byte[] bytes(ClassLoader loader) throws IOException {
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new Missing();
            byte[] b = in.readNBytes(MAX_BYTES);
            if (in.read() >= 0) throw new IOException("bundled M1 (" + SOURCE + ") is larger than " + MAX_BYTES + " bytes");
            return b;
        }
    }

    /** The bundled M1's file as this build carries it. */
    public static byte[] bytes() throws IOException {
        return bytes(defaultLoader());
    }

    private static ClassLoader defaultLoader() {
        ClassLoader l = BundledM1.class.getClassLoader();
        return l != null ? l : ClassLoader.getSystemClassLoader();
    }
}
