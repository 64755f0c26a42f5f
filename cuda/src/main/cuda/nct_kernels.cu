// nct CUDA kernels: the kernel contract (org.nct.kernels.Kernels) on the GPU.
//
// Deterministic profile (every kernel here except those whose name contains "fast"): compiled with
// -fmad=false -ftz=false -prec-div=true -prec-sqrt=true; every multiply-add that the CPU reference
// fuses is an explicit __fmaf_rn, every other operation a separately rounded IEEE op; no atomics;
// every reduction follows the canonical order of org.nct.kernels.NumericsProfile (sequential FMA
// chains for matrix products, 16 strided partials and the fixed pairwise tree for row sums).
// Pointers arrive already offset by the host (element offsets of the contract).

#include <mma.h>

#define NCT_FULL 0xffffffffu

// ------------------------------------------------------------------ NctMath, step for step

__device__ __forceinline__ float nct_pow2(int n) { return __int_as_float((n + 127) << 23); }

__device__ float nct_exp(float x) {
    if (x != x) return x;
    if (x > 88.7228391f) return __int_as_float(0x7f800000);
    if (x < -103.972084f) return 0.0f;
    const float ROUND_MAGIC = 12582912.0f;
    float kf = __fsub_rn(__fmaf_rn(x, 1.44269504088896341f, ROUND_MAGIC), ROUND_MAGIC);
    float r = __fmaf_rn(kf, -0.693359375f, x);
    r = __fmaf_rn(kf, 2.12194440e-4f, r);
    float p = __fmaf_rn(1.9875691500E-4f, r, 1.3981999507E-3f);
    p = __fmaf_rn(p, r, 8.3334519073E-3f);
    p = __fmaf_rn(p, r, 4.1665795894E-2f);
    p = __fmaf_rn(p, r, 1.6666665459E-1f);
    p = __fmaf_rn(p, r, 5.0000001201E-1f);
    float r2 = __fmul_rn(r, r);
    float y = __fadd_rn(__fmaf_rn(p, r2, r), 1.0f);
    int n = __float2int_rz(kf);
    int n1 = n >> 1;
    int n2 = n - n1;
    return __fmul_rn(__fmul_rn(y, nct_pow2(n1)), nct_pow2(n2));
}

__device__ float nct_log(float x) {
    if (x != x || x < 0.0f) return __int_as_float(0x7fc00000);
    if (x == 0.0f) return __int_as_float(0xff800000);
    if (x == __int_as_float(0x7f800000)) return x;
    int bits = __float_as_int(x);
    int e = 0;
    if (bits < 0x00800000) {
        x = __fmul_rn(x, 8388608.0f);
        bits = __float_as_int(x);
        e = -23;
    }
    e += (int)(((unsigned)bits >> 23) & 0xff) - 126;
    float m = __int_as_float((bits & 0x007fffff) | 0x3f000000);
    if (m < 0.707106781186547524f) {
        e -= 1;
        m = __fsub_rn(__fadd_rn(m, m), 1.0f);
    } else {
        m = __fsub_rn(m, 1.0f);
    }
    float fe = (float)e;
    float z = __fmul_rn(m, m);
    float p = __fmaf_rn(7.0376836292E-2f, m, -1.1514610310E-1f);
    p = __fmaf_rn(p, m, 1.1676998740E-1f);
    p = __fmaf_rn(p, m, -1.2420140846E-1f);
    p = __fmaf_rn(p, m, 1.4249322787E-1f);
    p = __fmaf_rn(p, m, -1.6668057665E-1f);
    p = __fmaf_rn(p, m, 2.0000714765E-1f);
    p = __fmaf_rn(p, m, -2.4999993993E-1f);
    p = __fmaf_rn(p, m, 3.3333331174E-1f);
    float y = __fmul_rn(__fmul_rn(m, z), p);
    y = __fmaf_rn(fe, -2.12194440e-4f, y);
    y = __fmaf_rn(-0.5f, z, y);
    float r = __fadd_rn(m, y);
    return __fmaf_rn(fe, 0.693359375f, r);
}

// ------------------------------------------------------------------ canonical 16-partial sums

// The fixed pairwise tree over the partials held by lanes 0..15 (lane j holds p[j]); the result
// is in lane 0. Lanes 16..31 take part in the shuffles but their values are never used.
__device__ __forceinline__ float tree16_warp(float p) {
    int lane = threadIdx.x & 31;
    for (int w = 8; w >= 1; w >>= 1) {
        float o = __shfl_down_sync(NCT_FULL, p, w);
        if (lane < w) p = __fadd_rn(p, o);
    }
    return __shfl_sync(NCT_FULL, p, 0);
}

// 16-partial dot product computed by one thread (partial j over i = j, j+16, ..., then the tree);
// element i of b at b[i·STEP] (STEP 1: a row; 16: a key in attentionCached's tiles of 16 positions).
template <int STEP>
__device__ float dot16_step(const float* a, const float* b, int n) {
    float p0 = 0.0f, p1 = 0.0f, p2 = 0.0f, p3 = 0.0f, p4 = 0.0f, p5 = 0.0f, p6 = 0.0f, p7 = 0.0f;
    float p8 = 0.0f, p9 = 0.0f, p10 = 0.0f, p11 = 0.0f, p12 = 0.0f, p13 = 0.0f, p14 = 0.0f, p15 = 0.0f;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        p0 = __fmaf_rn(a[i], b[i * STEP], p0);           p1 = __fmaf_rn(a[i + 1], b[(i + 1) * STEP], p1);
        p2 = __fmaf_rn(a[i + 2], b[(i + 2) * STEP], p2);   p3 = __fmaf_rn(a[i + 3], b[(i + 3) * STEP], p3);
        p4 = __fmaf_rn(a[i + 4], b[(i + 4) * STEP], p4);   p5 = __fmaf_rn(a[i + 5], b[(i + 5) * STEP], p5);
        p6 = __fmaf_rn(a[i + 6], b[(i + 6) * STEP], p6);   p7 = __fmaf_rn(a[i + 7], b[(i + 7) * STEP], p7);
        p8 = __fmaf_rn(a[i + 8], b[(i + 8) * STEP], p8);   p9 = __fmaf_rn(a[i + 9], b[(i + 9) * STEP], p9);
        p10 = __fmaf_rn(a[i + 10], b[(i + 10) * STEP], p10); p11 = __fmaf_rn(a[i + 11], b[(i + 11) * STEP], p11);
        p12 = __fmaf_rn(a[i + 12], b[(i + 12) * STEP], p12); p13 = __fmaf_rn(a[i + 13], b[(i + 13) * STEP], p13);
        p14 = __fmaf_rn(a[i + 14], b[(i + 14) * STEP], p14); p15 = __fmaf_rn(a[i + 15], b[(i + 15) * STEP], p15);
    }
    int r = n - i;   // 0..15 left: partial j gets element i + j
    if (r > 0) p0 = __fmaf_rn(a[i], b[i * STEP], p0);
    if (r > 1) p1 = __fmaf_rn(a[i + 1], b[(i + 1) * STEP], p1);
    if (r > 2) p2 = __fmaf_rn(a[i + 2], b[(i + 2) * STEP], p2);
    if (r > 3) p3 = __fmaf_rn(a[i + 3], b[(i + 3) * STEP], p3);
    if (r > 4) p4 = __fmaf_rn(a[i + 4], b[(i + 4) * STEP], p4);
    if (r > 5) p5 = __fmaf_rn(a[i + 5], b[(i + 5) * STEP], p5);
    if (r > 6) p6 = __fmaf_rn(a[i + 6], b[(i + 6) * STEP], p6);
    if (r > 7) p7 = __fmaf_rn(a[i + 7], b[(i + 7) * STEP], p7);
    if (r > 8) p8 = __fmaf_rn(a[i + 8], b[(i + 8) * STEP], p8);
    if (r > 9) p9 = __fmaf_rn(a[i + 9], b[(i + 9) * STEP], p9);
    if (r > 10) p10 = __fmaf_rn(a[i + 10], b[(i + 10) * STEP], p10);
    if (r > 11) p11 = __fmaf_rn(a[i + 11], b[(i + 11) * STEP], p11);
    if (r > 12) p12 = __fmaf_rn(a[i + 12], b[(i + 12) * STEP], p12);
    if (r > 13) p13 = __fmaf_rn(a[i + 13], b[(i + 13) * STEP], p13);
    if (r > 14) p14 = __fmaf_rn(a[i + 14], b[(i + 14) * STEP], p14);
    // the fixed tree: w = 8, 4, 2, 1: p[j] = p[j] + p[j + w]
    p0 = __fadd_rn(p0, p8); p1 = __fadd_rn(p1, p9); p2 = __fadd_rn(p2, p10); p3 = __fadd_rn(p3, p11);
    p4 = __fadd_rn(p4, p12); p5 = __fadd_rn(p5, p13); p6 = __fadd_rn(p6, p14); p7 = __fadd_rn(p7, p15);
    p0 = __fadd_rn(p0, p4); p1 = __fadd_rn(p1, p5); p2 = __fadd_rn(p2, p6); p3 = __fadd_rn(p3, p7);
    p0 = __fadd_rn(p0, p2); p1 = __fadd_rn(p1, p3);
    return __fadd_rn(p0, p1);
}

