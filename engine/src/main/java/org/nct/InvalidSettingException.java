package org.nct;

import java.util.List;

/**
 * A setting the engine refuses: a parameter out of range, or one that does not match what it must
 * match (a checkpoint to resume). The message names each setting by its parameter name as the API
 * spells it ({@code steps}, {@code weightDecay}, {@code window}), as a whole word; {@link #settings()}
 * lists those names, so that a front end can put its own names for them (the command line: its
 * options) in their place.
 */
public class InvalidSettingException extends InvalidInputException {
    private final List<String> settings;

    /** {@code message} names each of {@code settings} as a whole word. */
    public InvalidSettingException(String message, String... settings) {
        super(message);
        if (settings.length == 0) throw new IllegalArgumentException("an InvalidSettingException names at least one setting");
        this.settings = List.of(settings);
    }

    /** The parameter names the message uses, in the order given. */
    public List<String> settings() {
        return settings;
    }
}
