package org.nct.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.nct.kernels.Parallel;
import org.nct.kernels.ops.OpsDriver;
import org.nct.kernels.ops.ScalarPrimitives;
import org.nct.kernels.ops.VectorPrimitives;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import org.nct.kernels.Kernels;
import org.nct.kernels.KvCache;
import org.nct.kernels.RelativePosition;

/**
 * The kernel contract on an NVIDIA GPU through JCuda's driver API. The PTX is built from
 * {@code src/main/cuda/nct_kernels.cu} by nvcc at build time and loaded with cuModuleLoadData.
 *
 * <p>Buffers: the backend's buffers are <b>device segments</b> made by {@link #allocateFloats}/
 * {@link #allocateInts} (one cuMemAlloc per flat buffer; its address is the device address, so it
 * must never be read from Java: {@link #copy} and {@link #hostView} move data to and from the
 * host). The product classes (Transformer, IncrementalM1, the optimizers) allocate every buffer
 * here, so their calls use device arguments in place: launches are asynchronous, and a call whose
 * outputs are all on the device returns without waiting. A kernel also accepts ordinary host
 * segments (the kernel checks use them): those are copied to the device before the launch and the
 * outputs copied back after it.
 *
 * <p>Every step of training and incremental decoding runs on the device:
 * {@link #kvStore}/{@link #kvCopyPosition} (copies), {@link #attentionCached} (kernel
 * {@code attn_cached}, the scalar reference's bits), {@link #cdfRows} (kernel {@code integer_cdf};
 * only the rows × 257 CDF ints come back to the caller's host {@code cum}, which the contract puts
 * on the host) and the training profile's attention ({@link #attentionForwardTraining},
 * {@link #attentionBackwardTraining}: kernels {@code attn_train_*}, the scalar reference's bits).
 * The host int[] slot/position arrays go to a small device index buffer (re-sent only when they
 * change). Called with host arguments only, cached attention and CDF rows run the scalar reference
 * on the host and the training attention the Vector API ops, as the CPU backend does.
 *
 * <p>Profiles: {@link Profile#DETERMINISTIC} ("cuda") gives the same bits as the CPU scalar
 * reference for every kernel; {@link Profile#FAST} ("cuda-fast") runs the three GEMM forms on the
 * tensor cores in TF32 and is for M2 training only. Not thread-safe: one instance per thread.
 */
public final class CudaKernels implements Kernels {

    /** Numerics of the matrix products. */
    public enum Profile { DETERMINISTIC, FAST }

    static final String PTX_90 = "nct_kernels.compute_90.ptx";
    static final String PTX_80 = "nct_kernels.compute_80.ptx";
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final int STAGING_SLOTS = 8;
    /** Blocks of the fast profile's two-stage sum of squares. */
    private static final int FAST_PARTIALS = 512;

    private static String unavailable;
    private static boolean probed;

    /** Why the backend cannot run here, or null when it can (PTX present, driver loads, a device exists). */
    public static synchronized String unavailableReason() {
        if (probed) return unavailable;
        probed = true;
        if (CudaKernels.class.getResource(PTX_90) == null) {
            unavailable = "the CUDA backend was built without PTX (nvcc was not on the PATH at build time)";
            return unavailable;
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = {0};
            cuDeviceGetCount(count);
            if (count[0] == 0) unavailable = "the CUDA driver found no GPU";
        } catch (Throwable e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            unavailable = "no usable CUDA driver (libcuda.so.1): " + (nl < 0 ? m : m.substring(0, nl));
        }
        return unavailable;
    }

    /** The deterministic backend (called by Backends.create() for -Dnct.backend=cuda). */
    public static Kernels open() {
        return open(Profile.DETERMINISTIC);
    }

    public static CudaKernels open(Profile profile) {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        return new CudaKernels(profile);
    }

