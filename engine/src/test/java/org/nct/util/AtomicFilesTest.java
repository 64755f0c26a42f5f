package org.nct.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void failedWriteLeavesNoTargetAndNoTemporary() throws IOException {
        Path target = dir.resolve("out.bin");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[1000]);
            throw new IOException("interrupted");
        }));
        assertFalse(Files.exists(target));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void finishedFileIsReadableByOthers() throws IOException {
        Path target = dir.resolve("ok.bin");
        AtomicFiles.write(target, new byte[] {7});
        if (target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        }
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
    }

    @Test
    void failedRewriteKeepsTheOldContent() throws IOException {
        Path target = dir.resolve("out.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[] {9, 9});
            throw new IOException("interrupted");
        }));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    }
}
