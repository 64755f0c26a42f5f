package org.nct.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.nct.InvalidInputException;
import org.nct.coding.IntegerCdf;
import org.nct.data.Documents;
import org.nct.data.JoinedText;
import org.nct.data.Split;
import org.nct.tokenize.ArithmeticTokenizer;
import org.nct.tokenize.CodingModels;
import org.nct.tokenize.Method;
import org.nct.tokenize.Methods;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.Shard;
import org.nct.tokenize.TokenPacking;
import org.nct.tokenize.Tokenizer;
import scala.Tuple2;

/**
 * {@code nct tokenize} on Apache Spark: the same token shard, token for token and byte for byte,
 * built by a cluster.
 *
 * <p>The stream and its examples are defined as in {@code nct tokenize}: the documents of the
 * split, file by file in {@link HadoopFiles#list} order and line by line within a file, each
 * followed by the separator, joined into one byte stream that is cut into examples of
 * {@code exampleBytes} (the last one shorter). Spark computes that without any task seeing the
 * whole stream:
 * <ol>
 *   <li><b>read</b> (one task per file): the file's kept documents, joined, cut into chunks of
 *       {@link #CHUNK} bytes (chunk k of a file starts at byte k·CHUNK of the file's text);</li>
 *   <li><b>offsets</b> (driver): each file's text length; their prefix sum is where each file
 *       starts in the stream, so every chunk knows its global byte offset;</li>
 *   <li><b>assemble</b> (shuffle): chunks are cut at example boundaries into slices keyed by
 *       global offset, and sent to part {@code (offset / exampleBytes) / examplesPerPart}, sorted
 *       by offset: each part receives exactly its examples' bytes, in order;</li>
 *   <li><b>code</b> (one task per part): the part's examples go through {@link Shard#build} with
 *       the executor's tokenizer (M1 loaded once per JVM) into a part shard, copied to
 *       {@code .<name>.spark-tmp/parts/.part-NNNNN.attempt-A} beside {@code out} and renamed to
 *       {@code part-NNNNN};</li>
 *   <li><b>merge</b> (driver): the parts' token files are concatenated, their example tables
 *       rebased, and {@code metadata.json} written from the merged totals by the same code as
 *       {@code nct tokenize}; the finished directory is renamed to {@code out}.</li>
 * </ol>
 * The number of Spark partitions, executors or task attempts changes none of this: each file is
 * read by one task, offsets are prefix sums, parts are fixed ranges of example indices, and every method codes
 * an example independently of the others in its batch (the numerics profile). A task that fails and
 * is re-run writes the same bytes under a new temporary name; only a complete part is ever renamed
 * into place, and only a complete shard into {@code out}. With {@code merge} off, {@code out} holds
 * the part shards (each a valid shard) and a {@code manifest.json}, for corpora too large to pass
 * through one machine.
 */
public final class SparkTokenize {
    private SparkTokenize() { }

    /** Bytes per chunk of a file's joined text (the unit of the read stage's output). */
    static final int CHUNK = 1 << 20;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Piece {@code seq} of the joined text of file {@code file}; the last piece of a file carries the file's document count. */
    record Chunk(int file, int seq, byte[] bytes, int documents) implements Serializable { }

    /** What a part task reports to the driver. */
    record PartResult(int part, long examples, long tokens, long padding, long bytes, long sourceBytes, int maxTokens, int attempt) implements Serializable { }

    /** What a run built; {@code retried}: parts whose successful task was not the first attempt. */
    public record Result(String method, Shard.Totals totals, int parts, int retried, int files, long documents, String out) { }

