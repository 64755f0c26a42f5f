package org.nct.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;
import org.nct.tokenize.Methods;
import org.nct.tokenize.Tokenizer;

/**
 * The tokenizer of a job, built once per executor JVM and shared by its tasks. M1 is loaded once
 * per JVM from the checkpoint that the driver shipped with {@code SparkContext.addFile}, and must
 * have the model id that the driver recorded; its kernels use the executor's cores, and tasks take
 * turns on it (its batched run is synchronized), each turn a batch of examples.
 */
final class ExecutorTokenizers {
    private ExecutorTokenizers() { }

    private static final ConcurrentHashMap<String, Tokenizer> CACHE = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How an executor rebuilds the driver's tokenizer: its parameters (as shard metadata records
     * them), the SentencePiece model bytes (spm), the file name M1 was shipped under (ac,
     * eqinfo-ac), M1's kernel threads.
     */
    record Recipe(String key, String parameters, byte[] spmModel, String m1FileName, Integer threads) implements Serializable {
        static Recipe of(Tokenizer tok, byte[] spmModel, String m1FileName, Integer threads) {
            try {
                String p = JSON.writeValueAsString(tok.parameters());
                return new Recipe(threads + "|" + p, p, spmModel, m1FileName, threads);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Makes {@code tok} the tokenizer of {@code r} in this JVM (the driver: in local mode tasks then reuse the driver's M1). */
    static void seed(Recipe r, Tokenizer tok) {
        CACHE.put(r.key(), tok);
    }

    /** The tokenizer of {@code r}, built on first use in this JVM. */
    static Tokenizer get(Recipe r) {
        return CACHE.computeIfAbsent(r.key(), k -> build(r));
    }

    private static Tokenizer build(Recipe r) {
        try {
            JsonNode p = JSON.readTree(r.parameters());
            Path spm = null;
            if (r.spmModel() != null) {
                spm = Files.createTempFile("nct-spm-", ".model");
                spm.toFile().deleteOnExit();
                Files.write(spm, r.spmModel());
            }
            Path m1 = r.m1FileName() == null ? null : Path.of(SparkFiles.get(r.m1FileName()));
            return Methods.fromParameters(p, "spark tokenize job", spm, m1, r.threads());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
