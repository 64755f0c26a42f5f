package org.nct.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.nct.InvalidInputException;
import org.nct.coding.IntegerCdf;
import org.nct.inference.CodingModel;
import org.nct.model.Checkpoint;
import org.nct.model.Weights;
import org.nct.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nct export-model}: a training checkpoint's weights alone (no optimizer state, no data
 * position), in IEEE binary16 by default: the form of the bundled {@code models/m1.safetensors}.
 *
 * <p>F16 rather than BF16: M1's weights lie around 1e-3..10, inside F16's normal range (6.1e-5 to
 * 65504), where F16 keeps 11 significant bits (relative error at most 2^-11 ≈ 4.9e-4) and BF16
 * only 8 (2^-8 ≈ 3.9e-3); BF16's wider exponent range buys nothing here. Weights below F16's
 * normal range keep an absolute error under 2^-25 ≈ 3e-8. A weight beyond 65504 is refused.
 *
 * <p>The file is read back after writing: every weight must equal its F16 rounding widened to F32
 * (or its F32 bits), and the model id printed is that of the weights as loaded, the id that .nct
 * files compressed with the exported model record.
 */
@Command(name = "export-model", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a checkpoint's weights alone (no optimizer state) in F16 (default) or F32, e.g. for models/m1.safetensors; "
                + "prints the rounding error, the file's SHA-256 and the model id.")
public final class ExportModelCommand implements Runnable {
    /** Smallest positive normal F16 value, 2^-14. */
    static final float F16_MIN_NORMAL = 0x1p-14f;

    @Option(names = "--in", required = true, paramLabel = "CKPT", description = "checkpoint from nct train") Path in;
    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "weights-only .safetensors to write") Path out;
    @Option(names = {"-f", "--force"}, description = "replace an existing --out file") boolean force;
    @Option(names = "--dtype", defaultValue = "f16", paramLabel = "T", description = "f16 (IEEE binary16, default) or f32") String dtype;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run() {
        String d = dtype.toLowerCase(Locale.ROOT);
        if (!d.equals("f16") && !d.equals("f32")) throw new InvalidInputException("--dtype must be f16 or f32, got " + dtype);
        boolean f16 = d.equals("f16");
        if (!Files.isRegularFile(in)) throw new InvalidInputException("no such checkpoint: " + in);
        try {
            if (Files.exists(out) && Files.isSameFile(in, out)) throw new InvalidInputException("--out " + out + " is the input checkpoint; refusing to overwrite it");
            if (Files.exists(out) && !force) throw new InvalidInputException("--out " + out + " already exists; use -f to overwrite it");
        } catch (IOException e) {
            throw new InvalidInputException("cannot check --out " + out + ": " + e.getMessage());
        }
        Checkpoint ck;
        String sourceSha;
        try {
            ck = Checkpoint.load(in);
            sourceSha = sha256(in);
        } catch (IOException e) {
            throw new InvalidInputException("cannot load " + in + ": " + e.getMessage(), e);
        }
        try (Weights w = ck.weights()) {
            long step = step(ck.metadata());
            ObjectNode from = JSON.createObjectNode().put("file", String.valueOf(in.getFileName())).put("sha256", sourceSha)
                    .put("dtype", f16 ? "F16" : "F32");
            if (step >= 0) from.put("step", step);
            Map<String, String> meta = Map.of(Checkpoint.KEY_EXPORTED_FROM, from.toString());
            try {
                if (f16) {
                    Checkpoint.saveF16(out, w, meta);
                } else {
                    Checkpoint.save(out, w, meta, null, 0);
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage() + "; export with --dtype f32");
            }
            try (Weights back = Checkpoint.loadWeights(out)) {
                Rounding r = compare(w, back, f16);
                long params = w.layout().size();
                System.out.printf(Locale.ROOT, "exported %s%s from %s to %s: %s, %,d bytes, no optimizer state%n", w.config().describe(),
                        step >= 0 ? " at step " + step : "", in, out, f16 ? "F16" : "F32", Files.size(out));
                if (f16) {
                    System.out.printf(Locale.ROOT, "rounding: max |error| %.3g, max relative error %.3g in F16's normal range; "
                                    + "%,d of %,d weights below it (absolute error < 3e-8)%n",
                            r.maxAbs(), r.maxRel(), r.belowNormal(), params);
                }
                System.out.println("file sha256: " + sha256(out));
                if (back.config().vocabSize() == IntegerCdf.SYMBOLS) {
                    System.out.println("model id (P=" + IntegerCdf.DEFAULT_PRECISION + "): "
                            + HexFormat.of().formatHex(CodingModel.id(back, IntegerCdf.DEFAULT_PRECISION)));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot export " + in + " to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Largest absolute and relative (normal range) rounding error, and the count of weights below F16's normal range. */
    record Rounding(double maxAbs, double maxRel, long belowNormal) { }

    /**
     * Checks that every reloaded weight is the original's F16 rounding widened (or, for F32, the
     * same bits) and measures the rounding; a mismatch is an IOException (the file does not hold
     * what was meant).
     */
    static Rounding compare(Weights orig, Weights back, boolean f16) throws IOException {
        double maxAbs = 0, maxRel = 0;
        long below = 0, n = orig.layout().size();
        for (long i = 0; i < n; i++) {
            float a = orig.params().getAtIndex(ValueLayout.JAVA_FLOAT, i), b = back.params().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float want = f16 ? Float.float16ToFloat(Float.floatToFloat16(a)) : a;
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(b)) {
                throw new IOException("weight " + i + " reads back as " + b + ", expected " + want);
            }
            double err = Math.abs((double) a - b);
            maxAbs = Math.max(maxAbs, err);
            if (Math.abs(a) >= F16_MIN_NORMAL) {
                maxRel = Math.max(maxRel, err / Math.abs(a));
            } else if (a != 0) {
                below++;
            }
        }
        return new Rounding(maxAbs, maxRel, below);
    }

    /** The training step recorded in a checkpoint's metadata, or −1. */
    static long step(Map<String, String> meta) {
        String t = meta.get(Trainer.KEY_TRAINING);
        if (t == null) return -1;
        try {
            JsonNode n = JSON.readTree(t);
            return n.path("step").isIntegralNumber() ? n.path("step").asLong() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream s = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int k;
            while ((k = s.read(buf)) > 0) md.update(buf, 0, k);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
