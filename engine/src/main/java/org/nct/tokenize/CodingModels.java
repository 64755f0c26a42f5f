package org.nct.tokenize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nct.coding.ByteModel;
import org.nct.coding.CodingTask;
import org.nct.coding.StaticUnigramModel;
import org.nct.inference.CodingModel;

/** Where the AC methods get their byte model from: the static unigram model or M1. */
public interface CodingModels {

    /** A fresh model for the calling thread (or the one shared model when not {@link #parallel()}). */
    ByteModel model();

    /** Whether {@link #model()} gives independent models that threads may use at once. */
    boolean parallel();

    /** What identifies the model in shard metadata (and what decoding needs to rebuild it). */
    Map<String, Object> parameters();

    /** Runs independent coding tasks to completion (M1: as one batch of concurrent streams). */
    default void run(List<? extends CodingTask> tasks) {
        ByteModel m = model();
        for (CodingTask t : tasks) CodingTask.run(t, m);
    }

    /** The static byte-unigram model of StaticAC, from byte counts of the training text. */
    static CodingModels staticUnigram(long[] counts, int precision) {
        StaticUnigramModel probe = new StaticUnigramModel(counts, precision); // validates the counts once
        return new CodingModels() {
            @Override
            public ByteModel model() {
                return new StaticUnigramModel(probe.counts(), precision);
            }

            @Override
            public boolean parallel() {
                return true;
            }

            @Override
            public Map<String, Object> parameters() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", "static-unigram");
                m.put("precision", precision);
                m.put("counts", probe.counts());
                return m;
            }
        };
    }

    /** M1: one single-stream model used by one thread at a time, and batched runs of many tasks. */
    static CodingModels m1(CodingModel m1, String path) {
        ByteModel shared = m1.newByteModel();
        return new CodingModels() {
            @Override
            public ByteModel model() {
                return shared;
            }

            @Override
            public boolean parallel() {
                return false;
            }

            @Override
            public void run(List<? extends CodingTask> tasks) {
                m1.run(tasks, tasks.size(), null);
            }

            @Override
            public Map<String, Object> parameters() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", "m1");
                m.put("precision", m1.precision());
                m.put("m1_model_id", m1.idHex());
                m.put("m1_path", path);
                return m;
            }
        };
    }

    /** Any byte model that is safe to share between threads or made per call (tests: small seeded models). */
    static CodingModels of(java.util.function.Supplier<ByteModel> factory, boolean parallel, Map<String, Object> parameters) {
        return new CodingModels() {
            @Override
            public ByteModel model() {
                return factory.get();
            }

            @Override
            public boolean parallel() {
                return parallel;
            }

            @Override
            public Map<String, Object> parameters() {
                return parameters;
            }
        };
    }
}