__device__ float dot16_thread(const float* a, const float* b, int n) { return dot16_step<1>(a, b, n); }

// ------------------------------------------------------------------ GEMM
#define GK 8

// Tiles of (64·G) x (64·G) outputs, 256 threads as 16 x 16; thread (ty, tx) owns rows
// {g·64 + ty·4 + i} and columns {g·64 + tx·4 + j} (g < G, i, j < 4): 16-byte shared-memory reads
// without bank conflicts. The next K tile is fetched into registers while the current one is used.
// G = 2 (128 x 128) for large products, G = 1 (64 x 64) when the large tiles would leave
// multiprocessors idle.
template <int G>
__device__ __forceinline__ void gemm_fetch(float* ra, float* rb, const float* __restrict__ A, long long a_i,
                                           long long a_l, const float* __restrict__ B, long long b_l, long long b_j,
                                           int R, int S, int L, int row0, int col0, int l0, int tid) {
    const int TB = 64 * G;
#pragma unroll
    for (int q = 0; q < 2 * G; q++) {
        int e = tid + 256 * q;
        int i, kk;
        if (a_l == 1) { kk = e & 7; i = e >> 3; } else { i = e % TB; kk = e / TB; }
        int r = row0 + i, l = l0 + kk;
        ra[q] = (r < R && l < L) ? A[r * a_i + l * a_l] : 0.0f;
        int j;
        if (b_l == 1) { kk = e & 7; j = e >> 3; } else { j = e % TB; kk = e / TB; }
        int c = col0 + j;
        l = l0 + kk;
        rb[q] = (c < S && l < L) ? B[l * b_l + c * b_j] : 0.0f;
    }
}

template <int G>
__device__ __forceinline__ void gemm_stash(float (*As)[64 * G + 4], float (*Bs)[64 * G + 4], const float* ra,
                                           const float* rb, long long a_l, long long b_l, int tid) {
    const int TB = 64 * G;
#pragma unroll
    for (int q = 0; q < 2 * G; q++) {
        int e = tid + 256 * q;
        if (a_l == 1) As[e & 7][e >> 3] = ra[q]; else As[e / TB][e % TB] = ra[q];
        if (b_l == 1) Bs[e & 7][e >> 3] = rb[q]; else Bs[e / TB][e % TB] = rb[q];
    }
}

template <int G>
__device__ __forceinline__ void gemm_det_tile(float* __restrict__ C, const float* __restrict__ A, long long a_i,
                                              long long a_l, const float* __restrict__ B, long long b_l, long long b_j,
                                              const float* __restrict__ bias, int R, int S, int L, int mode) {
    const int TB = 64 * G, N = 4 * G;
    __shared__ __align__(16) float As[GK][TB + 4];
    __shared__ __align__(16) float Bs[GK][TB + 4];
    int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    int row0 = blockIdx.y * TB, col0 = blockIdx.x * TB;
    float acc[N][N];
#pragma unroll
    for (int ii = 0; ii < N; ii++) {
        int r = row0 + (ii >> 2) * 64 + ty * 4 + (ii & 3);
#pragma unroll
        for (int jj = 0; jj < N; jj++) {
            int c = col0 + (jj >> 2) * 64 + tx * 4 + (jj & 3);
            float v = 0.0f;
            if (r < R && c < S) {
                if (mode == 1) v = bias[c];
                else if (mode == 2) v = C[(long long)r * S + c];
            }
            acc[ii][jj] = v;
        }
    }
    float ra[2 * G], rb[2 * G];
    gemm_fetch<G>(ra, rb, A, a_i, a_l, B, b_l, b_j, R, S, L, row0, col0, 0, tid);
    gemm_stash<G>(As, Bs, ra, rb, a_l, b_l, tid);
    __syncthreads();
    for (int l0 = 0; l0 < L; l0 += GK) {
        bool more = l0 + GK < L;
        if (more) gemm_fetch<G>(ra, rb, A, a_i, a_l, B, b_l, b_j, R, S, L, row0, col0, l0 + GK, tid);
        int kmax = min(GK, L - l0);
#pragma unroll
        for (int kk = 0; kk < GK; kk++) {
            if (kk < kmax) {
                float a[N], b[N];
#pragma unroll
                for (int g = 0; g < G; g++) {
                    float4 av = *reinterpret_cast<const float4*>(&As[kk][g * 64 + ty * 4]);
                    float4 bv = *reinterpret_cast<const float4*>(&Bs[kk][g * 64 + tx * 4]);
                    a[4 * g] = av.x; a[4 * g + 1] = av.y; a[4 * g + 2] = av.z; a[4 * g + 3] = av.w;
                    b[4 * g] = bv.x; b[4 * g + 1] = bv.y; b[4 * g + 2] = bv.z; b[4 * g + 3] = bv.w;
                }
#pragma unroll
                for (int ii = 0; ii < N; ii++)
#pragma unroll
                    for (int jj = 0; jj < N; jj++) acc[ii][jj] = __fmaf_rn(a[ii], b[jj], acc[ii][jj]);
            }
        }
        __syncthreads();
        if (more) {
            gemm_stash<G>(As, Bs, ra, rb, a_l, b_l, tid);
            __syncthreads();
        }
    }
#pragma unroll
    for (int ii = 0; ii < N; ii++) {
        int r = row0 + (ii >> 2) * 64 + ty * 4 + (ii & 3);
#pragma unroll
        for (int jj = 0; jj < N; jj++) {
            int c = col0 + (jj >> 2) * 64 + tx * 4 + (jj & 3);
            if (r < R && c < S) C[(long long)r * S + c] = acc[ii][jj];
        }
    }
}

