package org.nct.cli;

import java.util.ArrayList;
import java.util.List;
import org.nct.NctException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nct} command line. Each subcommand is a picocli command class; add new ones to
 * {@link #SUBCOMMANDS}. Commands living in other modules (bench) are added when on the class path.
 *
 * <p>Exit codes, as zstd and gzip: {@value #OK} on success; {@value #ERROR} on any error (a bad or
 * missing option, a missing or unreadable file, a corrupt file or one of another model, a refused
 * overwrite, a failed write); {@value #INTERNAL} for an internal error (a bug: the message names the
 * exception chain). A command over several files goes on after a file fails and exits with
 * {@value #ERROR}.
 */
@Command(name = "nct", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Training language models over neurally compressed text (Lester et al., TMLR 2024).",
        subcommandsRepeatable = false)
public final class Main implements Runnable {

    /** Subcommands in this module, in the order --help lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            InfoCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            ExportModelCommand.class,
            TokenizeCommand.class,
            CodecCommands.Compress.class,
            CodecCommands.Decompress.class,
            CodecCommands.Verify.class,
            ListCommand.class,
            ExperimentCommand.class,
            GenerateCommand.class,
            CompletionCommand.class
    );

    /** Subcommands from other modules, loaded by name when present. */
    static final List<String> OPTIONAL_SUBCOMMANDS = List.of(
            "org.nct.bench.BenchCommand",
            "org.nct.spark.SparkCommand"
    );

    /** Exit code of success. */
    public static final int OK = 0;
    /** Exit code of every error a user can cause, usage errors included. */
    public static final int ERROR = 1;
    /** Exit code of an internal error (EX_SOFTWARE). */
    public static final int INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : SUBCOMMANDS) cl.addSubcommand(c);
        for (String name : OPTIONAL_SUBCOMMANDS) {
            try {
                cl.addSubcommand(Class.forName(name));
            } catch (ClassNotFoundException absent) {
                // module not on the class path (e.g. library use without bench)
            }
        }
        if (!cl.getSubcommands().containsKey("spark")) {
            cl.getCommandSpec().usageMessage().footer("", "  spark       Token shards on Apache Spark (./nct spark --help).");
        }
        cl.setExecutionExceptionHandler(new UserErrors());
        usageErrorsExitWith(cl, ERROR);
        return cl;
    }

    /** Makes a usage error (unknown option, missing argument) exit with {@code code} in every command (picocli's default is 2). */
    static void usageErrorsExitWith(CommandLine cl, int code) {
        cl.getCommandSpec().exitCodeOnInvalidInput(code);
        for (CommandLine sub : cl.getSubcommands().values()) usageErrorsExitWith(sub, code);
    }

    public static void main(String[] args) {
        System.exit(execute(commandLine(), args));
    }

    /**
     * Runs a command line; an {@link OutOfMemoryError} (input too large for the heap, or a size
     * read from a file that no check bounded) becomes a one-line error and exit code 1, like any
     * other failure, with the trace only under NCT_DEBUG=1.
     */
    static int execute(CommandLine cl, String[] args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(e, cl.getErr());
        }
    }

    static int outOfMemory(OutOfMemoryError e, java.io.PrintWriter err) {
        if (System.getenv("NCT_DEBUG") != null) e.printStackTrace();
        err.println("nct: error: out of memory (" + (e.getMessage() == null ? "no detail" : e.getMessage())
                + "); the input or a size it declares is too large for this heap (raise -Xmx through NCT_JAVA_OPTS)");
        err.flush();
        return 1;
    }

    /**
     * Turns exceptions into one-line messages: user mistakes (the engine's {@link NctException}s, bad
     * arguments, missing files) never print a stack trace. Settings the engine names by parameter
     * appear as the command's options ({@link OptionNames}). Set NCT_DEBUG=1 to see traces.
     */
    static final class UserErrors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult pr) {
            String msg = OptionNames.message(ex, cl.getCommandSpec());
            if (System.getenv("NCT_DEBUG") != null) ex.printStackTrace();
            cl.getErr().println("nct " + cl.getCommandName() + ": error: " + msg);
            if (ex instanceof NctException) return ERROR;
            if (ex instanceof java.io.IOException || ex instanceof IllegalArgumentException
                    || ex instanceof IllegalStateException) return ERROR;
            List<String> chain = new ArrayList<>();
            for (Throwable t = ex; t != null; t = t.getCause()) chain.add(t.getClass().getName());
            cl.getErr().println("nct: internal error (" + String.join(" <- ", chain) + "); rerun with NCT_DEBUG=1 for details");
            return INTERNAL;
        }
    }
}
