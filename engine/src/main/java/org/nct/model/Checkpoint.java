package org.nct.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nct.kernels.Buffers;
import org.nct.kernels.NumericsProfile;
import org.nct.util.AtomicFiles;

/**
 * Safetensors checkpoints: an 8-byte little-endian header length, a JSON header, then raw
 * little-endian tensors, F32 as training writes them or F16 (IEEE binary16) in a weights-only
 * export ({@link #saveF16}); F16 tensors are widened to F32 exactly at load, so a model's id is
 * that of the widened weights. Model tensors carry their layout names and shapes (PyTorch users can
 * open the file with {@code safetensors}); an optional 1-D tensor {@value #OPTIMIZER_STATE} holds
 * the optimizer's flat state. {@code __metadata__} (string → string) holds {@value #KEY_CONFIG}
 * (the model config as JSON), {@value #KEY_NUMERICS} (the numerics profile id) and whatever the
 * trainer adds (optimizer, data position, step).
 *
 * <p>Loading treats the file as untrusted: the header length is bounded, the JSON must be a
 * well-formed object without duplicate keys, every tensor must be F32 or F16 (the optimizer state
 * F32) with a shape whose byte size equals its offset range, ranges lie inside the file, do not
 * overlap and cover the data section exactly, the model tensors are exactly those the config
 * implies and hold finite values (a checkpoint with NaN or infinite weights would evaluate to NaN).
 * Every violation is an {@link IOException} with a one-line message naming the file and the
 * problem. A checkpoint may also be read from memory ({@link #load(byte[], String)}, the bundled
 * M1's path) with the same checks.
 */