// C(i,j) for i < R, j < S (row-major, ld S) = chain over l = 0..L-1 of fma(A(i,l), B(l,j), acc),
// A(i,l) = A[i*a_i + l*a_l], B(l,j) = B[l*b_l + j*b_j]. mode 0: acc starts at 0; 1: at bias[j];
// 2: at C(i,j). K (= l) is walked in order by the thread that owns the output: no split-K.
extern "C" __global__ void __launch_bounds__(256)
gemm_det(float* __restrict__ C, const float* __restrict__ A, long long a_i, long long a_l,
         const float* __restrict__ B, long long b_l, long long b_j, const float* __restrict__ bias,
         int R, int S, int L, int mode) {
    gemm_det_tile<2>(C, A, a_i, a_l, B, b_l, b_j, bias, R, S, L, mode);
}

extern "C" __global__ void __launch_bounds__(256)
gemm_det64(float* __restrict__ C, const float* __restrict__ A, long long a_i, long long a_l,
           const float* __restrict__ B, long long b_l, long long b_j, const float* __restrict__ bias,
           int R, int S, int L, int mode) {
    gemm_det_tile<1>(C, A, a_i, a_l, B, b_l, b_j, bias, R, S, L, mode);
}

// Fast profile: the same product on the tensor cores in TF32 (wmma m16n16k8, fp32 accumulate),
// unordered with respect to the canonical chain. Never used for coding.
#define FB 128
#define FK 32
extern "C" __global__ void __launch_bounds__(256)
gemm_fast_tf32(float* __restrict__ C, const float* __restrict__ A, long long a_i, long long a_l,
               const float* __restrict__ B, long long b_l, long long b_j, const float* __restrict__ bias,
               int R, int S, int L, int mode) {
    using namespace nvcuda;
    __shared__ __align__(128) float As[FB][FK + 4];     // (i, l)
    __shared__ __align__(128) float Bs[FK][FB + 4];     // (l, j)
    __shared__ __align__(128) float Stage[8][16 * 16];
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    int wm = warp >> 1, wn = warp & 1;   // 4 x 2 warps, each 32 x 64
    int row0 = blockIdx.y * FB, col0 = blockIdx.x * FB;
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][4];
#pragma unroll
    for (int fi = 0; fi < 2; fi++)
#pragma unroll
        for (int fj = 0; fj < 4; fj++) wmma::fill_fragment(acc[fi][fj], 0.0f);
    for (int l0 = 0; l0 < L; l0 += FK) {
        for (int e = tid; e < FB * FK; e += 256) {
            int i, kk;
            if (a_l == 1) { kk = e & (FK - 1); i = e / FK; } else { i = e & (FB - 1); kk = e / FB; }
            int r = row0 + i, l = l0 + kk;
            As[i][kk] = wmma::__float_to_tf32((r < R && l < L) ? A[r * a_i + l * a_l] : 0.0f);
            int j;
            if (b_l == 1) { kk = e & (FK - 1); j = e / FK; } else { j = e & (FB - 1); kk = e / FB; }
            int c = col0 + j;
            l = l0 + kk;
            Bs[kk][j] = wmma::__float_to_tf32((c < S && l < L) ? B[l * b_l + c * b_j] : 0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < FK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bf[4];
#pragma unroll
            for (int fi = 0; fi < 2; fi++) wmma::load_matrix_sync(af[fi], &As[wm * 32 + fi * 16][kk], FK + 4);
#pragma unroll
            for (int fj = 0; fj < 4; fj++) wmma::load_matrix_sync(bf[fj], &Bs[kk][wn * 64 + fj * 16], FB + 4);
#pragma unroll
            for (int fi = 0; fi < 2; fi++)
#pragma unroll
                for (int fj = 0; fj < 4; fj++) wmma::mma_sync(acc[fi][fj], af[fi], bf[fj], acc[fi][fj]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int fi = 0; fi < 2; fi++)
#pragma unroll
        for (int fj = 0; fj < 4; fj++) {
            wmma::store_matrix_sync(Stage[warp], acc[fi][fj], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {
                int r = row0 + wm * 32 + fi * 16 + (e >> 4);
                int c = col0 + wn * 64 + fj * 16 + (e & 15);
                if (r < R && c < S) {
                    float v = Stage[warp][e];
                    if (mode == 1) v += bias[c];
                    else if (mode == 2) v += C[(long long)r * S + c];
                    C[(long long)r * S + c] = v;
                }
            }
            __syncwarp();
        }
}

// ------------------------------------------------------------------ RMSNorm (one warp per row)

extern "C" __global__ void rmsnorm_fwd(float* out, float* rstd, const float* x, const float* gain,
                                       int rows, int c, float eps) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* xr = x + (long long)row * c;
    float p = 0.0f;
    if (lane < 16) for (int i = lane; i < c; i += 16) p = __fmaf_rn(xr[i], xr[i], p);
    float ss = tree16_warp(p);
    float ms = __fdiv_rn(ss, (float)c);
    float rs = __fdiv_rn(1.0f, __fsqrt_rn(__fadd_rn(ms, eps)));
    if (lane == 0) rstd[row] = rs;
    float* o = out + (long long)row * c;
    for (int i = lane; i < c; i += 32) o[i] = __fmul_rn(__fmul_rn(xr[i], rs), gain[i]);
}

// s = 16-partial sum of fma(dout·gain, x, p); c2 = (s·(rs·rs))/C;
// dx[r,i] = dx[r,i] + rs·fma(−x, c2, dout·gain).
extern "C" __global__ void rmsnorm_bwd_dx(float* dx, const float* dout, const float* x, const float* gain,
                                          const float* rstd, int rows, int c) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* xr = x + (long long)row * c;
    const float* dr = dout + (long long)row * c;
    float rs = rstd[row];
    float p = 0.0f;
    if (lane < 16) for (int i = lane; i < c; i += 16) p = __fmaf_rn(__fmul_rn(dr[i], gain[i]), xr[i], p);
    float sum = tree16_warp(p);
    float c2 = __fdiv_rn(__fmul_rn(sum, __fmul_rn(rs, rs)), (float)c);
    float* o = dx + (long long)row * c;
    for (int i = lane; i < c; i += 32) {
        float t = __fmaf_rn(-xr[i], c2, __fmul_rn(dr[i], gain[i]));
        o[i] = __fadd_rn(o[i], __fmul_rn(rs, t));
    }
}

// dgain[i] += sum over rows r = 0..R-1 in order of dout[r,i]·(x[r,i]·rstd[r]).
extern "C" __global__ void rmsnorm_bwd_dgain(float* dgain, const float* dout, const float* x, const float* rstd,
                                             int rows, int c) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= c) return;
    float acc = dgain[i];
    for (int r = 0; r < rows; r++) {
        long long o = (long long)r * c + i;
        acc = __fmaf_rn(__fmul_rn(x[o], rstd[r]), dout[o], acc);
    }
    dgain[i] = acc;
}

