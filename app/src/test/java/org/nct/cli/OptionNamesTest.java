package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;
import picocli.CommandLine.Model.CommandSpec;

/** The engine's parameter names become the running command's options, and nothing else changes. */
class OptionNamesTest {
    static final CommandSpec TRAIN = Main.commandLine().getSubcommands().get("train").getCommandSpec();

    @Test
    void settingsBecomeTheCommandsOptions() {
        assertEquals("--weight-decay must be >= 0, got -1.0",
                OptionNames.message(new InvalidSettingException("weightDecay must be >= 0, got -1.0", "weightDecay"), TRAIN));
        assertEquals("trained with --batch 2 and --seq 32; resume with the same --batch and --seq",
                OptionNames.message(new InvalidSettingException("trained with batch 2 and seq 32; resume with the same batch and seq", "batch", "seq"), TRAIN));
    }

    @Test
    void aWrapperKeepsTheMappingOfItsCause() {
        InvalidInputException wrapped = new InvalidInputException("cannot resume from a.safetensors: the seed is 1, not 2; resume with the same seed",
                new InvalidSettingException("the seed is 1, not 2; resume with the same seed", "seed"));
        assertEquals("cannot resume from a.safetensors: the --seed is 1, not 2; resume with the same --seed", OptionNames.message(wrapped, TRAIN));
    }

    @Test
    void onlyWholeWordsOfDeclaredSettingsThatTheCommandHasChange() {
        // "batches", "seqs", a path segment and an existing option stay; a setting the command lacks stays; undeclared words stay
        String text = "batch of 3 batches in /tmp/batch/x and batch.json, --batch given, seq left, window 16";
        assertEquals("--batch of 3 batches in /tmp/batch/x and batch.json, --batch given, seq left, window 16",
                OptionNames.message(new InvalidSettingException(text, "batch", "window"), TRAIN));
        assertEquals("plain message", OptionNames.message(new InvalidInputException("plain message"), TRAIN));
        assertEquals("weight-decay", OptionNames.kebab("weightDecay"));
        assertEquals("m1", OptionNames.kebab("m1"));
    }
}
