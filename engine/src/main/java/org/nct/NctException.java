package org.nct;

/**
 * The base of the engine's own exceptions. Its message is one line meant for the person who
 * gave the input; a front end (the {@code nct} command line) prints it as it is, without a stack
 * trace, and fails with its error exit code.
 */
public class NctException extends RuntimeException {
    public NctException(String message) {
        super(message);
    }

    public NctException(String message, Throwable cause) {
        super(message, cause);
    }
}