// ------------------------------------------------------------------ attention
// One warp per (b, h, t) query row. Scores: one lane per key (each a whole dot16 over D), in
// row storage `sc` (the att row, or scratch); the softmax sum is the canonical 16-partial sum
// over keys; out[d] = sequential chain over s = 0..t of fma(p[s], v_s[d], acc).
// Keys and bias (KEYS): KEYS_ROWS: element j of key s at kbase[s·kvStride + j], its bias
// rb[buckets[pos − s]]; KEYS_TILED (attentionCached's layout): element j of key s at
// kbase[(s − s%16)·d + j·16 + s%16], its bias rb[s] (rb: the reversed bias-by-distance row, already
// moved to distance pos); KEYS_ROWS_CHAIN (the training profile): as KEYS_ROWS, but each score is
// the sequential chain over j of fma(q[j], k_s[j], acc) from +0 instead of a dot16. Values: value s
// at vbase[s·kvStride ..] in all three.
// acc = chain over i = 0..d-1 of fma(a[i], b[i], acc) from +0 (ScalarPrimitives.trainScores).
__device__ __forceinline__ float chain_dot(const float* a, const float* b, int d) {
    float acc = 0.0f;
    for (int i = 0; i < d; i++) acc = __fmaf_rn(a[i], b[i], acc);
    return acc;
}
enum { KEYS_ROWS = 0, KEYS_TILED = 1, KEYS_ROWS_CHAIN = 2 };
template <int KEYS>
__device__ void attn_row_warp_t(float* out, const float* q, const float* kbase, const float* vbase,
                                long long kvStride, const float* rb, const int* buckets, float* sc,
                                int pos, int d, float scale) {
    int lane = threadIdx.x & 31;
    float mx = __int_as_float(0xff800000);
    for (int s = lane; s <= pos; s += 32) {
        float dot = KEYS == KEYS_TILED ? dot16_step<16>(q, kbase + (long long)(s & ~15) * d + (s & 15), d)
                  : KEYS == KEYS_ROWS_CHAIN ? chain_dot(q, kbase + (long long)s * kvStride, d)
                  : dot16_step<1>(q, kbase + (long long)s * kvStride, d);
        float v = __fadd_rn(__fmul_rn(dot, scale), KEYS == KEYS_TILED ? rb[s] : rb[buckets[pos - s]]);
        sc[s] = v;
        mx = fmaxf(mx, v);
    }
    for (int o = 16; o >= 1; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(NCT_FULL, mx, o));
    __syncwarp();
    for (int s = lane; s <= pos; s += 32) sc[s] = nct_exp(__fsub_rn(sc[s], mx));
    __syncwarp();
    float p = 0.0f;
    if (lane < 16) for (int s = lane; s <= pos; s += 16) p = __fadd_rn(p, sc[s]);
    float sum = tree16_warp(p);
    float inv = __fdiv_rn(1.0f, sum);
    __syncwarp();
    for (int s = lane; s <= pos; s += 32) sc[s] = __fmul_rn(sc[s], inv);
    __syncwarp();
    for (int dd = lane; dd < d; dd += 32) {
        float acc = 0.0f;
        for (int s = 0; s <= pos; s++) acc = __fmaf_rn(sc[s], vbase[(long long)s * kvStride + dd], acc);
        out[dd] = acc;
    }
}

// Forward over a whole sequence, one warp per query row (b, h, t): the row in the att row, +0
// above the diagonal. KEYS_ROWS: the coding profile (attn_fwd); KEYS_ROWS_CHAIN: the training
// profile (attn_train_fwd).
template <int KEYS>
__device__ void attn_fwd_rows(float* out, float* att, const float* qkv, const float* relBias,
                              const int* buckets, int B, int T, int H, int D, int nb, float scale) {
    int w = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (w >= B * H * T) return;   // whole warps: the shuffles in attn_row_warp_t see all 32 lanes
    int t = w % T, h = (w / T) % H, b = w / (T * H);
    long long HD = (long long)H * D, row = 3 * HD;
    const float* base = qkv + (long long)b * T * row;
    float* sc = att + (((long long)b * H + h) * T + t) * T;
    attn_row_warp_t<KEYS>(out + ((long long)b * T + t) * HD + (long long)h * D, base + (long long)t * row + (long long)h * D,
                          base + HD + (long long)h * D, base + 2 * HD + (long long)h * D, row,
                          relBias + (long long)h * nb, buckets, sc, t, D, scale);
    int lane = threadIdx.x & 31;
    for (int s = t + 1 + lane; s < T; s += 32) sc[s] = 0.0f;
}

extern "C" __global__ void attn_fwd(float* out, float* att, const float* qkv, const float* relBias,
                                    const int* buckets, int B, int T, int H, int D, int nb, float scale) {
    attn_fwd_rows<KEYS_ROWS>(out, att, qkv, relBias, buckets, B, T, H, D, nb, scale);
}

// Rows of incremental decoding over row-major caches (attentionRow launches one row, slot null):
// row i is one query of the stream in cache slot slot[i] (slot i when slot is null): its cache at
// kCache + slot·seqStride (rows of kvStride floats), its query at q + i·qStride, its position
// pos[i]; scratch holds (nrows·H, scratchRow) floats.
extern "C" __global__ void attn_rows(float* out, long long outStride, const float* q, long long qStride,
                                     const float* kCache, const float* vCache, const int* slot, long long seqStride,
                                     long long kvStride, const float* relBias, const int* buckets, const int* pos,
                                     float* scratch, long long scratchRow, int nrows, int H, int D, int nb, float scale) {
    int w = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (w >= nrows * H) return;
    int h = w % H, i = w / H;
    long long base = (slot ? slot[i] : i) * seqStride + (long long)h * D;
    attn_row_warp_t<KEYS_ROWS>(out + i * outStride + (long long)h * D, q + i * qStride + (long long)h * D,
                  kCache + base, vCache + base, kvStride,
                  relBias + (long long)h * nb, buckets, scratch + (long long)w * scratchRow, pos[i], D, scale);
}

