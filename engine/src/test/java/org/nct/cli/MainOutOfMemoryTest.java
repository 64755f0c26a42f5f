package org.nct.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** An OutOfMemoryError from any command is a one-line error with exit code 1, not a stack trace. */
class MainOutOfMemoryTest {
    @CommandLine.Command(name = "hungry")
    static final class Hungry implements Runnable {
        @Override
        public void run() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void outOfMemoryIsOneLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new Hungry());
        cl.setExecutionExceptionHandler(new Main.UserErrors());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = Main.execute(cl, new String[] {"hungry"});
        assertEquals(1, code);
        String text = err.toString();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("nct: error: out of memory (Java heap space)"), text);
    }
}
