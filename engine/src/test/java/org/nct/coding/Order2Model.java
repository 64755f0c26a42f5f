package org.nct.coding;

import java.util.HashMap;
import java.util.Map;

/**
 * The toy model of {@code eqinfo_sim.py}, ported operation for operation (same doubles, same
 * truncations, same argmax): an interpolated order-2 byte model counted on training text, quantized
 * to 2^16 with a floor of one count per byte.
 */
final class Order2Model implements ByteModel {
    static final int N = 256, T = 1 << 16;
    private final long[] c0 = new long[N];
    private final long tot0;
    private final Map<Integer, long[]> c1 = new HashMap<>();
    private final Map<Integer, long[]> c2 = new HashMap<>();
    private final Map<Integer, int[]> cache = new HashMap<>();
    private int ctx;      // last two bytes, key form
    private int ctxLen;   // 0, 1 or 2 (capped)

    Order2Model(byte[] train) {
        long t = 0;
        for (int i = 0; i < train.length; i++) {
            int s = train[i] & 0xFF;
            c0[s]++;
            t++;
            if (i >= 1) c1.computeIfAbsent(train[i - 1] & 0xFF, k -> new long[N])[s]++;
            if (i >= 2) c2.computeIfAbsent(((train[i - 2] & 0xFF) << 8) | (train[i - 1] & 0xFF), k -> new long[N])[s]++;
        }
        tot0 = t;
    }

    private double[] mix(double[] p, long[] cnt) {
        long tot = 0;
        for (long c : cnt) tot += c;
        double lam = (double) tot / (tot + 5);
        for (int s = 0; s < N; s++) p[s] = (1 - lam) * p[s] + lam * cnt[s] / tot;
        return p;
    }

    private int[] table(int len, int key) {
        int cacheKey = len == 0 ? -1 : len == 1 ? (1 << 20) | (key & 0xFF) : key;
        return cache.computeIfAbsent(cacheKey, k -> {
            double[] p = new double[N];
            for (int s = 0; s < N; s++) p[s] = (c0[s] + 0.01) / (tot0 + 0.01 * N);
            if (len >= 1 && c1.containsKey(key & 0xFF)) mix(p, c1.get(key & 0xFF));
            if (len >= 2 && c2.containsKey(key)) mix(p, c2.get(key));
            int[] f = new int[N];
            long sum = 0;
            int arg = 0;
            for (int s = 0; s < N; s++) {
                f[s] = 1 + (int) (p[s] * (T - N));
                sum += f[s];
                if (p[s] > p[arg]) arg = s;
            }
            f[arg] += (int) (T - sum);
            int[] cum = new int[N + 1];
            for (int s = 0; s < N; s++) cum[s + 1] = cum[s] + f[s];
            return cum;
        });
    }

    @Override
    public int precision() {
        return 16;
    }

    @Override
    public void reset() {
        ctx = 0;
        ctxLen = 0;
    }

    @Override
    public void cdf(int[] cum) {
        System.arraycopy(table(ctxLen, ctx & 0xFFFF), 0, cum, 0, N + 1);
    }

    @Override
    public void accept(int symbol) {
        ctx = (ctx << 8) | symbol;
        ctxLen = Math.min(2, ctxLen + 1);
    }
}