// Kernels.attentionCached (the coding path's batched incremental attention), one warp per (row i,
// head h), w = i·H + h: row i's query at q + i·qStride, its output at out + i·outStride, its cache
// the region ((slot[i]·H + h)·cap·D) of kt (keys in tiles of 16 positions) and of v (values, rows of
// D), its position p = pos[i] (keys 0..p); the bias of key s is bias[h·bStride + bStride − 1 − p + s]
// (the reversed table: distance p − s). scratch holds (nrows·H, scratchRow ≥ max pos + 1) floats.
// Each (row, head) is OpsDriver.AttnCached's computation over ScalarPrimitives: scoresCached (a
// dot16 per key), biasScaleRange (·scale, then + bias), max, expSum16 (nct_exp, 16 partials, tree),
// scaleRange (·(1/sum)), weightedRowSum (a chain over s = 0..p from +0).
extern "C" __global__ void attn_cached(float* out, long long outStride, const float* q, long long qStride,
                                       const float* kt, const float* v, const float* bias, int bStride,
                                       const int* slot, const int* pos, float* scratch, long long scratchRow,
                                       int nrows, int H, int D, int cap, float scale) {
    int w = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (w >= nrows * H) return;
    int h = w % H, i = w / H;
    int p = pos[i];
    long long region = ((long long)slot[i] * H + h) * cap * D;
    attn_row_warp_t<KEYS_TILED>(out + i * outStride + (long long)h * D, q + i * qStride + (long long)h * D,
                          kt + region, v + region, D, bias + (long long)h * bStride + (bStride - 1 - p),
                          nullptr, scratch + (long long)w * scratchRow, p, D, scale);
}

// Backward, step 1 (one warp per query row (b,h,t)): dP[s] = dot16(dout_t, v_s); rowDot = the
// 16-partial sum over s of fma(p[s], dP[s]); ds[s] = p[s]·(dP[s] − rowDot), stored unscaled in dsc
// (same layout as att); dq_t = chain over s of fma(ds[s]·scale, k_s, dq_t) from dq_t's value.
// CHAIN (the training profile): dP[s] is chain_dot(dout_t, v_s) instead of dot16; all else the same.
template <bool CHAIN>
__device__ void attn_bwd_row_warp(float* dqkv, float* dsc, const float* dout, const float* qkv,
                                  const float* att, int B, int T, int H, int D, float scale) {
    int w = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (w >= B * H * T) return;
    int lane = threadIdx.x & 31;
    int t = w % T, h = (w / T) % H, b = w / (T * H);
    long long HD = (long long)H * D, row = 3 * HD;
    const float* base = qkv + (long long)b * T * row;
    const float* p = att + (((long long)b * H + h) * T + t) * T;
    float* ds = dsc + (((long long)b * H + h) * T + t) * T;
    const float* go = dout + ((long long)b * T + t) * HD + (long long)h * D;
    for (int s = lane; s <= t; s += 32) ds[s] = CHAIN ? chain_dot(go, base + (long long)s * row + 2 * HD + (long long)h * D, D)
                                                   : dot16_thread(go, base + (long long)s * row + 2 * HD + (long long)h * D, D);
    __syncwarp();
    float part = 0.0f;
    if (lane < 16) for (int s = lane; s <= t; s += 16) part = __fmaf_rn(p[s], ds[s], part);
    float rowDot = tree16_warp(part);
    __syncwarp();
    for (int s = lane; s <= t; s += 32) ds[s] = __fmul_rn(p[s], __fsub_rn(ds[s], rowDot));
    __syncwarp();
    float* dq = dqkv + ((long long)b * T + t) * row + (long long)h * D;
    for (int dd = lane; dd < D; dd += 32) {
        float acc = dq[dd];
        for (int s = 0; s <= t; s++)
            acc = __fmaf_rn(__fmul_rn(ds[s], scale), base[(long long)s * row + HD + (long long)h * D + dd], acc);
        dq[dd] = acc;
    }
}

extern "C" __global__ void attn_bwd_rows(float* dqkv, float* dsc, const float* dout, const float* qkv,
                                         const float* att, int B, int T, int H, int D, float scale) {
    attn_bwd_row_warp<false>(dqkv, dsc, dout, qkv, att, B, T, H, D, scale);
}

// Backward, step 2 (one thread per (b, h, s, d)): dk_s = chain over t = s..T-1 of
// fma(ds[t][s]·scale, q_t, dk_s); dv_s = chain over t of fma(p[t][s], dout_t, dv_s); both from
// the values dqkv holds.
extern "C" __global__ void attn_bwd_kv(float* dqkv, const float* dsc, const float* dout, const float* qkv,
                                       const float* att, int B, int T, int H, int D, float scale) {
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long)B * H * T * D) return;
    int dd = idx % D, s = (idx / D) % T, h = (idx / ((long long)D * T)) % H, b = idx / ((long long)D * T * H);
    long long HD = (long long)H * D, row = 3 * HD;
    const float* base = qkv + (long long)b * T * row;
    const float* P = att + ((long long)b * H + h) * T * T;
    const float* DS = dsc + ((long long)b * H + h) * T * T;
    float* g = dqkv + (long long)b * T * row + (long long)s * row + (long long)h * D + dd;
    float ak = g[HD], av = g[2 * HD];
    for (int t = s; t < T; t++) {
        ak = __fmaf_rn(__fmul_rn(DS[(long long)t * T + s], scale), base[(long long)t * row + (long long)h * D + dd], ak);
        av = __fmaf_rn(P[(long long)t * T + s], dout[((long long)b * T + t) * HD + (long long)h * D + dd], av);
    }
    g[HD] = ak;
    g[2 * HD] = av;
}

// Backward, step 3 (one thread per (b, h, bucket k)): partial = 0 + ds[t][s] over t in order, s
// in order, for the s with bucket(t − s) = k (a contiguous range of distances).
extern "C" __global__ void attn_bwd_bias_partial(float* partials, const float* dsc, const int* buckets,
                                                 int B, int T, int H, int nb) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= B * H * nb) return;
    int k = idx % nb, bh = idx / nb;
    int lo = -1, hi = -2;
    for (int n = 0; n < T; n++) {
        if (buckets[n] == k) { if (lo < 0) lo = n; hi = n; }
    }
    float acc = 0.0f;
    if (lo >= 0) {
        const float* DS = dsc + (long long)bh * T * T;
        for (int t = lo; t < T; t++) {
            int s0 = max(0, t - hi), s1 = t - lo;
            for (int s = s0; s <= s1; s++) acc = __fadd_rn(acc, DS[(long long)t * T + s]);
        }
    }
    partials[idx] = acc;
}

// dRelBias[h,k] = dRelBias[h,k] + partial(seq 0) + partial(seq 1) + ... (sequences in order).
extern "C" __global__ void attn_bwd_bias(float* dRelBias, const float* partials, int B, int H, int nb) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= H * nb) return;
    float acc = dRelBias[idx];
    for (int b = 0; b < B; b++) acc = __fadd_rn(acc, partials[(long long)b * H * nb + idx]);
    dRelBias[idx] = acc;
}

// ------------------------------------------------------------------ elementwise

extern "C" __global__ void relu_gate_fwd(float* out, const float* gate, const float* up, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __fmul_rn(fmaxf(gate[i], 0.0f), up[i]);
}