public record Checkpoint(Weights weights, String numericsProfile, Map<String, String> metadata,
                         MemorySegment optimizerState) {

    public static final String KEY_CONFIG = "nct.config";
    public static final String KEY_NUMERICS = "nct.numerics_profile";
    /** Metadata key of a weights-only export's provenance (JSON: source file name, its SHA-256, step, dtype). */
    public static final String KEY_EXPORTED_FROM = "nct.exported_from";
    public static final String OPTIMIZER_STATE = "optimizer.state";
    /** Largest accepted header (the 2b model's header is ~30 KB). */
    public static final long MAX_HEADER_BYTES = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_FLOATS = 1 << 18;

    /** The optimizer state, or null when the file has none. */
    @Override
    public MemorySegment optimizerState() {
        return optimizerState;
    }

    /** Number of floats in the optimizer state (0 when absent). */
    public long optimizerStateSize() {
        return optimizerState == null ? 0 : optimizerState.byteSize() / Float.BYTES;
    }

    /** Saves weights only. */
    public static void save(Path path, Weights w) throws IOException {
        save(path, w, Map.of(), null, 0);
    }

    /**
     * Writes a checkpoint atomically (temp file, fsync, rename). {@code metadata} entries are added
     * to {@code __metadata__} (keys {@value #KEY_CONFIG} and {@value #KEY_NUMERICS} are set here);
     * {@code optimizerState} (may be null) of {@code optimizerFloats} floats is stored as
     * {@value #OPTIMIZER_STATE}.
     */
    public static void save(Path path, Weights w, Map<String, String> metadata, MemorySegment optimizerState,
                            long optimizerFloats) throws IOException {
        write(path, w, metadata, optimizerState, optimizerFloats, false);
    }

    /**
     * Writes the weights alone in IEEE binary16 ({@code F16}), each rounded to the nearest value
     * (ties to even, {@link Float#floatToFloat16}); loading widens them back exactly. A weight
     * whose magnitude rounds beyond F16's largest finite value (65504) is refused with an
     * {@link IllegalArgumentException} naming the tensor and element.
     */
    public static void saveF16(Path path, Weights w, Map<String, String> metadata) throws IOException {
        for (ParameterLayout.Tensor t : w.layout().tensors()) {
            for (long i = 0; i < t.size(); i++) {
                float v = w.params().getAtIndex(ValueLayout.JAVA_FLOAT, t.offset() + i);
                if (Float.isFinite(v) && !Float.isFinite(Float.float16ToFloat(Float.floatToFloat16(v)))) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "' element " + i + " is " + v
                            + ", beyond the F16 range (largest 65504)");
                }
            }
        }
        write(path, w, metadata, null, 0, true);
    }

    private static void write(Path path, Weights w, Map<String, String> metadata, MemorySegment optimizerState,
                              long optimizerFloats, boolean f16) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        meta.put("format", "pt");
        meta.put(KEY_CONFIG, JSON.writeValueAsString(w.config().toJson(JSON)));
        meta.put(KEY_NUMERICS, NumericsProfile.ID);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().equals(KEY_CONFIG) || e.getKey().equals(KEY_NUMERICS) || e.getKey().equals("format")) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved");
            }
            meta.put(e.getKey(), e.getValue());
        }
        long begin = 0;
        for (ParameterLayout.Tensor t : w.layout().tensors()) {
            begin = putTensor(header, t.name(), f16 ? "F16" : "F32", t.shape(), begin, t.size());
        }
        boolean hasOpt = optimizerState != null && optimizerFloats > 0;
        if (hasOpt) {
            if (optimizerFloats > Integer.MAX_VALUE) throw new IllegalArgumentException("optimizer state too large");
            putTensor(header, OPTIMIZER_STATE, "F32", new int[] {(int) optimizerFloats}, begin, optimizerFloats);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7;                 // data section 8-byte aligned, as safetensors does
        byte[] head = new byte[8 + padded];
        java.util.Arrays.fill(head, 8, head.length, (byte) ' ');
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 0; i < 8; i++) head[i] = (byte) ((long) padded >>> (8 * i));
        AtomicFiles.write(path, out -> {
            out.write(head);
            if (f16) {
                writeHalves(out, w.params(), w.layout().size());
            } else {
                writeFloats(out, w.params(), w.layout().size());
            }
            if (hasOpt) writeFloats(out, optimizerState, optimizerFloats);
        });
    }

    private static long putTensor(ObjectNode header, String name, String dtype, int[] shape, long begin, long elements) {
        ObjectNode t = header.putObject(name);
        t.put("dtype", dtype);
        var s = t.putArray("shape");
        for (int d : shape) s.add(d);
        long end = begin + elements * elementBytes(dtype);
        t.putArray("data_offsets").add(begin).add(end);
        return end;
    }

    private static void writeFloats(OutputStream out, MemorySegment src, long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, CHUNK_FLOATS) * Float.BYTES];
        MemorySegment dst = MemorySegment.ofArray(buf);
        for (long i = 0; i < n; i += CHUNK_FLOATS) {
            int c = (int) Math.min(CHUNK_FLOATS, n - i);
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, i * Float.BYTES, dst, LE, 0, c);
            out.write(buf, 0, c * Float.BYTES);
        }
    }

    /** n floats of src as little-endian binary16, each rounded to nearest (ties to even). */
    private static void writeHalves(OutputStream out, MemorySegment src, long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, CHUNK_FLOATS) * 2];
        for (long i = 0; i < n; i += CHUNK_FLOATS) {
            int c = (int) Math.min(CHUNK_FLOATS, n - i);
            for (int j = 0; j < c; j++) {
                short h = Float.floatToFloat16(src.getAtIndex(ValueLayout.JAVA_FLOAT, i + j));
                buf[2 * j] = (byte) h;
                buf[2 * j + 1] = (byte) (h >>> 8);
            }
            out.write(buf, 0, c * 2);
        }
    }

    /** Bytes per element of a dtype this reader accepts: F32 4, F16 2; any other 0. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F32" -> Float.BYTES;
            case "F16" -> 2;
            default -> 0;
        };
    }

    /** Loads weights only (the optimizer state, if any, is validated and dropped). */
    public static Weights loadWeights(Path path) throws IOException {
        return load(path).weights();
    }

    /** Loads weights only from a checkpoint held in memory ({@code name} names it in errors). */
    public static Weights loadWeights(byte[] file, String name) throws IOException {
        return load(file, name).weights();
    }

    /** Reads and validates a checkpoint held in memory, with the checks of {@link #load(Path)}. */
    public static Checkpoint load(byte[] file, String name) throws IOException {
        return parse(MemorySegment.ofArray(file), file.length, "checkpoint " + name);
    }

    /** Reads and validates a checkpoint. */
    public static Checkpoint load(Path path) throws IOException {
        String where = "checkpoint " + path;
        long fileSize;
        try {
            fileSize = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint file");
        }
        if (Files.isDirectory(path)) throw new IOException(where + " is a directory");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena), fileSize, where);
        }
    }

    /** Validates and reads the checkpoint in {@code file} ({@code fileSize} bytes); copies everything it keeps. */
    private static Checkpoint parse(MemorySegment file, long fileSize, String where) throws IOException {
        if (fileSize < 8) throw new IOException(where + ": not a safetensors file (" + fileSize + " bytes, shorter than the 8-byte header length)");
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw new IOException(where + ": header length " + Long.toUnsignedString(headerLen) + " is outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (8 + headerLen > fileSize) throw new IOException(where + ": truncated (header of " + headerLen + " bytes, file of " + fileSize + ")");
        byte[] hb = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(where + ": header is not valid UTF-8");
        }
        JsonNode header;
        try {
            header = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException(where + ": header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject()) throw new IOException(where + ": header is not a JSON object");
        long dataStart = 8 + headerLen, dataSize = fileSize - dataStart;
        Map<String, String> meta = readMetadata(header.get("__metadata__"), where);
        String cfgText = meta.get(KEY_CONFIG);
        if (cfgText == null) throw new IOException(where + ": metadata has no '" + KEY_CONFIG + "' (not an nct checkpoint)");
        ModelConfig cfg;
        try {
            cfg = ModelConfig.fromJson(JSON.readTree(cfgText));
        } catch (JsonProcessingException e) {
            throw new IOException(where + ": model config is not valid JSON");
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": invalid model config: " + e.getMessage());
        }
        ParameterLayout layout = new ParameterLayout(cfg);

        // every tensor entry: dtype, shape, offsets; then coverage of the data section
        record Entry(String name, String dtype, long[] shape, long begin, long end) { }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            if (!t.isObject()) throw new IOException(where + ": tensor '" + name + "' is not a JSON object");
            JsonNode dtype = t.get("dtype");
            if (dtype == null || !dtype.isTextual()) throw new IOException(where + ": tensor '" + name + "' has no dtype");
            int elementBytes = elementBytes(dtype.textValue());
            if (elementBytes == 0) throw new IOException(where + ": tensor '" + name + "' has dtype " + dtype.textValue() + ", expected F32 or F16");
            JsonNode shape = t.get("shape");
            if (shape == null || !shape.isArray() || shape.size() > 8) throw new IOException(where + ": tensor '" + name + "' has no valid shape");
            long[] dims = new long[shape.size()];
            long bytes = elementBytes;
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > fileSize) {
                    throw new IOException(where + ": tensor '" + name + "' has an invalid dimension " + d);
                }
                dims[i] = d.longValue();
                try {
                    bytes = Math.multiplyExact(bytes, dims[i]);
                } catch (ArithmeticException overflow) {
                    bytes = Long.MAX_VALUE;
                }
            }
            JsonNode off = t.get("data_offsets");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                    || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                throw new IOException(where + ": tensor '" + name + "' has no valid data_offsets");
            }
            long b = off.get(0).longValue(), en = off.get(1).longValue();
            if (b < 0 || en < b || en > dataSize) {
                throw new IOException(where + ": tensor '" + name + "' data_offsets [" + b + ", " + en + "] lie outside the data section of " + dataSize + " bytes");
            }
            if (en - b != bytes) {
                throw new IOException(where + ": tensor '" + name + "' occupies " + (en - b) + " bytes but its shape needs " + bytes);
            }
            entries.add(new Entry(name, dtype.textValue(), dims, b, en));
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((x, y) -> Long.compare(x.begin(), y.begin()));
        long pos = 0;
        for (Entry e : sorted) {
            if (e.begin() < pos) throw new IOException(where + ": tensor '" + e.name() + "' overlaps another tensor");
            if (e.begin() > pos) throw new IOException(where + ": gap of " + (e.begin() - pos) + " bytes before tensor '" + e.name() + "'");
            pos = e.end();
        }
        if (pos != dataSize) throw new IOException(where + ": " + (dataSize - pos) + " bytes after the last tensor (file corrupt or truncated)");

        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : entries) byName.put(e.name(), e);
        for (ParameterLayout.Tensor t : layout.tensors()) {
            Entry e = byName.get(t.name());
            if (e == null) throw new IOException(where + ": tensor '" + t.name() + "' is missing");
            boolean same = e.shape().length == t.shape().length;
            for (int i = 0; same && i < t.shape().length; i++) same = e.shape()[i] == t.shape()[i];
            if (!same) throw new IOException(where + ": tensor '" + t.name() + "' has shape " + java.util.Arrays.toString(e.shape())
                    + " but the config needs " + t.shapeString());
        }
        for (Entry e : entries) {
            if (layout.tensor(e.name()) == null && !(e.name().equals(OPTIMIZER_STATE) && e.shape().length == 1)) {
                throw new IOException(where + ": unexpected tensor '" + e.name() + "'");
            }
            if (e.name().equals(OPTIMIZER_STATE) && !e.dtype().equals("F32")) {
                throw new IOException(where + ": tensor '" + OPTIMIZER_STATE + "' has dtype " + e.dtype() + ", expected F32");
            }
        }

        Weights w = Weights.allocate(cfg);
        boolean ok = false;
        try {
            for (ParameterLayout.Tensor t : layout.tensors()) {
                Entry e = byName.get(t.name());
                if (e.dtype().equals("F16")) {
                    widen(file, dataStart + e.begin(), w.params(), t.offset(), t.size());
                } else {
                    MemorySegment.copy(file, LE, dataStart + e.begin(), w.params(), ValueLayout.JAVA_FLOAT, t.offset() * Float.BYTES, t.size());
                }
                long bad = firstNonFinite(w.params(), t.offset(), t.size());
                if (bad >= 0) {
                    float v = w.params().getAtIndex(ValueLayout.JAVA_FLOAT, t.offset() + bad);
                    throw new IOException(where + ": tensor '" + t.name() + "' holds " + v + " at element " + bad
                            + " (the run that wrote it diverged; use an earlier checkpoint)");
                }
            }
            MemorySegment opt = null;
            Entry oe = byName.get(OPTIMIZER_STATE);
            if (oe != null) {
                long n = oe.shape()[0];
                opt = Buffers.floats(Arena.ofAuto(), n);
                MemorySegment.copy(file, LE, dataStart + oe.begin(), opt, ValueLayout.JAVA_FLOAT, 0, n);
            }
            String profile = meta.getOrDefault(KEY_NUMERICS, "");
            ok = true;
            return new Checkpoint(w, profile, Collections.unmodifiableMap(meta), opt);
        } finally {
            if (!ok) w.close();
        }
    }

    /** n little-endian binary16 values at byte {@code at} of src, widened exactly into dst from float {@code off}. */
    private static void widen(MemorySegment src, long at, MemorySegment dst, long off, long n) {
        for (long i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, off + i, Float.float16ToFloat(src.get(HALF_LE, at + 2 * i)));
        }
    }

    /** Index (from {@code off}) of the first NaN or infinite float of n, or −1. */
    private static long firstNonFinite(MemorySegment floats, long off, long n) {
        for (long i = 0; i < n; i++) {
            if (!Float.isFinite(floats.getAtIndex(ValueLayout.JAVA_FLOAT, off + i))) return i;
        }
        return -1;
    }

    private static Map<String, String> readMetadata(JsonNode m, String where) throws IOException {
        if (m == null) throw new IOException(where + ": header has no __metadata__ (not an nct checkpoint)");
        if (!m.isObject()) throw new IOException(where + ": __metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            if (!e.getValue().isTextual()) throw new IOException(where + ": metadata value '" + e.getKey() + "' is not a string");
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }
}