    /**
     * Runs {@code job} on {@code sc}. A user mistake found by a task (bad JSON at file:line, a
     * truncated gzip file, a wrong M1) comes back as that {@link InvalidInputException}, not as Spark's
     * report of a failed stage.
     */
    public static Result run(JavaSparkContext sc, TokenizeJob job) throws IOException {
        try {
            return runJob(sc, job);
        } catch (Exception e) { // Spark's SparkException is checked but undeclared (Scala)
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidInputException u) throw u;
            }
            if (e instanceof IOException io) throw io;
            if (e instanceof RuntimeException re) throw re;
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Result runJob(JavaSparkContext sc, TokenizeJob job) throws IOException {
        if (job.exampleBytes() < 1) throw new InvalidInputException("--example-bytes must be positive, got " + job.exampleBytes());
        if (job.seq() < 0) throw new InvalidInputException("--seq must be 0 or positive, got " + job.seq());
        if (job.examplesPerPart() < 1) throw new InvalidInputException("--examples-per-part must be positive, got " + job.examplesPerPart());
        Split.checkFraction(job.validationFraction());
        Split split = Split.parse(job.split());
        Configuration hconf = sc.hadoopConfiguration();
        HadoopFiles.Conf conf = HadoopFiles.Conf.of(hconf);
        Path out = new Path(job.out());
        FileSystem outFs = HadoopFiles.fs(out, hconf);
        out = outFs.makeQualified(out);
        if (outFs.exists(out) && !job.force()) throw new InvalidInputException("output " + job.out() + " exists; remove it or pass --force");
        Path staging = new Path(out.getParent(), "." + out.getName() + ".spark-tmp");
        if (outFs.exists(staging)) outFs.delete(staging, true); // left by a run that died: never part of an output

        List<String> files = HadoopFiles.list(job.data(), hconf);
        JavaRDD<Chunk> chunks = read(sc, files, split, job, conf).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // offsets: each file's text length and documents, in file order
            Map<Integer, long[]> perFile = chunks
                    .mapToPair(c -> new Tuple2<>(c.file(), new long[] {c.bytes().length, c.documents()}))
                    .reduceByKey((a, b) -> new long[] {a[0] + b[0], a[1] + b[1]})
                    .collectAsMap();
            long[] fileStart = new long[files.size() + 1];
            long documents = 0;
            for (int f = 0; f < files.size(); f++) {
                long[] v = perFile.get(f);
                fileStart[f + 1] = fileStart[f] + (v == null ? 0 : v[0]);
                documents += v == null ? 0 : v[1];
            }
            long total = fileStart[files.size()];
            if (documents == 0) {
                throw new InvalidInputException("no documents in the " + split + " split of " + job.data()
                        + (split == Split.ALL ? "" : " (validation fraction " + job.validationFraction() + ")"));
            }
            String source = "paths=" + describePaths(job.data()) + " split=" + split + " validation-fraction=" + job.validationFraction()
                    + " separator=" + JoinedText.escape(job.separator()) + " documents=" + documents + " bytes=" + total;

            Integer threads = job.threads() != null ? job.threads() : executorCores(sc);
            Tokenizer tok = driverTokenizer(sc, job, split, chunks, files, conf, threads);
            byte[] spm = tok instanceof SentencePieceTokenizer s ? s.model().serialize() : null;
            String m1Name = job.m1() != null && tok.parameters().get("m1_model_id") != null ? shipM1(sc, job.m1()) : null;
            ExecutorTokenizers.Recipe recipe = ExecutorTokenizers.Recipe.of(tok, spm, m1Name, threads);
            ExecutorTokenizers.seed(recipe, tok);

            // assemble and code
            int length = job.exampleBytes();
            JavaPairRDD<Long, byte[]> slices = chunks.flatMapToPair(c -> slices(c, fileStart[c.file()], length).iterator());
            Coded c = code(slices, total, job, source, tok, recipe, spm, outFs, out, staging);
            return new Result(tok.name(), c.totals(), c.parts(), c.retried(), files.size(), documents, out.toString());
        } finally {
            chunks.unpersist(false);
            if (outFs.exists(staging)) outFs.delete(staging, true);
        }
    }

    /**
     * Ships the M1 checkpoint {@code m1} (any Hadoop path) to the executors once per context;
     * returns the name to fetch it by ({@code SparkFiles.get}). Executors check its model id on load.
     */
    static String shipM1(JavaSparkContext sc, String m1) {
        String name = new Path(m1).getName();
        boolean added = scala.jdk.javaapi.CollectionConverters.asJava(sc.sc().listFiles()).stream().anyMatch(f -> f.endsWith("/" + name));
        if (!added) sc.addFile(m1);
        return name;
    }

    /** What {@link #code} built: the totals, the number of parts, how many of them were retried. */
    record Coded(Shard.Totals totals, int parts, int retried) { }

    /**
     * Stages assemble, code and merge: {@code slices} (global byte offset, bytes) of a stream of
     * {@code total} bytes become the shard {@code out} (or its parts and manifest), by way of
     * {@code staging}, which this call creates and removes.
     */
    static Coded code(JavaPairRDD<Long, byte[]> slices, long total, TokenizeJob job, String source, Tokenizer tok,
                      ExecutorTokenizers.Recipe recipe, byte[] spm, FileSystem outFs, Path out, Path staging) throws IOException {
        int length = job.exampleBytes();
        long examples = (total + length - 1) / length;
        int parts = Math.toIntExact((examples + job.examplesPerPart() - 1) / job.examplesPerPart());
        Path partsDir = new Path(staging, "parts");
        outFs.mkdirs(partsDir);
        try {
            String partsUri = partsDir.toString();
            HadoopFiles.Conf conf = HadoopFiles.Conf.of(outFs.getConf());
            List<PartResult> results = new ArrayList<>(slices
                    .repartitionAndSortWithinPartitions(new PartPartitioner(parts, length, job.examplesPerPart()))
                    .mapPartitionsWithIndex((p, it) -> List.of(codePart(p, it, job, total, source, recipe, partsUri, conf)).iterator(), true)
                    .collect());
            results.sort(Comparator.comparingInt(PartResult::part));
            if (results.size() != parts) throw new IllegalStateException("expected " + parts + " parts, got " + results.size());

            Shard.Totals totals = totals(results);
            Shard.Spec spec = new Shard.Spec(tok, length, job.seq(), source, 1);
            Path done;
            if (job.merge()) {
                done = new Path(staging, "shard");
                merge(outFs, partsDir, done, results, tok, spec, totals, spm);
            } else {
                done = partsDir;
                writeManifest(outFs, partsDir, results, tok, spec, totals);
            }
            if (outFs.exists(out)) outFs.delete(out, true);
            if (!outFs.rename(done, out)) throw new IOException("cannot rename " + done + " to " + out);
            int retried = (int) results.stream().filter(r -> r.attempt() > 0).count();
            return new Coded(totals, parts, retried);
        } finally {
            if (outFs.exists(staging)) outFs.delete(staging, true);
        }
    }

    /** The data paths as {@code nct tokenize} describes them (a list of local paths), so that both write the same metadata. */
    private static String describePaths(List<String> data) {
        List<String> d = new ArrayList<>();
        for (String s : data) d.add(s.contains(":") ? s : java.nio.file.Path.of(s).toString());
        return d.toString();
    }

    /**
     * M1's kernel threads on an executor: N of local[N], else spark.executor.cores; null when that
     * is not set (the executor then uses its processors, or -Dnct.threads).
     */
    private static Integer executorCores(JavaSparkContext sc) {
        if (sc.master().startsWith("local")) return Math.max(1, sc.defaultParallelism());
        return sc.getConf().contains("spark.executor.cores") ? sc.getConf().getInt("spark.executor.cores", 1) : null;
    }

    /** The read stage: the chunks of every file's kept documents, one task per file. */
    static JavaRDD<Chunk> read(JavaSparkContext sc, List<String> files, Split split, TokenizeJob job, HadoopFiles.Conf conf) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) idx.add(i);
        byte[] sep = job.separator();
        double fraction = job.validationFraction();
        return sc.parallelize(idx, Math.max(1, files.size())).flatMap(f -> ChunkStream.of(
                sink -> readFile(f, files.get(f), split, fraction, sep, conf, sink), "nct-read-" + f));
    }

    /** Gives {@code sink} the chunks of one file's kept documents, in order, as the file is read. */
    static void readFile(int file, String name, Split split, double fraction, byte[] sep, HadoopFiles.Conf conf,
                         java.util.function.Consumer<Chunk> sink) throws IOException {
        Path p = new Path(name);
        FileSystem fs = HadoopFiles.fs(p, conf.get());
        ByteArrayOutputStream buf = new ByteArrayOutputStream(CHUNK + (1 << 16));
        int[] counts = {0, 0}; // documents, chunks
        Documents.read(p.getName(), name, fs.open(p), doc -> {
            if (!split.contains(doc, fraction)) return;
            counts[0]++;
            buf.writeBytes(doc);
            buf.writeBytes(sep);
            if (buf.size() >= CHUNK) {
                byte[] all = buf.toByteArray();
                int at = 0;
                for (; all.length - at >= CHUNK; at += CHUNK) sink.accept(new Chunk(file, counts[1]++, Arrays.copyOfRange(all, at, at + CHUNK), 0));
                buf.reset();
                buf.write(all, at, all.length - at);
            }
        });
        sink.accept(new Chunk(file, counts[1], buf.toByteArray(), counts[0]));
    }

    /** A chunk cut at example boundaries: (global offset, bytes) slices, none crossing an example boundary. */
    static List<Tuple2<Long, byte[]>> slices(Chunk c, long fileStart, int length) {
        List<Tuple2<Long, byte[]>> out = new ArrayList<>();
        long g = fileStart + (long) c.seq() * CHUNK;
        byte[] b = c.bytes();
        int at = 0;
        while (at < b.length) {
            long pos = g + at;
            int n = (int) Math.min(b.length - at, length - pos % length);
            out.add(new Tuple2<>(pos, Arrays.copyOfRange(b, at, at + n)));
            at += n;
        }
        return out;
    }

    /** Sends a slice (keyed by its global byte offset) to the part of its example. */
    static final class PartPartitioner extends Partitioner {
        private final int parts, length, perPart;

        PartPartitioner(int parts, int length, int perPart) {
            this.parts = parts;
            this.length = length;
            this.perPart = perPart;
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            return Math.toIntExact((Long) key / length / perPart);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PartPartitioner p && p.parts == parts && p.length == length && p.perPart == perPart;
        }

        @Override
        public int hashCode() {
            return (parts * 31 + length) * 31 + perPart;
        }
    }

    /** The tokenizer, built on the driver as {@code nct tokenize} builds it (spm and static-ac learn from the training split). */
    private static Tokenizer driverTokenizer(JavaSparkContext sc, TokenizeJob job, Split split, JavaRDD<Chunk> chunks,
                                             List<String> files, HadoopFiles.Conf conf, Integer threads) throws IOException {
        Method m = Method.of(job.method() == null ? "" : job.method(), job.vocab(), job.bits());
        JavaRDD<Chunk> training = split == Split.TRAIN ? chunks : null;
        if (m.kind() == Method.Kind.STATIC_AC) {
            JavaRDD<Chunk> t = training != null ? training : read(sc, files, Split.TRAIN, job, conf);
            long[] counts = t.map(c -> count(c.bytes())).fold(new long[256], SparkTokenize::add);
            for (int i = 0; i < counts.length; i++) counts[i] = Math.min(counts[i], 1L << 40); // as StaticUnigramModel.count
            int precision = job.precision() == null ? IntegerCdf.DEFAULT_PRECISION : job.precision();
            int bits = TokenPacking.bitsOfVocab(m.vocab());
            return new ArithmeticTokenizer("static-ac", bits, CodingModels.staticUnigram(counts, precision));
        }
        java.nio.file.Path spmModel = job.spmModel() == null ? null : local(job.spmModel(), conf);
        java.nio.file.Path m1 = job.m1() == null ? null : local(job.m1(), conf);
        return Methods.create(m, new Methods.Setup(job.rule(), m1, spmModel, job.precision(), threads), () -> {
            JavaRDD<Chunk> t = training != null ? training : read(sc, files, Split.TRAIN, job, conf);
            // the training text in stream order: chunks sorted by (file, seq)
            List<byte[]> ordered = t.mapToPair(c -> new Tuple2<>(((long) c.file() << 32) | c.seq(), c.bytes())).sortByKey().values().collect();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] b : ordered) all.writeBytes(b);
            return all.toByteArray();
        });
    }

    private static long[] count(byte[] b) {
        long[] c = new long[256];
        for (byte x : b) c[x & 0xFF]++;
        return c;
    }

    private static long[] add(long[] a, long[] b) {
        long[] c = new long[256];
        for (int i = 0; i < 256; i++) c[i] = a[i] + b[i];
        return c;
    }

    /** A local copy of a file on any Hadoop file system (a local path is used as it is, so shard metadata names it as given). */
    private static java.nio.file.Path local(String name, HadoopFiles.Conf conf) throws IOException {
        Path p = new Path(name);
        if (p.toUri().getScheme() == null) return java.nio.file.Path.of(name);
        if ("file".equals(p.toUri().getScheme())) return java.nio.file.Path.of(p.toUri());
        java.nio.file.Path tmp = Files.createTempFile("nct-", "-" + p.getName());
        tmp.toFile().deleteOnExit();
        try (InputStream in = HadoopFiles.fs(p, conf.get()).open(p)) {
            Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }

    /** The code stage for one part: its examples, assembled from their slices, into a part shard. */
    private static PartResult codePart(int part, Iterator<Tuple2<Long, byte[]>> slices, TokenizeJob job, long total, String source,
                                       ExecutorTokenizers.Recipe recipe, String partsUri, HadoopFiles.Conf conf) throws IOException {
        int length = job.exampleBytes();
        long first = (long) part * job.examplesPerPart();
        long start = first * length, end = Math.min(total, (first + job.examplesPerPart()) * length);
        byte[] text = new byte[Math.toIntExact(end - start)];
        int have = 0;
        while (slices.hasNext()) {
            Tuple2<Long, byte[]> s = slices.next();
            if (s._1() != start + have || have + s._2().length > text.length) {
                throw new IllegalStateException("part " + part + ": slice at byte " + s._1() + " where byte " + (start + have) + " was expected");
            }
            System.arraycopy(s._2(), 0, text, have, s._2().length);
            have += s._2().length;
        }
        if (have != text.length) throw new IllegalStateException("part " + part + ": " + have + " of " + text.length + " bytes arrived");
        List<byte[]> examples = Shard.cut(text, length); // start is a multiple of length: the same examples as cutting the whole stream

        Tokenizer tok = ExecutorTokenizers.get(recipe);
        Map<String, byte[]> extra = recipe.spmModel() == null ? Map.of() : Map.of(Shard.SPM_MODEL, recipe.spmModel());
        java.nio.file.Path local = Files.createTempDirectory("nct-part-");
        try {
            java.nio.file.Path shard = local.resolve("shard");
            Shard.Totals t = Shard.build(examples, new Shard.Spec(tok, length, job.seq(), source + " part=" + part, 1), shard, false, extra);
            publish(part, shard, new Path(partsUri), job, conf);
            TaskContext ctx = TaskContext.get();
            return new PartResult(part, t.examples(), t.tokens(), t.padding(), t.bytes(), t.sourceBytes(), t.maxTokens(),
                    ctx == null ? 0 : ctx.attemptNumber());
        } finally {
            deleteLocal(local);
        }
    }

    static String partName(int part) {
        return String.format(Locale.ROOT, "part-%05d", part);
    }

    /** Copies a local part shard to {@code parts/.part-NNNNN.attempt-A}, then renames it to {@code parts/part-NNNNN}. */
    private static void publish(int part, java.nio.file.Path shard, Path parts, TokenizeJob job, HadoopFiles.Conf conf) throws IOException {
        FileSystem fs = HadoopFiles.fs(parts, conf.get());
        TaskContext ctx = TaskContext.get();
        long attempt = ctx == null ? 0 : ctx.taskAttemptId();
        Path tmp = new Path(parts, "." + partName(part) + ".attempt-" + attempt);
        if (fs.exists(tmp)) fs.delete(tmp, true);
        fs.mkdirs(tmp);
        try (Stream<java.nio.file.Path> s = Files.list(shard)) {
            for (java.nio.file.Path f : s.sorted().toList()) fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(tmp, f.getFileName().toString()));
        }
        if (job.failPartOnce() == part && ctx != null && ctx.attemptNumber() == 0) {
            throw new IllegalStateException("injected failure of part " + part + " (attempt 0), after writing " + tmp);
        }
        Path target = new Path(parts, partName(part));
        if (fs.exists(target) || !fs.rename(tmp, target)) {
            // another attempt of this part finished first; it wrote the same bytes
            if (!fs.exists(target)) throw new IOException("cannot rename " + tmp + " to " + target);
            fs.delete(tmp, true);
        }
        // two attempts racing past the check: HDFS moves the second directory into the first
        Path nested = new Path(target, tmp.getName());
        if (fs.exists(nested)) fs.delete(nested, true);
    }

    private static void deleteLocal(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> s = Files.walk(dir)) {
            for (java.nio.file.Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    private static Shard.Totals totals(List<PartResult> results) {
        long examples = 0, tokens = 0, padding = 0, bytes = 0, source = 0;
        int max = 0;
        for (PartResult r : results) {
            examples += r.examples();
            tokens += r.tokens();
            padding += r.padding();
            bytes += r.bytes();
            source += r.sourceBytes();
            max = Math.max(max, r.maxTokens());
        }
        return new Shard.Totals(examples, tokens, padding, bytes, source, max);
    }

    /** One shard from the parts: tokens concatenated, example tables rebased to global token offsets, metadata last. */
    private static void merge(FileSystem fs, Path parts, Path dir, List<PartResult> results, Tokenizer tok, Shard.Spec spec,
                              Shard.Totals totals, byte[] spm) throws IOException {
        fs.mkdirs(dir);
        if (spm != null) write(fs, new Path(dir, Shard.SPM_MODEL), spm);
        CRC32C tokCrc = new CRC32C(), exCrc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (OutputStream tokOut = fs.create(new Path(dir, Shard.TOKENS), false);
             OutputStream exOut = fs.create(new Path(dir, Shard.EXAMPLES), false)) {
            long base = 0;
            for (PartResult r : results) {
                Path p = new Path(parts, partName(r.part()));
                try (InputStream in = fs.open(new Path(p, Shard.TOKENS))) {
                    long n = 0;
                    for (int k; (k = in.read(buf)) > 0; n += k) {
                        tokOut.write(buf, 0, k);
                        tokCrc.update(buf, 0, k);
                    }
                    if (n != r.tokens() * 2) throw new IOException(p + ": " + n + " token bytes, expected " + r.tokens() * 2);
                }
                byte[] table;
                try (InputStream in = fs.open(new Path(p, Shard.EXAMPLES))) {
                    table = in.readAllBytes();
                }
                if (table.length != r.examples() * Shard.RECORD) throw new IOException(p + ": example table of " + table.length + " bytes");
                ByteBuffer bb = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at < table.length; at += Shard.RECORD) bb.putLong(at, bb.getLong(at) + base);
                exOut.write(table);
                exCrc.update(table);
                base += r.tokens();
            }
        }
        write(fs, new Path(dir, Shard.METADATA), Shard.metadata(tok, spec, totals, tokCrc.getValue(), exCrc.getValue()));
    }

    /** Without merging: {@code manifest.json} beside the part shards, with the merged totals and each part's example range. */
    private static void writeManifest(FileSystem fs, Path parts, List<PartResult> results, Tokenizer tok, Shard.Spec spec,
                                      Shard.Totals totals) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "nct-token-shard-parts");
        m.put("version", Shard.FORMAT);
        m.put("method", tok.name());
        m.put("parameters", tok.parameters());
        m.put("vocab_size", tok.vocabSize());
        m.put("example_bytes", spec.exampleBytes());
        m.put("seq", spec.seq());
        m.put("example_tokens", spec.seq() > 0 ? spec.capacity() : totals.maxTokens());
        m.put("examples", totals.examples());
        m.put("tokens", totals.tokens());
        m.put("padding_tokens", totals.padding());
        m.put("bytes", totals.bytes());
        m.put("source_bytes", totals.sourceBytes());
        m.put("compression_ratio", totals.ratio());
        m.put("source", spec.source());
        List<Map<String, Object>> list = new ArrayList<>();
        long first = 0;
        for (PartResult r : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dir", partName(r.part()));
            e.put("first_example", first);
            e.put("examples", r.examples());
            e.put("tokens", r.tokens());
            list.add(e);
            first += r.examples();
        }
        m.put("parts", list);
        write(fs, new Path(parts, "manifest.json"), JSON.writeValueAsBytes(m));
    }

    private static void write(FileSystem fs, Path p, byte[] content) throws IOException {
        try (FSDataOutputStream o = fs.create(p, false)) {
            o.write(content);
        }
    }
}