extern "C" __global__ void relu_gate_bwd(float* dgate, float* dup, const float* dout, const float* gate,
                                         const float* up, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = gate[i], d = dout[i];
    if (g > 0.0f) dgate[i] = __fadd_rn(dgate[i], __fmul_rn(d, up[i]));
    dup[i] = __fadd_rn(dup[i], __fmul_rn(fmaxf(g, 0.0f), d));
}

extern "C" __global__ void add_kernel(float* out, const float* a, const float* b, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __fadd_rn(a[i], b[i]);
}

extern "C" __global__ void scale_kernel(float* x, long long n, float s) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = __fmul_rn(x[i], s);
}

// ------------------------------------------------------------------ embedding

extern "C" __global__ void embed_fwd(float* out, const float* table, const int* tokens, int rows, int c) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * c) return;
    int r = i / c, col = i % c;
    out[i] = table[(long long)tokens[r] * c + col];
}

// Backward without atomics: block g owns the distinct token toks[g]; its rows are
// order[starts[g]..starts[g+1]) in increasing r (a stable bucket sort done by the host), added in
// that order, so dtable[v,:] = ((dtable[v,:] + dout[r0,:]) + dout[r1,:]) + ...
extern "C" __global__ void embed_bwd(float* dtable, const float* dout, const int* order, const int* starts,
                                     const int* toks, int c) {
    int g = blockIdx.x;
    int col = blockIdx.y * blockDim.x + threadIdx.x;
    if (col >= c) return;
    float* dst = dtable + (long long)toks[g] * c + col;
    float acc = *dst;
    for (int i = starts[g]; i < starts[g + 1]; i++) acc = __fadd_rn(acc, dout[(long long)order[i] * c + col]);
    *dst = acc;
}

// ------------------------------------------------------------------ cross-entropy with z-loss
// One warp per row: max (order-free), then the canonical 16-partial sum of exp(l − max).
extern "C" __global__ void ce_fwd(float* loss, float* lse, const float* logits, const int* targets,
                                  int rows, int vocab, float zLoss) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* l = logits + (long long)row * vocab;
    int tgt = targets[row];
    float mx = __int_as_float(0xff800000);
    for (int i = lane; i < vocab; i += 32) mx = fmaxf(mx, l[i]);
    for (int o = 16; o >= 1; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(NCT_FULL, mx, o));
    float p = 0.0f;
    if (lane < 16) for (int i = lane; i < vocab; i += 16) p = __fadd_rn(p, nct_exp(__fsub_rn(l[i], mx)));
    float sum = tree16_warp(p);
    if (lane == 0) {
        float z = __fadd_rn(mx, nct_log(sum));
        lse[row] = z;
        loss[row] = tgt < 0 ? 0.0f : __fadd_rn(__fsub_rn(z, l[tgt]), __fmul_rn(__fmul_rn(zLoss, z), z));
    }
}

// dlogits = scale·(exp(l − lse)·(1 + 2·zLoss·lse) − [i == target]); 0 for padding rows.
extern "C" __global__ void ce_bwd(float* dlogits, const float* logits, const float* lse, const int* targets,
                                  int rows, int vocab, float zLoss, float scale) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * vocab) return;
    int r = i / vocab, col = i % vocab;
    int tgt = targets[r];
    if (tgt < 0) { dlogits[i] = 0.0f; return; }
    float z = lse[r];
    float sm = nct_exp(__fsub_rn(logits[i], z));
    float f = __fadd_rn(1.0f, __fmul_rn(__fmul_rn(2.0f, zLoss), z));
    float g = __fmul_rn(sm, f);
    if (col == tgt) g = __fsub_rn(g, 1.0f);
    dlogits[i] = __fmul_rn(scale, g);
}

// ------------------------------------------------------------------ optimizers and reductions

// m = fma(b1, m, (1−b1)·g); v = fma(b2, v, ((1−b2)·g)·g); u = fma(wd, p, (m/c1)/(sqrt(v/c2)+eps));
// p = fma(−lr, u, p).
extern "C" __global__ void adamw_kernel(float* p, const float* g, float* m, float* v, long long n,
                                        float lr, float b1, float b2, float c1, float c2, float eps, float wd) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float gi = g[i];
    float mi = __fmaf_rn(b1, m[i], __fmul_rn(__fsub_rn(1.0f, b1), gi));
    float vi = __fmaf_rn(b2, v[i], __fmul_rn(__fmul_rn(__fsub_rn(1.0f, b2), gi), gi));
    m[i] = mi;
    v[i] = vi;
    float pi = p[i];
    float u = __fmaf_rn(wd, pi, __fdiv_rn(__fdiv_rn(mi, c1), __fadd_rn(__fsqrt_rn(__fdiv_rn(vi, c2)), eps)));
    p[i] = __fmaf_rn(-lr, u, pi);
}

// ------------------------------------------------------------------ Adafactor (T5X), one tensor
// Factored: (1) per row (a warp): mean = sum16(fma(g,g,eps1))/cols, vr = fma(b2, vr, omb·mean);
// (2) per column (a thread): col = chain over rows of col + fma(g,g,eps1); vc = fma(b2, vc,
// omb·(col/rows)); cf = 1/sqrt(vc); (3) meanVr = sum16(vr)/rows; (4) u = (g·(1/sqrt(vr/meanVr)))·cf.
// Unfactored: v = fma(b2, v, omb·fma(g,g,eps1)); u = g·(1/sqrt(v)).
// Then rmsU = sqrt(dot16(u,u)/n), rmsP = sqrt(dot16(p,p)/n) (one warp each), and
// p = p − (lr·max(eps2, rmsP))·(u/max(1, rmsU/clip)).
extern "C" __global__ void ada_rows(float* vr, const float* g, int rows, int cols, float beta2, float eps1) {
    int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* gr = g + (long long)r * cols;
    float p = 0.0f;
    if (lane < 16) for (int j = lane; j < cols; j += 16) p = __fadd_rn(p, __fmaf_rn(gr[j], gr[j], eps1));
    float sum = tree16_warp(p);
    if (lane == 0) {
        float mean = __fdiv_rn(sum, (float)cols);
        vr[r] = __fmaf_rn(beta2, vr[r], __fmul_rn(__fsub_rn(1.0f, beta2), mean));
    }
}

extern "C" __global__ void ada_cols(float* vc, float* colFactor, const float* g, int rows, int cols,
                                    float beta2, float eps1) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    float acc = 0.0f;
    for (int r = 0; r < rows; r++) {
        float x = g[(long long)r * cols + j];
        acc = __fadd_rn(acc, __fmaf_rn(x, x, eps1));
    }
    float v = __fmaf_rn(beta2, vc[j], __fmul_rn(__fsub_rn(1.0f, beta2), __fdiv_rn(acc, (float)rows)));
    vc[j] = v;
    colFactor[j] = __fdiv_rn(1.0f, __fsqrt_rn(v));
}

// out[0] = sum16(x[0..n)) / n  (one warp)
extern "C" __global__ void mean16_kernel(float* out, const float* x, int n) {
    int lane = threadIdx.x & 31;
    float p = 0.0f;
    if (lane < 16) for (int i = lane; i < n; i += 16) p = __fadd_rn(p, x[i]);
    float s = tree16_warp(p);
    if (lane == 0) out[0] = __fdiv_rn(s, (float)n);
}

