package org.nct.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nct.InvalidInputException;
import org.nct.container.NctFormatException;
import org.nct.container.NctSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nct list FILE...} (also {@code nct decompress --list} and {@code nct info FILE...}): what
 * each .nct file holds, read from its header, frame tables and trailer ({@link NctSummary}),
 * without a model and without decoding.
 */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what .nct files hold: original and compressed sizes, ratio, mode and model id (no model needed, nothing decoded).")
public final class ListCommand implements Callable<Integer> {
    @Option(names = {"-v", "--verbose"}, description = "one block of lines per file: format version, full model id, CDF precision, blocks")
    boolean verbose;
    @Parameters(arity = "1..*", paramLabel = "FILE") List<String> files;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        return print(files, verbose, spec);
    }

    /** The table (or, verbose, the blocks) of the given files on stdout; unreadable files are reported; 1 when any was. */
    public static int print(List<String> files, boolean verbose, CommandSpec spec) {
        if (files.isEmpty()) throw new InvalidInputException("no file to list (standard input cannot be listed)");
        List<NctSummary> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int failed = 0;
        for (String f : files) {
            try {
                rows.add(summary(f));
                names.add(f);
            } catch (InvalidInputException e) {
                CodecCommands.report(spec, e);
                failed++;
            }
        }
        if (verbose) {
            for (int i = 0; i < rows.size(); i++) {
                NctSummary s = rows.get(i);
                OutputTarget.printLine(names.get(i));
                OutputTarget.printLine("  format      .nct version " + s.version());
                OutputTarget.printLine("  model       " + s.modelIdHex() + " (CDF precision " + s.precision() + ")");
                OutputTarget.printLine("  mode        " + s.mode() + ", " + s.blocks() + " blocks of up to " + s.blockSize() + " bytes");
                OutputTarget.printLine("  original    " + s.rawLength() + " bytes");
                OutputTarget.printLine(String.format(Locale.ROOT, "  compressed  %d bytes (ratio %.3f, %.3f bits/byte)", s.fileLength(), s.ratio(),
                        8.0 * s.fileLength() / Math.max(1, s.rawLength())));
            }
        } else if (!rows.isEmpty()) {
            OutputTarget.printLine(String.format(Locale.ROOT, "%12s %12s %7s  %-18s %-16s  %s", "original", "compressed", "ratio", "mode", "model", "file"));
            long raw = 0, packed = 0;
            for (int i = 0; i < rows.size(); i++) {
                NctSummary s = rows.get(i);
                OutputTarget.printLine(String.format(Locale.ROOT, "%12d %12d %7.3f  %-18s %-16s  %s", s.rawLength(), s.fileLength(), s.ratio(),
                        s.mode(), s.modelIdHex().substring(0, 16), names.get(i)));
                raw += s.rawLength();
                packed += s.fileLength();
            }
            if (rows.size() > 1) {
                OutputTarget.printLine(String.format(Locale.ROOT, "%12d %12d %7.3f  %-18s %-16s  %d files", raw, packed,
                        raw / (double) Math.max(1, packed), "", "", rows.size()));
            }
        }
        return failed == 0 ? 0 : 1;
    }

    static NctSummary summary(String f) {
        if (f.equals(OutputTarget.STDIO)) throw new InvalidInputException("standard input cannot be listed; give a file");
        Path p = Path.of(f);
        if (Files.isDirectory(p)) throw new InvalidInputException(f + " is a directory");
        try {
            return NctSummary.read(p);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("no such file: " + f);
        } catch (NctFormatException e) {
            throw new InvalidInputException(f + ": " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
