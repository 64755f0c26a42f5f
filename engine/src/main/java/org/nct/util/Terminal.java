package org.nct.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the standard streams are terminals, without {@link System#console()} (which answers for
 * stdin and stdout together, and says nothing of stderr). On Linux the answer is where
 * {@code /proc/self/fd/N} points: a terminal device ({@code /dev/pts/N}, {@code /dev/ttyX},
 * {@code /dev/console}) or anything else (a file, a pipe, a socket, {@code /dev/null}).
 *
 * <p>The launcher {@code ./nct} relays the JVM's stderr through a filter, so the JVM's own stderr
 * is a pipe; it looks at its stderr before that and passes the answer in {@code NCT_STDERR_TTY}
 * (1 or 0), which takes precedence here. Where {@code /proc} is absent, the answer is "no
 * terminal" for stdin and stderr and {@code Console.isTerminal()} for stdout.
 */
public final class Terminal {
    private Terminal() { }

    /** Whether standard input is a terminal (reading compressed data from a keyboard is refused). */
    public static boolean stdin() {
        return isTerminal(0);
    }

    /** Whether standard output is a terminal (binary output to it is refused). */
    public static boolean stdout() {
        return isTerminal(1);
    }

    /** Whether standard error is a terminal (progress bars are drawn only then). */
    public static boolean stderr() {
        String env = System.getenv("NCT_STDERR_TTY");
        if ("1".equals(env)) return true;
        if ("0".equals(env)) return false;
        return isTerminal(2);
    }

    /** Whether file descriptor {@code fd} of this process is a terminal. */
    static boolean isTerminal(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        if (!Files.isDirectory(Path.of("/proc/self/fd"))) {
            java.io.Console c = System.console();
            return fd == 1 && c != null && c.isTerminal();
        }
        try {
            return isTerminalDevice(Files.readSymbolicLink(link).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Whether the target of a {@code /proc/self/fd} link names a terminal device. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.equals("/dev/tty") || target.equals("/dev/console")
                || target.matches("/dev/tty[A-Za-z]*[0-9]+");
    }
}