extern "C" __global__ void ada_factored_u(float* u, const float* g, const float* vr, const float* colFactor,
                                          const float* meanVr, int rows, int cols) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * cols) return;
    int r = i / cols, j = i % cols;
    float rf = __fdiv_rn(1.0f, __fsqrt_rn(__fdiv_rn(vr[r], meanVr[0])));
    u[i] = __fmul_rn(__fmul_rn(g[i], rf), colFactor[j]);
}

extern "C" __global__ void ada_unfactored_u(float* u, const float* g, float* v, long long n, float beta2, float eps1) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float gi = g[i];
    float vi = __fmaf_rn(beta2, v[i], __fmul_rn(__fsub_rn(1.0f, beta2), __fmaf_rn(gi, gi, eps1)));
    v[i] = vi;
    u[i] = __fmul_rn(gi, __fdiv_rn(1.0f, __fsqrt_rn(vi)));
}

// Canonical 16-partial sum of squares of x[0..n) by one block of 256 threads: warp 0's lanes
// 0..15 run the 16 sequential chains over chunks in shared memory while warps 1..7 load the next
// chunk (double buffering); result in thread 0.
#define SQ_CHUNK 4096
__device__ float sumsq16_block(const float* __restrict__ x, long long n) {
    __shared__ float buf[2][SQ_CHUNK];
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    long long nch = (n + SQ_CHUNK - 1) / SQ_CHUNK;
    float p = 0.0f;
    if (nch > 0) {
        int len0 = (int)min((long long)SQ_CHUNK, n);
        for (int i = tid; i < len0; i += blockDim.x) buf[0][i] = x[i];
    }
    __syncthreads();
    for (long long c = 0; c < nch; c++) {
        int cur = (int)(c & 1);
        if (warp != 0) {
            if (c + 1 < nch) {
                long long base = (c + 1) * SQ_CHUNK;
                int len = (int)min((long long)SQ_CHUNK, n - base);
                for (int i = tid - 32; i < len; i += blockDim.x - 32) buf[cur ^ 1][i] = x[base + i];
            }
        } else if (lane < 16) {
            int len = (int)min((long long)SQ_CHUNK, n - c * SQ_CHUNK);
            const float* bb = buf[cur];
            for (int i = lane; i < len; i += 16) p = __fmaf_rn(bb[i], bb[i], p);
        }
        __syncthreads();
    }
    float s = 0.0f;
    if (warp == 0) s = tree16_warp(p);
    return s;
}

// dots[0] = dot16(u,u) (block 0), dots[1] = dot16(p,p) (block 1); 256 threads each.
extern "C" __global__ void ada_dots(float* dots, const float* u, const float* p, long long n) {
    float s = sumsq16_block(blockIdx.x == 0 ? u : p, n);
    if (threadIdx.x == 0) dots[blockIdx.x] = s;
}

// Fast profile: sum of squares in two stages (block partials, then one block), not the canonical
// order. partials: gridDim.x floats.
extern "C" __global__ void sumsq_fast_partials(float* partials, const float* x, long long n) {
    __shared__ float red[256];
    float acc = 0.0f;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        acc = __fmaf_rn(x[i], x[i], acc);
    red[threadIdx.x] = acc;
    __syncthreads();
    for (int w = 128; w >= 1; w >>= 1) {
        if (threadIdx.x < w) red[threadIdx.x] = __fadd_rn(red[threadIdx.x], red[threadIdx.x + w]);
        __syncthreads();
    }
    if (threadIdx.x == 0) partials[blockIdx.x] = red[0];
}

extern "C" __global__ void sum_fast_final(float* out, const float* partials, int n) {
    __shared__ float red[256];
    float acc = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) acc = __fadd_rn(acc, partials[i]);
    red[threadIdx.x] = acc;
    __syncthreads();
    for (int w = 128; w >= 1; w >>= 1) {
        if (threadIdx.x < w) red[threadIdx.x] = __fadd_rn(red[threadIdx.x], red[threadIdx.x + w]);
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = red[0];
}

extern "C" __global__ void ada_update(float* p, const float* u, const float* dots, long long n, float lr,
                                      float eps2, float clip) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float fn = (float)n;
    float rmsU = __fsqrt_rn(__fdiv_rn(dots[0], fn));
    float denom = fmaxf(1.0f, __fdiv_rn(rmsU, clip));
    float rmsP = __fsqrt_rn(__fdiv_rn(dots[1], fn));
    float step = __fmul_rn(lr, fmaxf(eps2, rmsP));
    p[i] = __fsub_rn(p[i], __fmul_rn(step, __fdiv_rn(u[i], denom)));
}

// Canonical 16-partial sum of x² (fma) over n elements: one block of 256 threads.
extern "C" __global__ void sum_squares_kernel(float* out, const float* x, long long n) {
    float s = sumsq16_block(x, n);
    if (threadIdx.x == 0) out[0] = s;
}

// ------------------------------------------------------------------ incremental decoding helpers
// The cache layout of Kernels.attentionCached, per layer: keys (slots, H, cap/16, D, 16), values
// (slots, H, cap, D). Copies only (no arithmetic), so the bits are the CPU's.
// kvStore: row r of qkv (at r·qkvStride: q, k, v of H·D floats each) to position pos[r] of slot slot[r].
extern "C" __global__ void kv_store_tiled(float* kt, float* v, const float* qkv, long long qkvStride,
                                          const int* slot, const int* pos, int n, int H, int D, int cap) {
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long A = (long long)H * D;
    if (idx >= (long long)n * A) return;
    int r = (int)(idx / A);
    int hj = (int)(idx % A);
    int h = hj / D, j = hj % D;
    const float* row = qkv + (long long)r * qkvStride;
    int p = pos[r];
    long long region = ((long long)slot[r] * H + h) * cap * D;
    kt[region + (long long)(p & ~15) * D + (long long)j * 16 + (p & 15)] = row[A + hj];
    v[region + (long long)p * D + j] = row[2 * A + hj];
}

// kvCopyPosition: position p of slot `from` to slot `to` in each of L layers (layer l at l·layerStride).
extern "C" __global__ void kv_copy_pos_tiled(float* kt, float* v, long long layerStride, int L, int H, int D, int cap,
                                             int from, int to, int p) {
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long)L * H * D) return;
    int j = (int)(idx % D), h = (int)((idx / D) % H), l = (int)(idx / ((long long)H * D));
    long long base = (long long)l * layerStride;
    long long rf = ((long long)from * H + h) * cap * D, rt = ((long long)to * H + h) * cap * D;
    long long kin = (long long)(p & ~15) * D + (long long)j * 16 + (p & 15);
    kt[base + rt + kin] = kt[base + rf + kin];
    v[base + rt + (long long)p * D + j] = v[base + rf + (long long)p * D + j];
}

