package org.nct.coding;

/** Coded input that cannot be what an encoder wrote (truncated, corrupted or forged). */
public class CorruptInputException extends RuntimeException {
    public CorruptInputException(String message) {
        super(message);
    }
}
