package org.nct.model;

import java.lang.foreign.ValueLayout;
import org.nct.kernels.RelativePosition;

/**
 * A plain double-precision forward pass of the decoder (docs/architecture.md), written independently of
 * the kernels: the higher-precision reference for {@link Transformer}'s loss and gradients.
 */
final class DoubleReference {
    private DoubleReference() { }

    static double[] params(Weights w) {
        long n = w.layout().size();
        double[] p = new double[(int) n];
        for (int i = 0; i < n; i++) p[i] = w.params().getAtIndex(ValueLayout.JAVA_FLOAT, i);
        return p;
    }

    /** Mean over non-padding targets of CE + zLoss·lse². Inputs of -1 read as token 0. */
    static double loss(ModelConfig c, ParameterLayout l, double[] p, int[] inputs, int[] targets, int b, int t) {
        int C = c.dModel(), H = c.numHeads(), D = c.headDim(), A = c.attnDim(), F = c.mlpDim(), V = c.vocabSize();
        double total = 0;
        int count = 0;
        for (int s = 0; s < b; s++) {
            double[][] x = new double[t][];
            for (int i = 0; i < t; i++) {
                int tok = Math.max(0, inputs[s * t + i]);
                x[i] = slice(p, l.embed() + (long) tok * C, C);
            }
            for (int layer = 0; layer < c.numLayers(); layer++) {
                ParameterLayout.Layer w = l.layer(layer);
                double[][] q = new double[t][], k = new double[t][], v = new double[t][];
                for (int i = 0; i < t; i++) {
                    double[] h = rmsnorm(x[i], p, w.attnNorm(), c.normEps());
                    double[] qkv = matvec(p, w.qkv(), 3 * A, C, h);
                    q[i] = java.util.Arrays.copyOfRange(qkv, 0, A);
                    k[i] = java.util.Arrays.copyOfRange(qkv, A, 2 * A);
                    v[i] = java.util.Arrays.copyOfRange(qkv, 2 * A, 3 * A);
                }
                double[][] a = new double[t][A];
                for (int i = 0; i < t; i++) {
                    for (int hh = 0; hh < H; hh++) {
                        double[] sc = new double[i + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            double d = 0;
                            for (int e = 0; e < D; e++) d += q[i][hh * D + e] * k[j][hh * D + e];
                            int bucket = RelativePosition.bucket(i - j, c.numBuckets(), c.maxDistance());
                            sc[j] = d + p[(int) (w.relBias() + (long) hh * c.numBuckets() + bucket)];
                            max = Math.max(max, sc[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) sum += (sc[j] = Math.exp(sc[j] - max));
                        for (int j = 0; j <= i; j++) {
                            for (int e = 0; e < D; e++) a[i][hh * D + e] += sc[j] / sum * v[j][hh * D + e];
                        }
                    }
                }
                for (int i = 0; i < t; i++) {
                    double[] o = matvec(p, w.out(), C, A, a[i]);
                    for (int e = 0; e < C; e++) x[i][e] += o[e];
                    double[] h = rmsnorm(x[i], p, w.mlpNorm(), c.normEps());
                    double[] g = matvec(p, w.gate(), F, C, h), u = matvec(p, w.up(), F, C, h);
                    for (int e = 0; e < F; e++) g[e] = Math.max(g[e], 0) * u[e];
                    double[] d = matvec(p, w.down(), C, F, g);
                    for (int e = 0; e < C; e++) x[i][e] += d[e];
                }
            }
            for (int i = 0; i < t; i++) {
                int y = targets[s * t + i];
                if (y < 0) continue;
                double[] h = rmsnorm(x[i], p, l.finalNorm(), c.normEps());
                double[] logits = matvec(p, l.lmHead(), V, C, h);
                double max = Double.NEGATIVE_INFINITY;
                for (double z : logits) max = Math.max(max, z);
                double sum = 0;
                for (double z : logits) sum += Math.exp(z - max);
                double lse = max + Math.log(sum);
                total += lse - logits[y] + c.zLoss() * lse * lse;
                count++;
            }
        }
        return total / count;
    }

    private static double[] slice(double[] p, long off, int n) {
        return java.util.Arrays.copyOfRange(p, (int) off, (int) off + n);
    }

    private static double[] rmsnorm(double[] x, double[] p, long gain, double eps) {
        double ms = 0;
        for (double v : x) ms += v * v;
        ms /= x.length;
        double r = 1 / Math.sqrt(ms + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * p[(int) gain + i];
        return y;
    }

    /** W (rows×cols at off) times x. */
    private static double[] matvec(double[] p, long off, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            int base = (int) (off + (long) r * cols);
            for (int j = 0; j < cols; j++) s += p[base + j] * x[j];
            y[r] = s;
        }
        return y;
    }

}
