package org.nct.util;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TerminalTest {
    @Test
    void terminalDevicesAreTerminalsAndNothingElseIs() {
        for (String t : new String[] {"/dev/pts/0", "/dev/pts/17", "/dev/tty", "/dev/tty1", "/dev/ttyS0", "/dev/ttyUSB3", "/dev/console"}) {
            assertTrue(Terminal.isTerminalDevice(t), t);
        }
        for (String t : new String[] {"/dev/null", "/dev/full", "pipe:[123456]", "socket:[99]", "/tmp/out.nct", "/dev/ptmx", "anon_inode:[eventfd]", "/home/u/tty1"}) {
            assertFalse(Terminal.isTerminalDevice(t), t);
        }
    }
}
