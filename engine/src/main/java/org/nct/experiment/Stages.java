package org.nct.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nct.util.AtomicFiles;

/**
 * Runs the experiment's stages with resumption. Each stage owns the directory
 * {@code root/NAME} (names may contain '/', e.g. {@code m2/bytes/tiny}) and is described by its
 * inputs: a JSON object of its settings and the output hashes of the stages it reads. The stage
 * records a manifest ({@code stage.json}: the hash of its inputs, the SHA-256 of its outputs, the
 * time it took) when it completes. On the next run a stage is skipped when its manifest exists,
 * its input hash matches and its output files are all there with their recorded sizes. A stage
 * whose inputs changed starts over in an empty directory; one that was interrupted with the same
 * inputs (the directory holds {@code inputs.sha256} but no manifest) runs again with
 * {@code resume = true}, so that a trainer can continue from its last checkpoint. Forcing a stage
 * ({@code Experiment.Options.force}) redoes it and every stage below it ({@code m2} forces all {@code m2/...} stages).
 * Because downstream inputs contain upstream output hashes, a redone stage whose output did not
 * change leaves the later stages alone.
 */
public final class Stages {

    static final String MANIFEST = "stage.json";
    static final String INPUTS = "inputs.sha256";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.INDENT_OUTPUT, true);

    /** The work of one stage: write its outputs into {@code dir}. */
    public interface Body {
        void run(Path dir, boolean resume) throws IOException;
    }

    /** What a stage did: its hashes, its files, how long it took, whether this run skipped it. */
    public record Record(String name, String inputHash, String outputHash, double seconds, String finished,
                         long outputBytes, boolean skipped) { }

    private final Path root;
    private final Set<String> force;
    private final Consumer<String> log;
    private final List<Record> records = new ArrayList<>();

    public Stages(Path root, Set<String> force, Consumer<String> log) {
        this.root = root;
        this.force = new LinkedHashSet<>(force);
        this.log = log;
    }

    /** The stages run or skipped so far, in order. */
    public List<Record> records() {
        return List.copyOf(records);
    }

    /** Whether the forced stages name this stage or a group above it. */
    boolean forced(String name) {
        for (String f : force) if (name.equals(f) || name.startsWith(f + "/")) return true;
        return false;
    }

    /** The directory of a stage. */
    public Path dir(String name) {
        return root.resolve(name);
    }

    /** Runs {@code body} unless the stage is complete for these inputs; returns its record. */
    public Record run(String name, JsonNode inputs, Body body) throws IOException {
        Path dir = dir(name);
        ObjectNode described = JSON.createObjectNode();
        described.put("stage", name);
        described.set("inputs", inputs);
        String inputHash = sha256(JSON.writeValueAsBytes(described));
        boolean forced = forced(name);
        Record done = forced ? null : completed(dir, inputHash);
        if (done != null) {
            log.accept("stage " + name + ": up to date (skipped; took " + Report.seconds(done.seconds()) + " when run)");
            Record r = new Record(name, inputHash, done.outputHash(), done.seconds(), done.finished(), done.outputBytes(), true);
            records.add(r);
            return r;
        }
        boolean resume = !forced && Files.isRegularFile(dir.resolve(INPUTS))
                && inputHash.equals(Files.readString(dir.resolve(INPUTS)).trim());
        if (!resume) deleteTree(dir);
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(MANIFEST));
        AtomicFiles.write(dir.resolve(INPUTS), (inputHash + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("inputs.json"), JSON.writeValueAsBytes(described));
        log.accept("stage " + name + ": " + (resume ? "resuming" : forced ? "forced, running" : "running"));
        long t0 = System.nanoTime();
        body.run(dir, resume);
        double secs = (System.nanoTime() - t0) / 1e9;
        TreeMap<String, Long> files = outputFiles(dir);
        String outputHash = hashFiles(dir, files);
        long total = 0;
        for (long s : files.values()) total += s;
        ObjectNode m = JSON.createObjectNode();
        m.put("stage", name).put("input_sha256", inputHash).put("output_sha256", outputHash)
                .put("seconds", secs).put("finished", Instant.now().toString()).put("output_bytes", total);
        ObjectNode f = m.putObject("files");
        files.forEach(f::put);
        AtomicFiles.write(dir.resolve(MANIFEST), JSON.writeValueAsBytes(m));
        log.accept("stage " + name + ": done in " + Report.seconds(secs));
        Record r = new Record(name, inputHash, outputHash, secs, m.get("finished").asText(), total, false);
        records.add(r);
        return r;
    }

    /** The recorded stage when its manifest matches {@code inputHash} and its files are intact. */
    private static Record completed(Path dir, String inputHash) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) return null;
        JsonNode m;
        try {
            m = JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            return null; // unreadable manifest: redo the stage
        }
        if (!inputHash.equals(m.path("input_sha256").asText())) return null;
        JsonNode files = m.path("files");
        if (!files.isObject()) return null;
        for (var it = files.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            Path p = dir.resolve(e.getKey());
            if (!Files.isRegularFile(p) || Files.size(p) != e.getValue().asLong(-1)) return null;
        }
        return new Record(m.path("stage").asText(), inputHash, m.path("output_sha256").asText(),
                m.path("seconds").asDouble(), m.path("finished").asText(), m.path("output_bytes").asLong(), true);
    }

    /** The output files of a stage (relative path → size), without its bookkeeping files. */
    static TreeMap<String, Long> outputFiles(Path dir) throws IOException {
        TreeMap<String, Long> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                // temporary files and directories of an interrupted atomic write are not outputs
                if (rel.equals(MANIFEST) || rel.equals(INPUTS) || rel.equals("inputs.json") || rel.contains(".tmp-")) continue;
                files.put(rel, Files.size(p));
            }
        }
        return files;
    }

    /** SHA-256 over every file's relative path, size and content, in path order. */
    static String hashFiles(Path dir, TreeMap<String, Long> files) throws IOException {
        MessageDigest all = digest();
        byte[] buf = new byte[1 << 16];
        for (var e : files.entrySet()) {
            all.update((e.getKey() + "\0" + e.getValue() + "\0").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(dir.resolve(e.getKey()))) {
                int n;
                while ((n = in.read(buf)) > 0) all.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(all.digest());
    }

    /** Reads a completed stage's manifest (for the report), or null. */
    public static JsonNode manifest(Path dir) {
        try {
            Path m = dir.resolve(MANIFEST);
            return Files.isRegularFile(m) ? JSON.readTree(m.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(digest().digest(data));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
