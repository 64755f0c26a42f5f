package org.nct.bench.parallel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nct.kernels.Backends;
import org.nct.kernels.Buffers;
import org.nct.kernels.Kernels;
import org.nct.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of {@link Parallel}'s hand-off: {@code handoff} is one {@code forRange} with one chunk
 * per thread, each chunk burning {@code work} JMH CPU tokens. With no work the caller usually
 * claims every chunk before a worker wakes (the cost of a call); with 2,000 tokens (about 3 µs) a
 * woken worker takes its chunk, so the time above one chunk's is the hand-off. {@code matmul3m} the sixteen
 * matrix products of one step of the {@code 3m} model (3 layers of d=256, MLP 1024, 256-way
 * output) for {@code rows} positions — 16 rows is one step of 16 coding streams, where the
 * hand-off is a visible share of the time. Threads: {@code -Dnct.threads} (default: all cores).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'bench/target/classes:bench/target/lib/*' \
 *     org.openjdk.jmh.Main ParallelBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ParallelBenchmark {

    @State(Scope.Benchmark)
    public static class Pool {
        @Param({"0", "2000"}) public long work;
        Parallel pool;
        final long[] sink = new long[64 * 8];
        final Parallel.Range body = (from, to, w) -> {
            Blackhole.consumeCPU(work);
            sink[w * 8] += to - from;
        };

        @Setup
        public void setUp() {
            pool = new Parallel(Backends.defaultThreads());
        }

        @TearDown
        public void tearDown() {
            pool.close();
        }
    }

    @Benchmark
    public long handoff(Pool s) {
        s.pool.forRange(s.pool.threads(), s.body);
        return s.sink[0];
    }

    @State(Scope.Benchmark)
    public static class Model {
        static final int D = 256, MLP = 1024, LAYERS = 3, VOCAB = 256;
        @Param({"16", "256"}) public int rows;
        Kernels k;
        Arena arena;
        MemorySegment x, y, wQkv, wOut, wGate, wUp, wDown, wLogits;

        static MemorySegment random(Arena arena, long n, long seed) {
            MemorySegment s = Buffers.floats(arena, n);
            SplittableRandom r = new SplittableRandom(seed);
            for (long i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (0.1 * (2 * r.nextDouble() - 1)));
            return s;
        }

        @Setup
        public void setUp() {
            k = Backends.create();
            arena = Arena.ofShared();
            x = random(arena, (long) rows * MLP, 1);
            y = random(arena, (long) rows * 3 * MLP, 2);
            wQkv = random(arena, 3L * D * D, 3);
            wOut = random(arena, (long) D * D, 4);
            wGate = random(arena, (long) MLP * D, 5);
            wUp = random(arena, (long) MLP * D, 6);
            wDown = random(arena, (long) D * MLP, 7);
            wLogits = random(arena, (long) VOCAB * D, 8);
        }

        @TearDown
        public void tearDown() throws Exception {
            k.close();
            arena.close();
        }
    }

    @Benchmark
    public MemorySegment matmul3m(Model s) {
        Kernels k = s.k;
        int m = s.rows, d = Model.D, f = Model.MLP;
        for (int l = 0; l < Model.LAYERS; l++) {
            k.matmulFixedWeights(s.y, 0, s.x, 0, s.wQkv, 0, null, 0, m, d, 3 * d, false);   // (m,3d) = (m,d)·(3d,d)ᵀ
            k.matmulFixedWeights(s.x, 0, s.y, 0, s.wOut, 0, null, 0, m, d, d, false);       // (m,d)
            k.matmulFixedWeights(s.y, 0, s.x, 0, s.wGate, 0, null, 0, m, d, f, false);      // (m,f)
            k.matmulFixedWeights(s.y, (long) m * f, s.x, 0, s.wUp, 0, null, 0, m, d, f, false);
            k.matmulFixedWeights(s.x, 0, s.y, 0, s.wDown, 0, null, 0, m, f, d, false);      // (m,d)
        }
        k.matmulFixedWeights(s.y, 0, s.x, 0, s.wLogits, 0, null, 0, m, d, Model.VOCAB, false);
        return s.y;
    }
}
