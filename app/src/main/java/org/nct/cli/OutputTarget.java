package org.nct.cli;

import org.nct.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nct.util.AtomicFiles;
import org.nct.util.Terminal;
import picocli.CommandLine.Option;

/**
 * Where the inputs of {@code compress} and {@code decompress} go, as zstd and gzip do it: default
 * names ({@code FILE} → {@code FILE.nct} and back), {@code -c}, {@code -o}, {@code -f}, {@code --rm},
 * and the refusals: an output that is the input or the model, an existing output without
 * {@code -f}, compressed data to a terminal, a decompress input without the {@code .nct} suffix.
 * Files are written atomically ({@link AtomicFiles}: a temporary file, synced, then renamed; removed
 * on SIGTERM); standard output through its file descriptor, so that a full disk or a closed pipe
 * is an error.
 */
public final class OutputTarget {
    private OutputTarget() { }

    /** The suffix of compressed files. */
    public static final String SUFFIX = ".nct";
    /** Standard input as an input, standard output as an output. */
    public static final String STDIO = "-";

    /** Which way the data go. */
    public enum Direction { COMPRESS, DECOMPRESS }

    /** The output options of {@code compress} and {@code decompress} (a picocli mixin). */
    public static final class Options {
        @Option(names = {"-c", "--stdout"}, description = "write to standard output (decompress: several inputs one after another)")
        public boolean stdout;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE (one input only; - is standard output)")
        public String output;
        @Option(names = {"-f", "--force"}, description = "overwrite existing outputs; compress: write to a terminal")
        public boolean force;
        @Option(names = "--rm", description = "remove each input once its output file is complete and synced (default: keep it)")
        public boolean remove;
        @Option(names = {"-q", "--quiet"}, description = "print no summary and no progress bar, only errors")
        public boolean quiet;
        @Option(names = {"-v", "--verbose"}, description = "also print the model id, the mode and the time of each file")
        public boolean verbose;
    }

    /** nct's loggers (the kernel backend's start-up line); held here so that a level set on it stays set. */
    private static final java.util.logging.Logger NCT_LOG = java.util.logging.Logger.getLogger("nct");