    private final Profile profile;
    private final CUcontext ctx = new CUcontext();
    private final String deviceName;
    private final int multiprocessors;
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** Serializes {@link #kvCopyPosition} calls made from several threads. */
    private final Object kvCopyLock = new Object();
    private final CUmodule module = new CUmodule();
    private final TreeMap<Long, DevicePointer> allocations = new TreeMap<>();
    private final TreeMap<Long, Long> allocationBytes = new TreeMap<>();
    private final DevicePointer[] staging = new DevicePointer[STAGING_SLOTS];
    private final long[] stagingBytes = new long[STAGING_SLOTS];
    // pending copies back to host after a launch
    private final MemorySegment[] outHost = new MemorySegment[STAGING_SLOTS];
    private final long[] outHostOff = new long[STAGING_SLOTS];
    private final long[] outBytes = new long[STAGING_SLOTS];
    private final int[] outSlot = new int[STAGING_SLOTS];
    private int pendingOut;
    // scratch owned by the backend
    private DevicePointer scratch;
    private long scratchBytes;
    private DevicePointer buckets;
    private int bucketLen, bucketNb = -1, bucketMd = -1;
    private int[] embCount = new int[0], embOrder = new int[0], embStarts = new int[0], embToks = new int[0];
    private int[] embTokens = new int[0];
    private DevicePointer embIdx;
    private long embIdxBytes;
    private final float[] one = new float[1];
    private boolean closed;
    /** Device copies of the host slot/position arrays of kvStore and attentionCached: slot[0..n), then pos[0..n). */
    private DevicePointer rowIdx;
    private long rowIdxBytes;
    /** What rowIdx holds (valid for rowIdxN rows), so that the calls of one step send it once. */
    private int[] rowIdxSlot = new int[0], rowIdxPos = new int[0];
    private int rowIdxN = -1;
    private Parallel hostPool;
    /** The ops on the host over the scalar reference primitives (cached attention and CDF rows on host arguments). */
    private OpsDriver hostOps;
    /** The ops on the host over the Vector API primitives (the training profile's attention on host arguments; same bits as hostOps). */
    private OpsDriver hostVectorOps;

    private CudaKernels(Profile profile) {
        this.profile = profile;
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, 0);
        cuDevicePrimaryCtxRetain(ctx, dev);
        cuCtxSetCurrent(ctx);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, dev);
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        deviceName = new String(name, 0, len, StandardCharsets.UTF_8);
        int[] major = {0};
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        String ptx = major[0] >= 9 ? PTX_90 : PTX_80;
        int[] sms = {0};
        cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
        multiprocessors = sms[0];
        cuModuleLoadData(module, readPtx(ptx));
    }

    private static byte[] readPtx(String name) {
        try (InputStream in = CudaKernels.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("PTX resource " + name + " missing");
            byte[] b = in.readAllBytes();
            byte[] z = java.util.Arrays.copyOf(b, b.length + 1); // NUL-terminated for the driver
            return z;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read PTX " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return profile == Profile.FAST ? "cuda-fast" : "cuda";
    }

    /** The GPU's name as the driver reports it. */
    public String deviceName() {
        return deviceName;
    }

    public Profile profile() {
        return profile;
    }

    @Override
    public int threads() {
        return 1;
    }

    // ------------------------------------------------------------------ device memory

    /** A device pointer whose address Java can read. */
    static final class DevicePointer extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }

    @Override
    public boolean hostResident() {
        return false;
    }

    /** n floats on the device (one cuMemAlloc), zeroed. The segment must not be read from Java. */
    @Override
    public MemorySegment allocateFloats(long n) {
        return allocate(Math.max(1, n) * 4);
    }

    /** n int32s on the device, zeroed. */
    @Override
    public MemorySegment allocateInts(long n) {
        return allocate(Math.max(1, n) * 4);
    }

    private MemorySegment allocate(long bytes) {
        cuCtxSetCurrent(ctx);
        DevicePointer p = new DevicePointer();
        cuMemAlloc(p, bytes);
        cuMemsetD32(p, 0, bytes / 4);
        allocations.put(p.address(), p);
        allocationBytes.put(p.address(), bytes);
        return MemorySegment.ofAddress(p.address()).reinterpret(bytes);
    }

    /** Frees a segment made by {@link #allocateFloats}/{@link #allocateInts} (nothing after {@link #close}). */
    @Override
    public void free(MemorySegment deviceSegment) {
        if (deviceSegment == null || closed) return;
        cuCtxSetCurrent(ctx);
        DevicePointer p = allocations.remove(deviceSegment.address());
        if (p == null) throw new IllegalArgumentException("not a device allocation of this backend");
        allocationBytes.remove(deviceSegment.address());
        cuMemFree(p);
    }

    /** True if the segment lies in a device allocation of this backend. */
    public boolean isDevice(MemorySegment s) {
        if (s == null || !s.isNative()) return false;
        Map.Entry<Long, Long> e = allocationBytes.floorEntry(s.address());
        return e != null && s.address() < e.getKey() + e.getValue();
    }

    /** Copies n 4-byte elements between any two segments (host or device); synchronous. */
    @Override
    public void copy(MemorySegment dst, long dstOff, MemorySegment src, long srcOff, long n) {
        cuCtxSetCurrent(ctx);
        long bytes = n * 4;
        if (bytes == 0) return;
        boolean dd = isDevice(dst), sd = isDevice(src);
        if (dd && sd) cuMemcpyDtoD(devPtr(dst, dstOff), devPtr(src, srcOff), bytes);
        else if (dd) cuMemcpyHtoD(devPtr(dst, dstOff), hostPtr(src, srcOff, bytes), bytes);
        else if (sd) cuMemcpyDtoH(hostPtr(dst, dstOff, bytes), devPtr(src, srcOff), bytes);
        else MemorySegment.copy(src, srcOff * 4, dst, dstOff * 4, bytes);
    }

    /** A device buffer's elements are copied into staging; a host segment is returned as its slice. */
    @Override
    public MemorySegment hostView(MemorySegment buffer, long off, long n, MemorySegment staging) {
        if (!isDevice(buffer)) return buffer.asSlice(off * 4, n * 4);
        if (staging == null || staging.byteSize() < n * 4) throw new IllegalArgumentException("hostView of " + n + " elements needs a host staging segment of at least that many");
        copy(staging, 0, buffer, off, n);
        return staging.asSlice(0, n * 4);
    }

    /** Waits for all launched work. */
    @Override
    public void synchronize() {
        cuCtxSetCurrent(ctx);
        cuCtxSynchronize();
    }

    private CUdeviceptr devPtr(MemorySegment s, long elemOff) {
        Map.Entry<Long, DevicePointer> e = allocations.floorEntry(s.address());
        return e.getValue().withByteOffset(s.address() - e.getKey() + elemOff * 4);
    }

    private static Pointer hostPtr(MemorySegment s, long elemOff, long bytes) {
        return Pointer.to(s.asSlice(elemOff * 4, bytes).asByteBuffer());
    }

    /**
     * The device address of n elements of s at elemOff: in place for a device segment; for a host
     * segment a staging buffer (slot), filled from the host when in, copied back after the launch
     * when out. Null segments give address 0.
     */
    private long arg(int slot, MemorySegment s, long elemOff, long n, boolean in, boolean out) {
        if (s == null) return 0L;
        long bytes = Math.max(1, n) * 4;
        if (isDevice(s)) {
            if (s.address() + elemOff * 4 + n * 4 > s.address() + s.byteSize()) {
                throw new IndexOutOfBoundsException("device segment too small: " + (elemOff + n) + " elements needed");
            }
            return s.address() + elemOff * 4;
        }
        if (stagingBytes[slot] < bytes) {
            if (staging[slot] != null) cuMemFree(staging[slot]);
            staging[slot] = new DevicePointer();
            long grow = Math.max(bytes, stagingBytes[slot] * 2);
            cuMemAlloc(staging[slot], grow);
            stagingBytes[slot] = grow;
        }
        if (in && n > 0) cuMemcpyHtoD(staging[slot], hostPtr(s, elemOff, n * 4), n * 4);
        if (out && n > 0) {
            outHost[pendingOut] = s;
            outHostOff[pendingOut] = elemOff;
            outBytes[pendingOut] = n * 4;
            outSlot[pendingOut] = slot;
            pendingOut++;
        }
        return staging[slot].address();
    }

    /** Copies the host outputs of the last launch back (synchronous). */
    private void finish() {
        for (int i = 0; i < pendingOut; i++) {
            cuMemcpyDtoH(hostPtr(outHost[i], outHostOff[i], outBytes[i]), staging[outSlot[i]], outBytes[i]);
            outHost[i] = null;
        }
        pendingOut = 0;
    }

    private long scratch(long bytes) {
        if (scratchBytes < bytes) {
            if (scratch != null) cuMemFree(scratch);
            scratch = new DevicePointer();
            cuMemAlloc(scratch, bytes);
            scratchBytes = bytes;
        }
        return scratch.address();
    }

    private long bucketTable(int len, int nb, int md) {
        if (buckets == null || len > bucketLen || nb != bucketNb || md != bucketMd) {
            int n = Math.max(len, Math.max(1024, bucketLen));
            int[] t = RelativePosition.table(n, nb, md);
            if (buckets != null) cuMemFree(buckets);
            buckets = new DevicePointer();
            cuMemAlloc(buckets, (long) n * 4);
            cuMemcpyHtoD(buckets, Pointer.to(t), (long) n * 4);
            bucketLen = n;
            bucketNb = nb;
            bucketMd = md;
        }
        return buckets.address();
    }

    private CUfunction fn(String name) {
        synchronized (functions) {   // not this object's monitor: see kvCopyPosition
            CUfunction f = functions.get(name);
            if (f == null) {
                f = new CUfunction();
                cuModuleGetFunction(f, module, name);
                functions.put(name, f);
            }
            return f;
        }
    }

    /** Launches a kernel; arguments: Long (pointer or long long), Integer, Float. */
    private void launch(String kernel, long gx, int gy, int block, Object... args) {
        if (gx == 0 || gy == 0) return;
        if (gx > Integer.MAX_VALUE) throw new IllegalArgumentException("grid too large for " + kernel);
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Long l) ps[i] = Pointer.to(new long[] {l});
            else if (a instanceof Integer v) ps[i] = Pointer.to(new int[] {v});
            else if (a instanceof Float v) ps[i] = Pointer.to(new float[] {v});
            else throw new IllegalArgumentException("kernel argument of type " + a.getClass());
        }
        cuLaunchKernel(fn(kernel), (int) gx, gy, 1, block, 1, 1, 0, null, Pointer.to(ps), null);
    }

    private static long blocks(long n, int per) {
        return (n + per - 1) / per;
    }

    private void requireDevice(MemorySegment... segs) {
        for (MemorySegment s : segs) {
            if (!isDevice(s)) throw new IllegalArgumentException("this batched kernel takes device segments only");
        }
    }

    private void enter() {
        cuCtxSetCurrent(ctx);
        pendingOut = 0;
    }

    // ------------------------------------------------------------------ GEMM

    private void gemm(long c, long a, long ai, long al, long b, long bl, long bj, long bias,
                      int r, int s, int l, int mode) {
        if (profile == Profile.FAST) {
            launch("gemm_fast_tf32", blocks(s, 128), (int) blocks(r, 128), 256, c, a, ai, al, b, bl, bj, bias, r, s, l, mode);
        } else if (blocks(s, 128) * blocks(r, 128) >= 2L * multiprocessors) {
            launch("gemm_det", blocks(s, 128), (int) blocks(r, 128), 256, c, a, ai, al, b, bl, bj, bias, r, s, l, mode);
        } else {   // 64 x 64 tiles keep every multiprocessor busy on smaller products (same bits)
            launch("gemm_det64", blocks(s, 64), (int) blocks(r, 64), 256, c, a, ai, al, b, bl, bj, bias, r, s, l, mode);
        }
    }

    @Override
    public void matmul(MemorySegment y, long yOff, MemorySegment x, long xOff, MemorySegment w, long wOff,
                       MemorySegment bias, long bOff, int m, int k, int n, boolean accumulate) {
        if (bias != null && accumulate) throw new IllegalArgumentException("bias and accumulate are exclusive");
        enter();
        long py = arg(0, y, yOff, (long) m * n, accumulate, true);
        long px = arg(1, x, xOff, (long) m * k, true, false);
        long pw = arg(2, w, wOff, (long) n * k, true, false);
        long pb = arg(3, bias, bOff, n, true, false);
        gemm(py, px, k, 1, pw, 1, k, pb, m, n, k, bias != null ? 1 : accumulate ? 2 : 0);
        finish();
    }

    @Override
    public void matmulBackwardData(MemorySegment dx, long dxOff, MemorySegment dy, long dyOff, MemorySegment w,
                                   long wOff, int m, int k, int n, boolean accumulate) {
        enter();
        long pdx = arg(0, dx, dxOff, (long) m * k, accumulate, true);
        long pdy = arg(1, dy, dyOff, (long) m * n, true, false);
        long pw = arg(2, w, wOff, (long) n * k, true, false);
        gemm(pdx, pdy, n, 1, pw, k, 1, 0L, m, k, n, accumulate ? 2 : 0);
        finish();
    }

    @Override
    public void matmulBackwardWeight(MemorySegment dw, long dwOff, MemorySegment dy, long dyOff, MemorySegment x,
                                     long xOff, int m, int k, int n, boolean accumulate) {
        enter();
        long pdw = arg(0, dw, dwOff, (long) n * k, accumulate, true);
        long pdy = arg(1, dy, dyOff, (long) m * n, true, false);
        long px = arg(2, x, xOff, (long) m * k, true, false);
        gemm(pdw, pdy, 1, n, px, k, 1, 0L, n, k, m, accumulate ? 2 : 0);
        finish();
    }

    // ------------------------------------------------------------------ RMSNorm

    @Override
    public void rmsnormForward(MemorySegment out, long outOff, MemorySegment rstd, long rstdOff, MemorySegment x,
                               long xOff, MemorySegment gain, long gOff, int rows, int c, float eps) {
        enter();
        long po = arg(0, out, outOff, (long) rows * c, false, true);
        long pr = arg(1, rstd, rstdOff, rows, false, true);
        long px = arg(2, x, xOff, (long) rows * c, true, false);
        long pg = arg(3, gain, gOff, c, true, false);
        launch("rmsnorm_fwd", blocks(rows, 4), 1, 128, po, pr, px, pg, rows, c, eps);
        finish();
    }

    @Override
    public void rmsnormBackward(MemorySegment dx, long dxOff, MemorySegment dgain, long dgOff, MemorySegment dout,
                                long doutOff, MemorySegment x, long xOff, MemorySegment gain, long gOff,
                                MemorySegment rstd, long rstdOff, int rows, int c) {
        enter();
        long pdx = arg(0, dx, dxOff, (long) rows * c, true, true);
        long pdg = arg(1, dgain, dgOff, c, true, true);
        long pdo = arg(2, dout, doutOff, (long) rows * c, true, false);
        long px = arg(3, x, xOff, (long) rows * c, true, false);
        long pg = arg(4, gain, gOff, c, true, false);
        long pr = arg(5, rstd, rstdOff, rows, true, false);
        launch("rmsnorm_bwd_dx", blocks(rows, 4), 1, 128, pdx, pdo, px, pg, pr, rows, c);
        launch("rmsnorm_bwd_dgain", blocks(c, 128), 1, 128, pdg, pdo, px, pr, rows, c);
        finish();
    }

    // ------------------------------------------------------------------ attention

    @Override
    public void attentionForward(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv,
                                 long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d,
                                 int numBuckets, int maxDistance, float scale) {
        attentionForwardRows("attn_fwd", out, outOff, att, attOff, qkv, qkvOff, relBias, rbOff, b, t, h, d, numBuckets, maxDistance, scale);
    }

    /** One warp per query row: {@code attn_fwd} (coding profile) or {@code attn_train_fwd} (training profile), same arguments. */
    private void attentionForwardRows(String kernel, MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv,
                                      long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d,
                                      int numBuckets, int maxDistance, float scale) {
        enter();
        long hd = (long) h * d;
        long po = arg(0, out, outOff, b * t * hd, false, true);
        long pa = arg(1, att, attOff, (long) b * h * t * t, false, true);
        long pq = arg(2, qkv, qkvOff, b * t * 3 * hd, true, false);
        long pr = arg(3, relBias, rbOff, (long) h * numBuckets, true, false);
        long bt = bucketTable(t, numBuckets, maxDistance);
        launch(kernel, blocks((long) b * h * t, 4), 1, 128, po, pa, pq, pr, bt, b, t, h, d, numBuckets, scale);
        finish();
    }

    @Override
    public void attentionBackward(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff,
                                  MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att,
                                  long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance,
                                  float scale) {
        attentionBackwardRows(false, dqkv, dqkvOff, dRelBias, drbOff, dout, doutOff, qkv, qkvOff, att, attOff,
                b, t, h, d, numBuckets, maxDistance, scale);
    }

    /**
     * The attention backward launches of both profiles: {@code attn_bwd_rows} (coding) or
     * {@code attn_train_bwd_rows} (training: chained dP), then the shared dk/dv chains
     * ({@code attn_bwd_kv}), the bias partials (coding: {@code attn_bwd_bias_partial} over dS;
     * training: by distance, {@code attn_train_bwd_dist}, then by bucket,
     * {@code attn_train_bwd_bias_partial}) and their sum over sequences ({@code attn_bwd_bias}).
     */
    private void attentionBackwardRows(boolean training, MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff,
                                       MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att,
                                       long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance, float scale) {
        enter();
        long hd = (long) h * d;
        long pdq = arg(0, dqkv, dqkvOff, b * t * 3 * hd, true, true);
        long pdr = arg(1, dRelBias, drbOff, (long) h * numBuckets, true, true);
        long pdo = arg(2, dout, doutOff, b * t * hd, true, false);
        long pq = arg(3, qkv, qkvOff, b * t * 3 * hd, true, false);
        long pa = arg(4, att, attOff, (long) b * h * t * t, true, false);
        long bt = bucketTable(t, numBuckets, maxDistance);
        // scratch: bucket partials (B·H·nb), sums by distance (B·H·T, training only), unscaled dS (B·H·T·T)
        long nPart = (long) b * h * numBuckets, nDist = training ? (long) b * h * t : 0;
        long part = scratch((nPart + nDist + (long) b * h * t * t) * 4);
        long dist = part + nPart * 4, ds = dist + nDist * 4;
        launch(training ? "attn_train_bwd_rows" : "attn_bwd_rows", blocks((long) b * h * t, 4), 1, 128, pdq, ds, pdo, pq, pa, b, t, h, d, scale);
        launch("attn_bwd_kv", blocks(b * t * hd, 128), 1, 128, pdq, ds, pdo, pq, pa, b, t, h, d, scale);
        if (training) {
            launch("attn_train_bwd_dist", blocks(nDist, 128), 1, 128, dist, ds, b, t, h);
            launch("attn_train_bwd_bias_partial", blocks(nPart, 64), 1, 64, part, dist, bt, b, t, h, numBuckets);
        } else {
            launch("attn_bwd_bias_partial", blocks(nPart, 64), 1, 64, part, ds, bt, b, t, h, numBuckets);
        }
        launch("attn_bwd_bias", blocks((long) h * numBuckets, 64), 1, 64, pdr, part, b, h, numBuckets);
        finish();
    }

    @Override
    public void attentionRow(MemorySegment out, long outOff, MemorySegment q, long qOff, MemorySegment kCache,
                             long kOff, MemorySegment vCache, long vOff, long kvStride, MemorySegment relBias,
                             long rbOff, MemorySegment scratchSeg, long sOff, int pos, int h, int d, int numBuckets,
                             int maxDistance, float scale) {
        enter();
        long hd = (long) h * d;
        long rows = (long) pos * kvStride + hd;   // elements of the cache that are read
        long po = arg(0, out, outOff, hd, false, true);
        long pq = arg(1, q, qOff, hd, true, false);
        long pk = arg(2, kCache, kOff, rows, true, false);
        long pv = arg(3, vCache, vOff, rows, true, false);
        long pr = arg(4, relBias, rbOff, (long) h * numBuckets, true, false);
        long bt = bucketTable(pos + 1, numBuckets, maxDistance);
        long sc = scratch((long) h * (pos + 1) * 4 + 4);
        long pp = sc + (long) h * (pos + 1) * 4;
        cuMemcpyHtoD(scratch.withByteOffset(pp - scratch.address()), Pointer.to(new int[] {pos}), 4);
        launch("attn_rows", blocks(h, 4), 1, 128, po, hd, pq, hd, pk, pv, 0L, 0L, kvStride, pr, bt, pp, sc,
                (long) (pos + 1), 1, h, d, numBuckets, scale);
        finish();
    }

    /**
     * Cached attention of the kernel contract. Host arguments (all of them) run the scalar reference
     * on the host. Otherwise kernel {@code attn_cached}: one warp per (row, head), each the scalar
     * reference's computation (docs/gpu.md), so the same bits; slot[] and pos[] go to the device
     * index buffer, the scores to the backend scratch (rows × heads × (largest pos + 1) floats).
     * Asynchronous when every argument is a device segment; a host segment among device ones is
     * staged (inputs in, the output rows back).
     */
    @Override
    public void attentionCached(MemorySegment out, long outOff, long outStride, MemorySegment q, long qOff, long qStride,
                                MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap,
                                MemorySegment biasByDistance, long bOff, int bStride, int[] slot, int[] pos, int n, int h, int d, float scale) {
        if (!isDevice(out) && !isDevice(q) && !isDevice(kt) && !isDevice(v) && !isDevice(biasByDistance)) {
            hostOps().attentionCached(out, outOff, outStride, q, qOff, qStride, kt, ktOff, v, vOff, cap, biasByDistance, bOff, bStride, slot, pos, n, h, d, scale);
            return;
        }
        int maxSlot = -1, maxPos = -1;
        for (int r = 0; r < n; r++) {   // the scalar reference's checks (OpsDriver.attentionCached)
            if (pos[r] < 0 || pos[r] >= bStride || pos[r] >= cap || cap % 16 != 0) {
                throw new IllegalArgumentException("position " + pos[r] + " does not fit a cache of " + cap + " positions (bias table " + bStride + ")");
            }
            if (slot[r] < 0) throw new IndexOutOfBoundsException("cache slot " + slot[r] + " is negative");
            maxSlot = Math.max(maxSlot, slot[r]);
            maxPos = Math.max(maxPos, pos[r]);
        }
        if (n == 0) return;
        enter();
        long hd = (long) h * d, cacheFloats = (maxSlot + 1L) * hd * cap, row = maxPos + 1L;
        // a host out with gaps between its rows is staged whole, so the gaps keep their values
        long po = arg(0, out, outOff, (n - 1) * outStride + hd, outStride != hd, true);
        long pq = arg(1, q, qOff, (n - 1) * qStride + hd, true, false);
        long pk = arg(2, kt, ktOff, cacheFloats, true, false);
        long pv = arg(3, v, vOff, cacheFloats, true, false);
        long pb = arg(4, biasByDistance, bOff, (long) h * bStride, true, false);
        long idx = rowIndex(slot, pos, n);
        long sc = scratch((long) n * h * row * 4);
        launch("attn_cached", blocks((long) n * h, 4), 1, 128, po, outStride, pq, qStride, pk, pv, pb, bStride,
                idx, idx + (long) n * 4, sc, row, n, h, d, cap, scale);
        finish();
    }

    /**
     * slot[0..n) and pos[0..n) in the device index buffer; returns its address. Sent only when they
     * differ from what it holds (the layers of one step pass the same arrays). The copy is
     * synchronous on the null stream, so it follows every launch that reads the buffer's old values.
     */
    private long rowIndex(int[] slot, int[] pos, int n) {
        if (n == rowIdxN && java.util.Arrays.equals(slot, 0, n, rowIdxSlot, 0, n) && java.util.Arrays.equals(pos, 0, n, rowIdxPos, 0, n)) {
            return rowIdx.address();
        }
        long bytes = 2L * n * 4;
        if (rowIdxBytes < bytes) {
            if (rowIdx != null) cuMemFree(rowIdx);
            rowIdx = new DevicePointer();
            cuMemAlloc(rowIdx, Math.max(bytes, 2 * rowIdxBytes));
            rowIdxBytes = Math.max(bytes, 2 * rowIdxBytes);
        }
        cuMemcpyHtoD(rowIdx, Pointer.to(slot), (long) n * 4);
        cuMemcpyHtoD(rowIdx.withByteOffset((long) n * 4), Pointer.to(pos), (long) n * 4);
        if (rowIdxSlot.length < n) {
            rowIdxSlot = new int[Math.max(n, 2 * rowIdxSlot.length)];
            rowIdxPos = new int[rowIdxSlot.length];
        }
        System.arraycopy(slot, 0, rowIdxSlot, 0, n);
        System.arraycopy(pos, 0, rowIdxPos, 0, n);
        rowIdxN = n;
        return rowIdx.address();
    }

    /** The key and value copies of incremental decoding: a launch on device caches, {@link KvCache} on host ones. */
    @Override
    public void kvStore(MemorySegment kt, long ktOff, MemorySegment v, long vOff, int cap, MemorySegment qkv, long qkvOff,
                        long qkvStride, int[] slot, int[] pos, int n, int h, int d) {
        if (!isDevice(kt) && !isDevice(v) && !isDevice(qkv)) {
            KvCache.store(kt, ktOff, v, vOff, cap, qkv, qkvOff, qkvStride, slot, pos, n, h, d);
            return;
        }
        requireDevice(kt, v, qkv);
        if (n == 0) return;
        for (int r = 0; r < n; r++) {
            if (pos[r] < 0 || pos[r] >= cap) throw new IndexOutOfBoundsException("position " + pos[r] + " outside a cache of " + cap + " positions");
        }
        enter();
        long idx = rowIndex(slot, pos, n);
        long a = (long) h * d;
        launch("kv_store_tiled", blocks(n * a, 256), 1, 256, kt.address() + ktOff * 4, v.address() + vOff * 4,
                qkv.address() + qkvOff * 4, qkvStride, idx, idx + (long) n * 4, n, h, d, cap);
    }

    /**
     * As {@link #kvStore}. The contract allows calls from several threads at once (for different
     * target slots): concurrent calls
     * are serialized on a private lock, not on this object, whose monitor CodingModel holds while
     * its drivers run (a worker blocked on it would deadlock the caller that waits for it), and
     * they leave the staging state of the calling thread's kernel call alone (no {@link #enter}).
     */
    @Override
    public void kvCopyPosition(MemorySegment kt, long ktOff, MemorySegment v, long vOff, long layerStride, int layers,
                               int cap, int fromSlot, int toSlot, int pos, int h, int d) {
        if (!isDevice(kt) && !isDevice(v)) {
            KvCache.copyPosition(kt, ktOff, v, vOff, layerStride, layers, cap, fromSlot, toSlot, pos, h, d);
            return;
        }
        requireDevice(kt, v);
        if (fromSlot == toSlot) return;
        if (pos < 0 || pos >= cap) throw new IndexOutOfBoundsException("position " + pos + " outside a cache of " + cap + " positions");
        synchronized (kvCopyLock) {
            cuCtxSetCurrent(ctx);
            launch("kv_copy_pos_tiled", blocks((long) layers * h * d, 256), 1, 256, kt.address() + ktOff * 4, v.address() + vOff * 4,
                    layerStride, layers, h, d, cap, fromSlot, toSlot, pos);
        }
    }

    /**
     * The training profile's attention ({@code attn_train_fwd}: one warp per query row, scores as
     * sequential fma chains over D, then attn_fwd's softmax and value chains). Host arguments are
     * run in place on the host by the Vector API ops (the CPU backend's bits); when any argument is
     * a device segment the kernel runs, the host ones staged as for every kernel.
     */
    @Override
    public void attentionForwardTraining(MemorySegment out, long outOff, MemorySegment att, long attOff, MemorySegment qkv,
                                         long qkvOff, MemorySegment relBias, long rbOff, int b, int t, int h, int d,
                                         int numBuckets, int maxDistance, float scale) {
        if (!isDevice(out) && !isDevice(att) && !isDevice(qkv) && !isDevice(relBias)) {
            hostVectorOps().attentionForwardTraining(out, outOff, att, attOff, qkv, qkvOff, relBias, rbOff, b, t, h, d, numBuckets, maxDistance, scale);
            return;
        }
        attentionForwardRows("attn_train_fwd", out, outOff, att, attOff, qkv, qkvOff, relBias, rbOff, b, t, h, d, numBuckets, maxDistance, scale);
    }

    /**
     * Backward of {@link #attentionForwardTraining}: {@code attn_train_bwd_rows} (dP as fma chains
     * over D, dS unscaled into scratch, the dq chains), {@code attn_bwd_kv} (the dk/dv chains, the
     * coding profile's), {@code attn_train_bwd_dist} (the bias gradient by distance),
     * {@code attn_train_bwd_bias_partial} (by bucket, per sequence and head) and
     * {@code attn_bwd_bias} (the partials added in sequence order); no atomics. With host
     * arguments only it runs on the host, as {@link #attentionForwardTraining}.
     */
    @Override
    public void attentionBackwardTraining(MemorySegment dqkv, long dqkvOff, MemorySegment dRelBias, long drbOff,
                                          MemorySegment dout, long doutOff, MemorySegment qkv, long qkvOff, MemorySegment att,
                                          long attOff, int b, int t, int h, int d, int numBuckets, int maxDistance,
                                          float scale) {
        if (!isDevice(dqkv) && !isDevice(dRelBias) && !isDevice(dout) && !isDevice(qkv) && !isDevice(att)) {
            hostVectorOps().attentionBackwardTraining(dqkv, dqkvOff, dRelBias, drbOff, dout, doutOff, qkv, qkvOff, att, attOff,
                    b, t, h, d, numBuckets, maxDistance, scale);
            return;
        }
        zero(dqkv, dqkvOff, (long) b * t * 3 * h * d);     // overwritten: the launches accumulate from +0
        attentionBackwardRows(true, dqkv, dqkvOff, dRelBias, drbOff, dout, doutOff, qkv, qkvOff, att, attOff,
                b, t, h, d, numBuckets, maxDistance, scale);
    }

    private synchronized OpsDriver hostVectorOps() {
        if (hostVectorOps == null) hostVectorOps = new OpsDriver(pool(), new VectorPrimitives(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED));
        return hostVectorOps;
    }

    /**
     * Logits → CDF rows into host cum (the contract's; the coders read it there). Host logits run
     * the scalar reference on the host; device logits run kernel {@code integer_cdf} (the scalar
     * reference's bits, {@link org.nct.kernels.IntegerCdfRow}) into a device staging buffer, and the
     * rows × 257 ints are copied to cum (synchronous: cum is complete on return).
     */
    @Override
    public void cdfRows(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int rows, int precision) {
        requireHost(cum);
        if (!isDevice(logits)) {
            hostOps().cdfRows(cum, cumOff, logits, lOff, rows, precision);
            return;
        }
        if (rows <= 0 && precision >= 9 && precision <= 16) return;
        integerCdf(cum, cumOff, logits, lOff, rows, precision);   // host cum: staged, copied back before it returns
    }

    /** Host threads for drivers' host-side work (the coders) and the host reference ops. */
    @Override
    public synchronized Parallel pool() {
        if (hostPool == null) hostPool = new Parallel(Math.max(1, Runtime.getRuntime().availableProcessors()));
        return hostPool;
    }

    private synchronized OpsDriver hostOps() {
        if (hostOps == null) hostOps = new OpsDriver(pool(), new ScalarPrimitives());
        return hostOps;
    }

    private void requireHost(MemorySegment... segments) {
        for (MemorySegment m : segments) {
            if (isDevice(m)) throw new IllegalArgumentException("this operation takes host buffers on the CUDA backend");
        }
    }

    /**
     * Coding: the integer CDF of each row of 256 logits, exactly as
     * {@code org.nct.coding.IntegerCdf.fromLogits} computes it (int32 cum[0..256] per row, total
     * 2^precision). Host or device segments.
     */
    public void integerCdf(MemorySegment cum, long cumOff, MemorySegment logits, long lOff, int rows, int precision) {
        if (precision < 9 || precision > 16) throw new IllegalArgumentException("CDF precision must be 9..16 bits, got " + precision);
        enter();
        long pc = arg(0, cum, cumOff, (long) rows * 257, false, true);
        long pl = arg(1, logits, lOff, (long) rows * 256, true, false);
        launch("integer_cdf", blocks(rows, 4), 1, 128, pc, pl, rows, precision);
        finish();
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void reluGateForward(MemorySegment out, long outOff, MemorySegment gate, long gOff, MemorySegment up,
                                long uOff, long n) {
        enter();
        long po = arg(0, out, outOff, n, false, true);
        long pg = arg(1, gate, gOff, n, true, false);
        long pu = arg(2, up, uOff, n, true, false);
        launch("relu_gate_fwd", blocks(n, 256), 1, 256, po, pg, pu, n);
        finish();
    }

    @Override
    public void reluGateBackward(MemorySegment dgate, long dgOff, MemorySegment dup, long duOff, MemorySegment dout,
                                 long doOff, MemorySegment gate, long gOff, MemorySegment up, long uOff, long n) {
        zero(dgate, dgOff, n);     // overwritten: relu_gate_bwd accumulates, from +0 after this
        zero(dup, duOff, n);
        enter();
        long pdg = arg(0, dgate, dgOff, n, true, true);
        long pdu = arg(1, dup, duOff, n, true, true);
        long pdo = arg(2, dout, doOff, n, true, false);
        long pg = arg(3, gate, gOff, n, true, false);
        long pu = arg(4, up, uOff, n, true, false);
        launch("relu_gate_bwd", blocks(n, 256), 1, 256, pdg, pdu, pdo, pg, pu, n);
        finish();
    }

    @Override
    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        enter();
        long pa = arg(1, a, aOff, n, true, false);
        long pb = arg(2, b, bOff, n, true, false);
        long po = arg(0, out, outOff, n, false, true);
        launch("add_kernel", blocks(n, 256), 1, 256, po, pa, pb, n);
        finish();
    }

    @Override
    public void zero(MemorySegment out, long outOff, long n) {
        enter();
        if (n == 0) return;
        if (isDevice(out)) cuMemsetD32(devPtr(out, outOff), 0, n);
        else out.asSlice(outOff * 4, n * 4).fill((byte) 0);
    }

    @Override
    public void scale(MemorySegment x, long xOff, long n, float s) {
        enter();
        long px = arg(0, x, xOff, n, true, true);
        launch("scale_kernel", blocks(n, 256), 1, 256, px, n, s);
        finish();
    }

    // ------------------------------------------------------------------ embedding

    @Override
    public void embeddingForward(MemorySegment out, long outOff, MemorySegment table, long tOff,
                                 MemorySegment tokens, long tokOff, int rows, int c) {
        enter();
        long po = arg(0, out, outOff, (long) rows * c, false, true);
        long pt = isDevice(table) ? arg(1, table, tOff, 1, true, false)
                : isDevice(tokens) ? arg(1, table, tOff, table.byteSize() / 4 - tOff, true, false)
                : tableArg(table, tOff, tokens, tokOff, rows, c);
        long pk = arg(2, tokens, tokOff, rows, true, false);
        launch("embed_fwd", blocks((long) rows * c, 256), 1, 256, po, pt, pk, rows, c);
        finish();
    }

    /** A host table is copied whole up to the largest token used. */
    private long tableArg(MemorySegment table, long tOff, MemorySegment tokens, long tokOff, int rows, int c) {
        int max = 0;
        for (int r = 0; r < rows; r++) max = Math.max(max, tokens.getAtIndex(I, tokOff + r));
        return arg(1, table, tOff, (long) (max + 1) * c, true, false);
    }

    @Override
    public void embeddingBackward(MemorySegment dtable, long dtOff, MemorySegment dout, long doOff,
                                  MemorySegment tokens, long tokOff, int rows, int c, int vocab) {
        enter();
        if (rows == 0) return;
        // stable bucket sort of the rows by token, on the host (tokens are small)
        if (embTokens.length < rows) {
            embTokens = new int[rows];
            embOrder = new int[rows];
            embToks = new int[rows];
            embStarts = new int[rows + 1];
        }
        if (isDevice(tokens)) cuMemcpyDtoH(Pointer.to(embTokens), devPtr(tokens, tokOff), (long) rows * 4);
        else MemorySegment.copy(tokens, I, tokOff * 4, embTokens, 0, rows);
        if (embCount.length < vocab + 1) embCount = new int[vocab + 1];
        java.util.Arrays.fill(embCount, 0, vocab + 1, 0);
        for (int r = 0; r < rows; r++) {
            int v = embTokens[r];
            if (v < 0 || v >= vocab) throw new IndexOutOfBoundsException("token " + v + " outside vocabulary " + vocab);
            embCount[v + 1]++;
        }
        int distinct = 0;
        for (int v = 0; v < vocab; v++) {
            if (embCount[v + 1] > 0) {
                embToks[distinct] = v;
                embStarts[distinct] = embCount[v];
                distinct++;
            }
            embCount[v + 1] += embCount[v];
        }
        embStarts[distinct] = rows;
        for (int r = 0; r < rows; r++) embOrder[embCount[embTokens[r]]++] = r;
        long bytes = (2L * rows + distinct + 1) * 4;
        if (embIdxBytes < bytes) {
            if (embIdx != null) cuMemFree(embIdx);
            embIdx = new DevicePointer();
            cuMemAlloc(embIdx, 2 * bytes);
            embIdxBytes = 2 * bytes;
        }
        cuMemcpyHtoD(embIdx, Pointer.to(embOrder), (long) rows * 4);
        cuMemcpyHtoD(embIdx.withByteOffset((long) rows * 4), Pointer.to(embToks), (long) distinct * 4);
        cuMemcpyHtoD(embIdx.withByteOffset((long) (rows + distinct) * 4), Pointer.to(embStarts), (long) (distinct + 1) * 4);
        long base = embIdx.address();
        long pdt = arg(0, dtable, dtOff, (long) vocab * c, true, true);
        long pdo = arg(1, dout, doOff, (long) rows * c, true, false);
        launch("embed_bwd", distinct, (int) blocks(c, 128), 128, pdt, pdo, base, base + (long) (rows + distinct) * 4,
                base + (long) rows * 4, c);
        finish();
    }

    // ------------------------------------------------------------------ loss

    @Override
    public void crossEntropyForward(MemorySegment loss, long lossOff, MemorySegment lse, long lseOff,
                                    MemorySegment logits, long lOff, MemorySegment targets, long tgtOff, int rows,
                                    int vocab, float zLoss) {
        enter();
        long pl = arg(0, loss, lossOff, rows, false, true);
        long pz = arg(1, lse, lseOff, rows, false, true);
        long pg = arg(2, logits, lOff, (long) rows * vocab, true, false);
        long pt = arg(3, targets, tgtOff, rows, true, false);
        launch("ce_fwd", blocks(rows, 4), 1, 128, pl, pz, pg, pt, rows, vocab, zLoss);
        finish();
    }

    @Override
    public void crossEntropyBackward(MemorySegment dlogits, long dlOff, MemorySegment logits, long lOff,
                                     MemorySegment lse, long lseOff, MemorySegment targets, long tgtOff, int rows,
                                     int vocab, float zLoss, float scale) {
        enter();
        long n = (long) rows * vocab;
        boolean alias = dlogits == logits && dlOff == lOff;
        long pd = arg(0, dlogits, dlOff, n, alias, true);
        long pg = alias ? pd : arg(1, logits, lOff, n, true, false);
        long pz = arg(2, lse, lseOff, rows, true, false);
        long pt = arg(3, targets, tgtOff, rows, true, false);
        launch("ce_bwd", blocks(n, 256), 1, 256, pd, pg, pz, pt, rows, vocab, zLoss, scale);
        finish();
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void adamw(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment m, long mOff,
                      MemorySegment v, long vOff, long n, float lr, float b1, float b2, float c1, float c2,
                      float eps, float wd) {
        enter();
        long pp = arg(0, p, pOff, n, true, true);
        long pg = arg(1, g, gOff, n, true, false);
        long pm = arg(2, m, mOff, n, true, true);
        long pv = arg(3, v, vOff, n, true, true);
        launch("adamw_kernel", blocks(n, 256), 1, 256, pp, pg, pm, pv, n, lr, b1, b2, c1, c2, eps, wd);
        finish();
    }

    @Override
    public void adafactor(MemorySegment p, long pOff, MemorySegment g, long gOff, MemorySegment vr, long vrOff,
                          MemorySegment vc, long vcOff, MemorySegment v, long vOff, MemorySegment scratchSeg,
                          long sOff, int rows, int cols, boolean factored, float lr, float beta2, float eps1,
                          float eps2, float clip) {
        enter();
        long n = (long) rows * cols;
        long pp = arg(0, p, pOff, n, true, true);
        long pg = arg(1, g, gOff, n, true, false);
        long pu = arg(2, scratchSeg, sOff, n, false, true);
        // backend scratch: dots (2), meanVr (1), column factors (cols), fast-profile partials
        long sc = scratch((3L + cols + FAST_PARTIALS) * 4);
        if (factored) {
            long pvr = arg(3, vr, vrOff, rows, true, true);
            long pvc = arg(4, vc, vcOff, cols, true, true);
            launch("ada_rows", blocks(rows, 4), 1, 128, pvr, pg, rows, cols, beta2, eps1);
            launch("ada_cols", blocks(cols, 128), 1, 128, pvc, sc + 12, pg, rows, cols, beta2, eps1);
            launch("mean16_kernel", 1, 1, 32, sc + 8, pvr, rows);
            launch("ada_factored_u", blocks(n, 256), 1, 256, pu, pg, pvr, sc + 12, sc + 8, rows, cols);
        } else {
            long pv = arg(3, v, vOff, n, true, true);
            launch("ada_unfactored_u", blocks(n, 256), 1, 256, pu, pg, pv, n, beta2, eps1);
        }
        if (profile == Profile.FAST) {
            long part = sc + (3L + cols) * 4;
            launch("sumsq_fast_partials", FAST_PARTIALS, 1, 256, part, pu, n);
            launch("sum_fast_final", 1, 1, 256, sc, part, FAST_PARTIALS);
            launch("sumsq_fast_partials", FAST_PARTIALS, 1, 256, part, pp, n);
            launch("sum_fast_final", 1, 1, 256, sc + 4, part, FAST_PARTIALS);
        } else {
            launch("ada_dots", 2, 1, 256, sc, pu, pp, n);
        }
        launch("ada_update", blocks(n, 256), 1, 256, pp, pu, sc, n, lr, eps2, clip);
        finish();
    }

    @Override
    public float sumSquares(MemorySegment x, long xOff, long n) {
        enter();
        long px = arg(0, x, xOff, n, true, false);
        long out = scratch(4);
        launch("sum_squares_kernel", 1, 1, 256, out, px, n);
        cuMemcpyDtoH(Pointer.to(one), scratch, 4);
        return one[0];
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (hostPool != null) hostPool.close();
        }
        cuCtxSetCurrent(ctx);
        for (DevicePointer p : allocations.values()) cuMemFree(p);
        allocations.clear();
        allocationBytes.clear();
        for (int i = 0; i < STAGING_SLOTS; i++) {
            if (staging[i] != null) cuMemFree(staging[i]);
            staging[i] = null;
            stagingBytes[i] = 0;
        }
        if (scratch != null) cuMemFree(scratch);
        if (buckets != null) cuMemFree(buckets);
        if (embIdx != null) cuMemFree(embIdx);
        if (rowIdx != null) cuMemFree(rowIdx);
        scratch = buckets = embIdx = rowIdx = null;
        scratchBytes = embIdxBytes = rowIdxBytes = 0;
        rowIdxN = -1;
    }
}
