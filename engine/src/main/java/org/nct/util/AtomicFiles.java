package org.nct.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader never sees a half-written one: data go to a temporary file in the
 * same directory, which is fsynced and then renamed over the target. An interrupted write leaves
 * at most a {@code .tmp-*} file, never a target that looks complete, and a process ended by a
 * signal that runs shutdown hooks (SIGTERM, SIGINT) removes its temporary files.
 */
public final class AtomicFiles {
    private AtomicFiles() { }

    /** Temporary files being written now; a shutdown hook (SIGTERM, SIGINT, exit) removes them. */
    private static final java.util.Set<Path> PENDING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::removePending, "nct-temp-cleanup"));
    }

    /** Deletes the temporary files of writes that have not finished (run at shutdown). */
    static void removePending() {
        for (Path p : PENDING) {
            try {
                if (Files.isDirectory(p)) {
                    try (java.util.stream.Stream<Path> s = Files.walk(p)) {
                        for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
                    }
                } else {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | RuntimeException ignored) {
                // best effort while the JVM goes down
            }
        }
    }

    /**
     * Registers a temporary file or directory to be removed if the process ends before
     * {@link #release} (for writers that manage their own temporaries, such as shard builds).
     */
    public static void track(Path tmp) {
        PENDING.add(tmp.toAbsolutePath());
    }

    public static void release(Path tmp) {
        PENDING.remove(tmp.toAbsolutePath());
    }

    /** Something that writes the whole content to a stream. */
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code target} atomically with the content produced by {@code writer}, replacing it if it exists. */
    public static void write(Path target, Writer writer) throws IOException {
        write(target, writer, true);
    }

    /**
     * Writes {@code target} atomically; with {@code replace} false an existing target is never
     * replaced, not even one created while the content was being written: the finished temporary
     * file is hard-linked to the target (which fails if the target exists) and then unlinked.
     * Where the file system has no hard links, the target's existence is checked just before the
     * rename instead.
     *
     * @throws java.nio.file.FileAlreadyExistsException when {@code replace} is false and the target exists
     */
    public static void write(Path target, Writer writer, boolean replace) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".tmp-", "");
        track(tmp);
        boolean ok = false;
        try {
            makeReadable(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            if (replace) {
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                moveNoReplace(tmp, abs);
            }
            fsyncDirectory(dir);
            ok = true;
        } finally {
            try {
                if (!ok) Files.deleteIfExists(tmp);
            } finally {
                release(tmp);
            }
        }
    }

    /** Renames {@code tmp} to {@code target} unless the target exists (then FileAlreadyExistsException). */
    private static void moveNoReplace(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException noLinks) {
            Files.move(tmp, target);           // fails with FileAlreadyExistsException if the target exists
            return;
        }
        Files.delete(tmp);
    }

    /** Writes bytes atomically. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /** createTempFile makes 0600 files; a finished output gets the usual rw-r--r--. */
    private static void makeReadable(Path p) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static void fsyncDirectory(Path dir) {
        if (dir == null) return;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every file system lets a directory be opened; the rename itself is atomic
        }
    }
}
