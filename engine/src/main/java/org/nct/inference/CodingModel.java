package org.nct.inference;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.ByteModel;
import org.nct.coding.CodingTask;
import org.nct.coding.IntegerCdf;
import org.nct.coding.KnownContextTask;
import org.nct.kernels.Kernels;
import org.nct.kernels.NumericsProfile;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;

/**
 * M1 as the probability model of the coders: weights, kernels and CDF precision, with the model id
 * that .nct files and datasets record. A context (block or window) starts with the token
 * {@link #START} at position 0; its logits give the first byte's CDF.
 *
 * <p>The id is SHA-256 over: "nct-m1-coding-v1", the config JSON, the parameters as little-endian
 * fp32, {@link NumericsProfile#ID}, {@link IntegerCdf#ID}, the precision and the start token. Any
 * change that could change a CDF changes the id.
 */
public final class CodingModel implements AutoCloseable {
    /** The context-start token: '\n', the byte that precedes documents in M1's training stream. */
    public static final int START = '\n';

    private final Weights weights;
    private final Kernels kernels;
    private final int precision;
    private final byte[] id;

    public CodingModel(Weights weights, Kernels kernels, int precision) {
        if (weights.config().vocabSize() != IntegerCdf.SYMBOLS) {
            throw new IllegalArgumentException("M1 must have a 256-byte vocabulary, this model has " + weights.config().vocabSize());
        }
        this.weights = weights;
        this.kernels = kernels;
        this.precision = IntegerCdf.checkPrecision(precision);
        this.id = id(weights, this.precision);
    }

    /** Loads a checkpoint written by {@code nct train}. */
    public static CodingModel load(Path checkpoint, Kernels kernels, int precision) throws IOException {
        return new CodingModel(Checkpoint.loadWeights(checkpoint), kernels, precision);
    }

