package org.nct.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import org.nct.InvalidInputException;

/**
 * The deterministic document-level train/validation split. A document belongs to the validation
 * split when the first 8 bytes of the SHA-256 of its UTF-8 bytes, read as an unsigned big-endian
 * number u, satisfy {@code u / 2^64 < validationFraction}. It depends on nothing but the text, so
 * it is the same in every run, JVM and machine, and a document never moves between splits when
 * other files are added.
 */
public enum Split {
    TRAIN, VALIDATION, ALL;

    /** The split used when none is given: 5% of documents are validation. */
    public static final double DEFAULT_VALIDATION_FRACTION = 0.05;

    /** Whether {@code doc} is in this split at the given validation fraction. */
    public boolean contains(byte[] doc, double validationFraction) {
        return switch (this) {
            case ALL -> true;
            case VALIDATION -> isValidation(doc, validationFraction);
            case TRAIN -> !isValidation(doc, validationFraction);
        };
    }

    /** The document's position in [0, 1) used by the split. */
    public static double position(byte[] doc) {
        byte[] h = sha256(doc);
        long u = 0;
        for (int i = 0; i < 8; i++) u = (u << 8) | (h[i] & 0xFF);
        return (u >>> 11) * 0x1.0p-53;
    }

    public static boolean isValidation(byte[] doc, double validationFraction) {
        return position(doc) < validationFraction;
    }

    /** Parses "train", "validation" (or "val"), "all". */
    public static Split parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "train" -> TRAIN;
            case "validation", "val", "valid" -> VALIDATION;
            case "all" -> ALL;
            default -> throw new InvalidInputException("unknown split '" + s + "' (use train, validation or all)");
        };
    }

    public static void checkFraction(double f) {
        if (!(f >= 0 && f <= 1)) throw new InvalidInputException("validation fraction must be in [0, 1], got " + f);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
