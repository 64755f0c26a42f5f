package org.nct;

/**
 * Input the engine refuses: a bad setting or method spec, a missing, unreadable or malformed file
 * (corpus, shard, tokenizer model, checkpoint), an output that would overwrite one. The message
 * says what is wrong and, where it helps, what to do; it names no stack frame.
 */
public class InvalidInputException extends NctException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