    /** -q: nct's informational log lines (such as the kernel backend chosen) are not printed either. */
    public static void quietLogs(Options o) {
        if (o.quiet) NCT_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** One input and its output ({@link #STDIO} for standard input or output). */
    public record Job(String in, String out) {
        public boolean fromStdin() {
            return in.equals(STDIO);
        }

        public boolean toStdout() {
            return out.equals(STDIO);
        }

        /** How the output is named in messages. */
        public String outName() {
            return toStdout() ? "(stdout)" : out;
        }

        /** How the input is named in messages. */
        public String inName() {
            return fromStdin() ? "(stdin)" : in;
        }
    }

    /**
     * The inputs of one command after the checks that concern them together: none means standard
     * input; {@code -c} and {@code -o} exclude each other; {@code -o} takes one input; compressing
     * several inputs to standard output would join .nct files into one that cannot be decoded; and
     * standard input cannot be combined with files (it reads like the old {@code IN OUT} form).
     */
    public static List<String> inputs(List<String> files, Direction d, Options o) {
        List<String> in = files == null || files.isEmpty() ? List.of(STDIO) : List.copyOf(files);
        if (o.stdout && o.output != null) throw new InvalidInputException("-c and -o exclude each other");
        if (o.quiet && o.verbose) throw new InvalidInputException("-q and -v exclude each other");
        if (in.size() > 1 && in.contains(STDIO)) {
            throw new InvalidInputException("- (standard input) cannot be combined with other inputs; to write to standard output use -c");
        }
        if (in.size() > 1 && o.output != null) {
            throw new InvalidInputException("-o names one output, but " + in.size() + " inputs were given (without -o each gets its default name)");
        }
        if (in.size() > 1 && o.stdout && d == Direction.COMPRESS) {
            throw new InvalidInputException("-c with several inputs would join their .nct files into one that cannot be decompressed; compress them one at a time");
        }
        if (in.size() == 2 && d == Direction.COMPRESS && Files.exists(Path.of(in.get(0))) && !Files.exists(Path.of(in.get(1)))) {
            throw new InvalidInputException("no such file: " + in.get(1) + " (to name the output, use -o " + in.get(1) + ")");
        }
        if (in.size() == 2 && d == Direction.DECOMPRESS && in.get(0).endsWith(SUFFIX) && !in.get(1).endsWith(SUFFIX)) {
            throw new InvalidInputException(in.get(1) + " does not end in " + SUFFIX + " (to name the output, use -o " + in.get(1) + ")");
        }
        return in;
    }

    /** The output of input {@code in}: -c, -o, or the default name. */
    public static Job job(String in, Direction d, Options o) {
        if (o.stdout) return new Job(in, STDIO);
        if (o.output != null) return new Job(in, o.output);
        if (in.equals(STDIO)) return new Job(in, STDIO);
        if (d == Direction.COMPRESS) {
            if (in.endsWith(SUFFIX)) throw new InvalidInputException(in + " already ends in " + SUFFIX + "; name the output with -o, or use -c");
            return new Job(in, in + SUFFIX);
        }
        Path name = Path.of(in).getFileName();
        if (!in.endsWith(SUFFIX) || name == null || name.toString().length() == SUFFIX.length()) {
            throw new InvalidInputException(in + ": unknown suffix (expected " + SUFFIX + "); name the output with -o, or use -c");
        }
        return new Job(in, in.substring(0, in.length() - SUFFIX.length()));
    }

    /**
     * The checks made before any work: the input exists and is not a directory (nor, for
     * decompress, a terminal); the output is not the input or the model (compared as files,
     * through links and relative paths; refused even with -f), not a directory, not an existing
     * file without -f, and, for compress, not a terminal without -f.
     */
    public static void check(Job j, Direction d, Options o, Path model) {
        if (j.fromStdin()) {
            if (d == Direction.DECOMPRESS && Terminal.stdin()) throw new InvalidInputException("refusing to read compressed data from a terminal");
        } else {
            Path p = Path.of(j.in());
            if (Files.isDirectory(p)) throw new InvalidInputException(j.in() + " is a directory");
            if (!Files.exists(p)) throw new InvalidInputException("no such file: " + j.in());
        }
        if (j.toStdout()) {
            if (d == Direction.COMPRESS && !o.force && Terminal.stdout()) {
                throw new InvalidInputException("refusing to write compressed data to a terminal (use -o FILE, redirect, or -f)");
            }
            return;
        }
        Path out = Path.of(j.out());
        if (!Files.exists(out)) return;
        try {
            if (!j.fromStdin() && Files.isSameFile(out, Path.of(j.in()))) {
                throw new InvalidInputException("output " + j.out() + " is the input file; refusing to overwrite it");
            }
            if (model != null && Files.exists(model) && Files.isSameFile(out, model)) {
                throw new InvalidInputException("output " + j.out() + " is the model file; refusing to overwrite it");
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot check output " + j.out() + ": " + e.getMessage());
        }
        if (Files.isDirectory(out)) throw new InvalidInputException("output " + j.out() + " is a directory");
        if (!o.force) throw new InvalidInputException(j.out() + " already exists; use -f to overwrite it");
    }

    /** Runs {@link #check} on every job; returns the messages of those that fail (empty: all pass). */
    public static List<String> checkAll(List<Job> jobs, Direction d, Options o, Path model) {
        List<String> errors = new ArrayList<>();
        for (Job j : jobs) {
            try {
                check(j, d, o, model);
            } catch (InvalidInputException e) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    /** Opens an input (standard input for {@link #STDIO}), buffered. */
    public static InputStream open(String in) throws IOException {
        if (in.equals(STDIO)) return new BufferedInputStream(System.in, 1 << 16);
        Path p = Path.of(in);
        if (Files.isDirectory(p)) throw new InvalidInputException(in + " is a directory");
        try {
            return new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("no such file: " + in);
        }
    }

    /**
     * Writes the job's output: to standard output, or atomically to its file (an existing file is
     * replaced only with -f, and never one that appeared while writing). With {@code --rm}, the
     * input file is removed after the output file is complete, synced and renamed into place;
     * never when either side is a standard stream.
     *
     * @return whether the input was removed
     */
    public static boolean write(Job j, Options o, AtomicFiles.Writer writer) throws IOException {
        if (j.toStdout()) {
            OutputStream out = new BufferedOutputStream(new StdoutStream(), 1 << 16);
            try {
                writer.write(out);
                out.flush();
            } catch (StdoutError e) {
                throw new InvalidInputException("cannot write to standard output: " + e.getMessage());
            }
            return false;
        }
        try {
            AtomicFiles.write(Path.of(j.out()), writer, o.force);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException(j.out() + " already exists; use -f to overwrite it");
        }
        if (o.remove && !j.fromStdin()) {
            Files.delete(Path.of(j.in()));
            return true;
        }
        return false;
    }

    /** Prints a line on standard output; an output error (full disk, closed pipe) is an error, not a silent loss. */
    public static void printLine(String line) {
        System.out.println(line);
        if (System.out.checkError()) throw new InvalidInputException("cannot write to standard output");
    }

    /**
     * Refuses to replace an existing output of another command ({@code train --out},
     * {@code tokenize --out}, {@code --json}) unless {@code force}.
     */
    public static void refuseExisting(Path out, boolean force, String option) {
        if (out != null && !force && Files.exists(out)) {
            throw new InvalidInputException(option + " " + out + " already exists; use -f to overwrite it");
        }
    }

    /** A failed write to standard output (as opposed to an error reading the input). */
    static final class StdoutError extends IOException {
        StdoutError(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Standard output through its file descriptor: every write error is a {@link StdoutError}. */
    static final class StdoutStream extends OutputStream {
        private final FileOutputStream fd = new FileOutputStream(FileDescriptor.out);

        @Override
        public void write(int b) throws IOException {
            try {
                fd.write(b);
            } catch (IOException e) {
                throw new StdoutError(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                fd.write(b, off, len);
            } catch (IOException e) {
                throw new StdoutError(e);
            }
        }
    }
}