// ------------------------------------------------------------------ integer CDF (coding)
// org.nct.coding.IntegerCdf.fromLogits (nct-cdf-v1) bit for bit, one warp per row of 256 logits:
// m = the largest logit (NaN never larger); e_i = nct_exp(z_i − m); q_i = (int)(e_i·2^30) (2^30 for
// z_i == m, 0 for NaN or when m = +inf); S = Σ q_i (exact); f_i = 1 + q_i·(T − 256)/S (integer);
// the remainder to the first argmax; cum = prefix sums, cum[0] = 0. Lane j owns symbols 8j..8j+7.
extern "C" __global__ void integer_cdf(int* cum, const float* logits, int rows, int precision) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* l = logits + (long long)row * 256;
    int* c = cum + (long long)row * 257;
    int total = 1 << precision;
    const float NEG_INF = __int_as_float(0xff800000), POS_INF = __int_as_float(0x7f800000);
    float z[8];
    float m = NEG_INF;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        z[k] = l[lane * 8 + k];
        if (z[k] > m) m = z[k];
    }
    for (int o = 16; o >= 1; o >>= 1) {
        float other = __shfl_xor_sync(NCT_FULL, m, o);
        if (other > m) m = other;
    }
    if (m == NEG_INF) {
#pragma unroll
        for (int k = 0; k < 8; k++) c[lane * 8 + k] = (lane * 8 + k) * (total / 256);
        if (lane == 31) c[256] = 256 * (total / 256);
        return;
    }
    int q[8];
    long long s = 0;
    int am = 256;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int i = lane * 8 + k;
        if (z[k] == m) {
            q[k] = 1 << 30;
            if (am == 256) am = i;
        } else if (z[k] != z[k] || m == POS_INF) {
            q[k] = 0;
        } else {
            q[k] = __float2int_rz(__fmul_rn(nct_exp(__fsub_rn(z[k], m)), 1073741824.0f));
        }
        s += q[k];
    }
    for (int o = 16; o >= 1; o >>= 1) {
        s += __shfl_xor_sync(NCT_FULL, s, o);
        am = min(am, __shfl_xor_sync(NCT_FULL, am, o));
    }
    long long spread = total - 256;
    int f[8], sumF = 0;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        f[k] = 1 + (int)(((long long)q[k] * spread) / s);
        sumF += f[k];
    }
    for (int o = 16; o >= 1; o >>= 1) sumF += __shfl_xor_sync(NCT_FULL, sumF, o);
#pragma unroll
    for (int k = 0; k < 8; k++) if (lane * 8 + k == am) f[k] += total - sumF;
    int run = 0;
#pragma unroll
    for (int k = 0; k < 8; k++) { run += f[k]; f[k] = run; }
    int incl = run;                                   // inclusive scan of the lane totals
    for (int o = 1; o < 32; o <<= 1) {
        int v = __shfl_up_sync(NCT_FULL, incl, o);
        if (lane >= o) incl += v;
    }
    int before = incl - run;
#pragma unroll
    for (int k = 0; k < 8; k++) c[lane * 8 + k + 1] = before + f[k];
    if (lane == 0) c[0] = 0;
}

// ------------------------------------------------------------------ attention, training profile
// Kernels.attentionForwardTraining / attentionBackwardTraining (NumericsProfile.TRAINING_ID): the
// bits of OpsDriver over ScalarPrimitives (docs/kernels-ops.md, "Attention in the training profile
// (tiled)"). They differ from the coding profile's attn_fwd / attn_bwd_* in two reductions only:
// the scores S[t,s] and dP[t,s] are sequential fma chains over i = 0..D-1 from +0 (the GEMM order
// of ScalarPrimitives.trainScores, not dot16), and the relative-bias gradient is summed by distance
// first, then by bucket. Everything else is the coding profile's order, so the dk/dv chains
// (attn_bwd_kv) and the sum of the bias partials over sequences (attn_bwd_bias) are launched as
// they are.

// Forward, one warp per query row (b, h, t), as attn_fwd except the scores: for s = 0..t (one lane
// per key) x[s] = chain_dot(q_t, k_s)·scale + relBias[h, bucket(t − s)], stored in the att row;
// m = max(x); e[s] = nct_exp(x[s] − m) (stored); sum = the 16-partial sum of e over s (lane j < 16
// runs partial j over s = j, j+16, ..., then the fixed tree); p[s] = e[s]·(1/sum); att[s > t] = +0;
// out_t[dd] = chain over s = 0..t of fma(p[s], v_s[dd], acc) from +0 (one lane per dd).
extern "C" __global__ void attn_train_fwd(float* out, float* att, const float* qkv, const float* relBias,
                                          const int* buckets, int B, int T, int H, int D, int nb, float scale) {
    attn_fwd_rows<KEYS_ROWS_CHAIN>(out, att, qkv, relBias, buckets, B, T, H, D, nb, scale);
}

// Backward, step 1 (one warp per query row (b, h, t)), as attn_bwd_rows except dP: dP[s] =
// chain_dot(dout_t, v_s) (one lane per key); r = dot16(p_t, dP) (16 partials of fma(p[s], dP[s], .)
// over s = j, j+16, ..., then the fixed tree); dS[s] = p[s]·(dP[s] − r), stored unscaled in dsc
// (att's layout); dq_t[dd] = chain over s = 0..t of fma(dS[s]·scale, k_s[dd], acc) from dq_t's value.
extern "C" __global__ void attn_train_bwd_rows(float* dqkv, float* dsc, const float* dout, const float* qkv,
                                               const float* att, int B, int T, int H, int D, float scale) {
    attn_bwd_row_warp<true>(dqkv, dsc, dout, qkv, att, B, T, H, D, scale);
}

// Backward, bias gradient by distance (one thread per (b, h, δ)): g[(b·H + h)·T + δ] = chain over
// t = δ..T-1 in increasing t of g + dS[t][t − δ] from +0 (dS unscaled). The lanes of a warp walk
// the same t (each adding only from its own δ on), so a step reads adjacent addresses.
extern "C" __global__ void attn_train_bwd_dist(float* g, const float* dsc, int B, int T, int H) {
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long n = (long long)B * H * T;
    if (idx >= n) return;
    int delta = (int)(idx % T);
    const float* DS = dsc + (idx / T) * T * T;
    int t0 = max(0, delta - (int)(threadIdx.x & 31));
    float acc = 0.0f;
    for (int t = t0; t < T; t++) {
        if (t >= delta) acc = __fadd_rn(acc, DS[(long long)t * T + (t - delta)]);
    }
    g[idx] = acc;
}

// Backward, bias partials (one thread per (b, h, bucket k)): partial = chain over δ = 0..T-1 in
// increasing δ, for the δ with bucket(δ) = k, of partial + g[δ] from +0. The sum over sequences
// is attn_bwd_bias.
extern "C" __global__ void attn_train_bwd_bias_partial(float* partials, const float* g, const int* buckets,
                                                       int B, int T, int H, int nb) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= B * H * nb) return;
    int k = idx % nb, bh = idx / nb;
    const float* gr = g + (long long)bh * T;
    float acc = 0.0f;
    for (int delta = 0; delta < T; delta++) {
        if (buckets[delta] == k) acc = __fadd_rn(acc, gr[delta]);
    }
    partials[idx] = acc;
}