    /** The model id of these weights at CDF precision {@code precision} (see the class comment); needs no kernels. */
    public static byte[] id(Weights weights, int precision) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("nct-m1-coding-v1\0".getBytes(StandardCharsets.US_ASCII));
            sha.update(weights.config().toJson(new com.fasterxml.jackson.databind.ObjectMapper()).toString().getBytes(StandardCharsets.UTF_8));
            MemorySegment p = weights.params();
            long n = weights.layout().size();
            byte[] chunk = new byte[1 << 16];
            for (long off = 0; off < n * Float.BYTES; off += chunk.length) {
                int len = (int) Math.min(chunk.length, n * Float.BYTES - off);
                MemorySegment.copy(p, ValueLayout.JAVA_BYTE, off, chunk, 0, len);
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                    for (int i = 0; i + 3 < len; i += 4) {
                        byte t = chunk[i]; chunk[i] = chunk[i + 3]; chunk[i + 3] = t;
                        t = chunk[i + 1]; chunk[i + 1] = chunk[i + 2]; chunk[i + 2] = t;
                    }
                }
                sha.update(chunk, 0, len);
            }
            sha.update(("\0" + NumericsProfile.ID + "\0" + IntegerCdf.ID + "\0P=" + IntegerCdf.checkPrecision(precision) + "\0start=" + START)
                    .getBytes(StandardCharsets.US_ASCII));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The most bytes of KV cache one {@link #run} may hold (property {@code nct.coding.cacheBytes},
     * default 1 GiB): streams are limited so that every slot fits even when all its contexts grow
     * to the longest a task allows (a run of well-predicted bytes can fill a window of thousands of
     * bytes; {@code CodingTask.maxContext}). The default settings of {@code nct compress} need
     * far less (64 × 1 KiB window blocks or 32 × 2 KiB AC blocks: about 0.4 GB with a 3m M1).
     * The streams never change a coded bit, only the speed.
     */
    static long cacheBudget() {
        return Math.max(1, Long.getLong("nct.coding.cacheBytes", 1L << 30));
    }

    /** The property that selects the drivers' pipelined mode: {@code auto} (default), {@code on} or {@code off}. */
    public static final String OVERLAP_PROPERTY = "nct.coding.overlap";

    /**
     * Whether {@link #run} overlaps the coders' host work with the model step (property
     * {@value #OVERLAP_PROPERTY}): {@code on}, {@code off}, or {@code auto} (the default), which
     * is on exactly when the kernels are not {@link Kernels#hostResident() host-resident} (a GPU:
     * the coders run on a host thread while the step runs on the device). On the CPU the model
     * step already uses every core, so overlap only adds a thread and halves the rows of each
     * batch-driver step; {@code on} is there to test it. The mode never changes a coded bit, only the speed.
     */
    static boolean overlap(Kernels kernels) {
        String v = System.getProperty(OVERLAP_PROPERTY, "auto").trim();
        return switch (v) {
            case "auto" -> !kernels.hostResident();
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(OVERLAP_PROPERTY + " must be auto, on or off, got '" + v + "'");
        };
    }

    /** Worst-case cache bytes of one slot for contexts of up to maxContext positions. */
    long cacheBytesPerSlot(int maxContext) {
        var c = weights.config();
        return ((long) maxContext + 15 & ~15L) * c.numLayers() * 2L * c.attnDim() * Float.BYTES;
    }

    /** The longest context a decoder may hold (and the bound of tasks that state none). */
    static final int UNBOUNDED = IncrementalM1.MAX_POSITIONS;

    /** Rows per prefill step: enough for the GEMMs to run at full speed, little memory. */
    static final int PREFILL_ROWS = 512;

    private static boolean allKnownContext(List<? extends CodingTask> tasks) {
        for (CodingTask t : tasks) if (!(t instanceof KnownContextTask)) return false;
        return true;
    }

    public byte[] id() {
        return id.clone();
    }

    public String idHex() {
        return HexFormat.of().formatHex(id);
    }

    public int precision() {
        return precision;
    }

    public Weights weights() {
        return weights;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** A single-stream {@link ByteModel} (one model step per CDF). Not thread-safe. */
    public ByteModel newByteModel() {
        return new M1ByteModel(new IncrementalM1(weights, kernels, 1), precision);
    }

    /**
     * Runs the tasks as a batch of up to {@code streams} concurrent streams, pipelined or not
     * ({@link #overlap}; in the pipelined mode the streams take turns in two groups). Calls are serialized
     * on the kernels, not on this model: the kernels' thread pool and scratch serve one batch at a
     * time, and coding models of other precisions (or other weights) may share the same kernels.
     */
    public void run(List<? extends CodingTask> tasks, int streams, LongConsumer progress) {
        if (tasks.isEmpty()) return;
        long bound = 1;
        for (CodingTask t : tasks) bound = Math.max(bound, t.maxContext());
        run(tasks, streams, (int) Math.min(bound, UNBOUNDED), progress);
    }

    /**
     * {@link #run} with contexts of at most {@code maxContext} model positions (a block's length
     * plus the start token): the KV caches never grow past streams × that.
     */
    public void run(List<? extends CodingTask> tasks, int streams, int maxContext, LongConsumer progress) {
        if (tasks.isEmpty()) return;
        synchronized (kernels) {
            runLocked(tasks, streams, maxContext, progress);
        }
    }

    private void runLocked(List<? extends CodingTask> tasks, int streams, int maxContext, LongConsumer progress) {
        boolean overlap = overlap(kernels);
        if (allKnownContext(tasks)) {
            @SuppressWarnings("unchecked") List<? extends KnownContextTask> known = (List<? extends KnownContextTask>) tasks;
            int longest = 0;
            for (KnownContextTask t : known) longest = Math.max(longest, t.length());
            try (IncrementalM1 m1 = new IncrementalM1(weights, kernels, 1, Math.min(maxContext, longest + 1), PREFILL_ROWS);
                 PrefillDriver driver = new PrefillDriver(m1, precision, overlap)) {
                driver.run(known, progress);
            }
            return;
        }
        BatchDriver driver = null;
        // a task that states no bound (maxContext) does not shrink the batch: its cache grows as it needs
        long perSlot = maxContext >= UNBOUNDED ? 0 : cacheBytesPerSlot(maxContext);
        int slots = (int) Math.max(1, Math.min(Math.min(streams, tasks.size()), perSlot == 0 ? Integer.MAX_VALUE : cacheBudget() / perSlot));
        try (IncrementalM1 m1 = new IncrementalM1(weights, kernels, slots + 1, maxContext)) {
            driver = new BatchDriver(m1, kernels.pool(), precision, overlap);
            driver.run(tasks, progress);
        } finally {
            if (driver != null) driver.close();
        }
    }

    @Override
    public void close() {
        weights.close();
    }

    /** One stream of M1 behind the ByteModel interface. */
    static final class M1ByteModel implements ByteModel {
        private final IncrementalM1 m1;
        private final int precision;
        private final float[] logits = new float[IntegerCdf.SYMBOLS];
        private final int[] slot = {0}, token = {START}, position = {0};
        private final int[] cached = new int[IntegerCdf.SYMBOLS + 1];
        private boolean fresh;

        M1ByteModel(IncrementalM1 m1, int precision) {
            this.m1 = m1;
            this.precision = precision;
        }

        @Override
        public int precision() {
            return precision;
        }

        @Override
        public void reset() {
            token[0] = START;
            position[0] = 0;
            fresh = false;
        }

        @Override
        public void cdf(int[] cum) {
            if (!fresh) {
                m1.step(1, slot, token, position, logits);
                IntegerCdf.fromLogits(logits, 0, precision, cached);
                position[0]++;
                fresh = true;
            }
            System.arraycopy(cached, 0, cum, 0, cached.length);
        }

        @Override
        public void accept(int symbol) {
            if (!fresh) throw new IllegalStateException("accept without a CDF for the current context");
            token[0] = symbol;
            fresh = false;
        }
    }
}
