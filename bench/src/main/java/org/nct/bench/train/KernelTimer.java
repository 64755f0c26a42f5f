package org.nct.bench.train;

import org.nct.kernels.Kernels;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Kernels} that forwards every call to another backend and adds up the wall time and the
 * number of calls per kernel method (for {@code nct bench train --profile}). A benchmark tool, not
 * a hot path: it uses a reflective proxy.
 */
final class KernelTimer implements InvocationHandler {

    private final Kernels target;
    private final Map<String, long[]> totals = new TreeMap<>();   // name -> {nanos, calls}
    private boolean enabled;

    private KernelTimer(Kernels target) {
        this.target = target;
    }

    static KernelTimer wrap(Kernels target) {
        return new KernelTimer(target);
    }

    Kernels kernels() {
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class}, this);
    }

    /** Starts (or stops) counting; calls while disabled are forwarded but not counted. */
    void enable(boolean on) {
        enabled = on;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        long t0 = System.nanoTime();
        Object r;
        try {
            r = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        long dt = System.nanoTime() - t0;   // before the row's key is built
        if (enabled && method.getDeclaringClass() == Kernels.class && !method.isDefault()) {
            long[] t = totals.computeIfAbsent(key(method, args), n -> new long[2]);
            t[0] += dt;
            t[1]++;
        }
        return r;
    }

    /**
     * The row a call is counted in: the method name; for the three GEMM forms also the shape
     * (M×K×N, and "+=" when it accumulates), since their costs differ by shape.
     */
    private static String key(Method method, Object[] args) {
        String name = method.getName();
        if (!name.startsWith("matmul") || args == null || args.length < 4) return name;
        int n = args.length;
        return name + " " + args[n - 4] + "x" + args[n - 3] + "x" + args[n - 2] + (Boolean.TRUE.equals(args[n - 1]) ? " +=" : "");
    }

    /** Lines of a table: kernel, calls per step, ms per step, share of the step, largest first. */
    List<String> table(int steps, double stepMs) {
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(totals.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "  %-38s %10s %12s %8s", "kernel", "calls/step", "ms/step", "share"));
        double sum = 0;
        for (Map.Entry<String, long[]> e : rows) {
            double ms = e.getValue()[0] / 1e6 / steps;
            sum += ms;
            out.add(String.format(Locale.ROOT, "  %-38s %10d %12.1f %7.1f%%", e.getKey(), e.getValue()[1] / steps, ms, 100 * ms / stepMs));
        }
        out.add(String.format(Locale.ROOT, "  %-38s %10s %12.1f %7.1f%%", "(outside kernels)", "", stepMs - sum, 100 * (stepMs - sum) / stepMs));
        return out;
    }
}
