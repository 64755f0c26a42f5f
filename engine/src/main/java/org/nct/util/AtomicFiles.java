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
 * at most a {@code .tmp-*} file, never a target that looks complete.
 */
public final class AtomicFiles {
    private AtomicFiles() { }

    /** Something that writes the whole content to a stream. */
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code target} atomically with the content produced by {@code writer}. */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".tmp-", "");
        boolean ok = false;
        try {
            makeReadable(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            fsyncDirectory(dir);
            ok = true;
        } finally {
            if (!ok) Files.deleteIfExists(tmp);
        }
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
