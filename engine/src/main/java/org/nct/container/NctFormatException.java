package org.nct.container;

import java.io.IOException;

/** An .nct file that cannot be decoded: wrong model, truncated, corrupted or forged. One-line message. */
public final class NctFormatException extends IOException {
    public NctFormatException(String message) {
        super(message);
    }
}
