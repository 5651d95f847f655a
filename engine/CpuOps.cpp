// Out-of-line CPU kernels that need runtime instruction-set dispatch (the package build targets
// plain x86-64, so AVX2 code is compiled for its function only and chosen by a cpuid check).
#include "CpuOps.h"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define KS_HAVE_AVX2_PATH 1
#endif

namespace ks::engine::cpu {
namespace {

// The GELU tanh argument sqrt(2/pi) (v + 0.044715 v^3), in float with the scalar loop's
// rounding order (no fused multiply-add).
inline float geluInner(float v) {
    return float(kGeluC) * (v + 0.044715f * v * v * v);
}

void tanhScalar(const float* x, float* t, size_t n) {
    for (size_t i = 0; i < n; ++i) t[i] = float(std::tanh(double(x[i])));
}

#ifdef KS_HAVE_AVX2_PATH
// tanh of 4 doubles to about 1e-13 relative error, so that rounded to float it is the correctly
// rounded tanh except in rare ties (below 0.001 ulp from the midpoint), as
// float(std::tanh(double)). |x| < 1/16: odd Taylor polynomial to x^7 (the next term is below 2^-40
// relative); otherwise 1 - 2 / (exp(2|x|) + 1) with the sign put back, exp by range reduction to
// |r| <= ln2/2 and an 11-term Taylor polynomial; |x| is capped at 20 (tanh is 1 in float from 9).
__attribute__((target("avx2,fma"))) inline __m256d tanh4(__m256d x) {
    const __m256d signBit = _mm256_set1_pd(-0.0);
    const __m256d ax = _mm256_andnot_pd(signBit, x);
    // Small |x|: x (1 - x^2/3 + 2x^4/15 - 17x^6/315).
    const __m256d x2 = _mm256_mul_pd(x, x);
    __m256d s = _mm256_set1_pd(-17.0 / 315.0);
    s = _mm256_fmadd_pd(s, x2, _mm256_set1_pd(2.0 / 15.0));
    s = _mm256_fmadd_pd(s, x2, _mm256_set1_pd(-1.0 / 3.0));
    s = _mm256_fmadd_pd(s, x2, _mm256_set1_pd(1.0));
    const __m256d small = _mm256_mul_pd(s, x);
    // Large |x|: e = exp(y), y = 2 min(|x|, 20); min(20, ax) keeps a NaN (the second operand).
    const __m256d capped = _mm256_min_pd(_mm256_set1_pd(20.0), ax);
    const __m256d y = _mm256_add_pd(capped, capped);
    const __m256d shifter = _mm256_set1_pd(0x1.8p52); // adding it rounds to an integer
    const __m256d k = _mm256_fmadd_pd(y, _mm256_set1_pd(1.4426950408889634), shifter);
    const __m256d n = _mm256_sub_pd(k, shifter);
    // r = y - n ln2 in two parts (Cody and Waite) so r keeps full precision.
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), y);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
    __m256d p = _mm256_set1_pd(1.0 / 39916800.0); // 1/11!
    const double inverseFactorials[] = {1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
                                        1.0 / 720,     1.0 / 120,    1.0 / 24,    1.0 / 6,
                                        0.5,           1.0,          1.0};
    for (double c : inverseFactorials) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c));
    // 2^n from n's integer bits in k (0 <= n <= 58 here).
    const __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(k), _mm256_castpd_si256(shifter));
    const __m256d scale = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52));
    const __m256d e = _mm256_mul_pd(p, scale);
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d large = _mm256_sub_pd(one, _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(e, one)));
    large = _mm256_or_pd(large, _mm256_and_pd(signBit, x));
    const __m256d isSmall = _mm256_cmp_pd(ax, _mm256_set1_pd(0.0625), _CMP_LT_OQ);
    return _mm256_blendv_pd(large, small, isSmall);
}

// tanh of 8 floats through two tanh4 calls.
__attribute__((target("avx2,fma"))) inline __m256 tanh8(__m256 x) {
    const __m128 lo = _mm256_cvtpd_ps(tanh4(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
    const __m128 hi = _mm256_cvtpd_ps(tanh4(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

__attribute__((target("avx2,fma"))) void tanhAvx2(const float* x, float* t, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(t + i, tanh8(_mm256_loadu_ps(x + i)));
    if (i == n) return;
    float in[8] = {}, out[8];
    for (size_t j = i; j < n; ++j) in[j - i] = x[j];
    _mm256_storeu_ps(out, tanh8(_mm256_loadu_ps(in)));
    for (size_t j = i; j < n; ++j) t[j] = out[j - i];
}

bool haveAvx2() {
    static const bool have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return have;
}
#endif

} // namespace

void tanhF32(const float* x, float* t, size_t n) {
#ifdef KS_HAVE_AVX2_PATH
    if (haveAvx2()) return tanhAvx2(x, t, n);
#endif
    tanhScalar(x, t, n);
}

void geluForwardF32(const float* __restrict x, float* __restrict y, float* __restrict tanhOut,
                    size_t n) {
    // Blocks of 256: the tanh arguments stay in L1 between the three passes.
    constexpr size_t kBlock = 256;
    parallelFor(n, kParallelMin, [&](size_t b, size_t e) {
        float inner[kBlock];
        for (size_t i = b; i < e; i += kBlock) {
            const size_t m = std::min(kBlock, e - i);
            for (size_t j = 0; j < m; ++j) inner[j] = geluInner(x[i + j]);
            tanhF32(inner, tanhOut + i, m);
            for (size_t j = 0; j < m; ++j) y[i + j] = 0.5f * x[i + j] * (1.0f + tanhOut[i + j]);
        }
    });
}

} // namespace ks::engine::cpu
