// The CPU backend's vectorized float kernels (engine/CpuOps.cpp) against libm in double
// precision: the AVX2 tanh behind GELU and the GELU forward that uses it.
#include "engine/CpuOps.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

using namespace ks::engine;

namespace {

float fromBits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
int64_t ordered(float f) { // bit pattern as a monotonic integer, so ulp distance is a difference
    int32_t i;
    std::memcpy(&i, &f, 4);
    return i < 0 ? int64_t(INT32_MIN) - i : i;
}
int64_t ulps(float a, float b) {
    return std::llabs(ordered(a) - ordered(b));
}

} // namespace

TEST_CASE("cpu ops: vectorized float tanh is within 1 ulp of libm's double tanh over the range") {
    // Every 251st bit pattern: both signs, denormals, the small-argument polynomial, the
    // exp-based range and saturation; NaN patterns are checked below.
    std::vector<float> x;
    for (uint64_t u = 0; u < (uint64_t(1) << 32); u += 251) {
        const float f = fromBits(uint32_t(u));
        if (!std::isnan(f)) x.push_back(f);
    }
    std::vector<float> t(x.size());
    cpu::tanhF32(x.data(), t.data(), x.size());
    size_t differ = 0;
    int64_t worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const float ref = float(std::tanh(double(x[i])));
        const int64_t d = ulps(t[i], ref);
        differ += d != 0;
        worst = std::max(worst, d);
        if (d > 1) FAIL("tanh(" << x[i] << ") = " << t[i] << ", libm " << ref);
    }
    CHECK(worst <= 1);
    CHECK(differ < x.size() / 100000); // correctly rounded all but very rarely
}

TEST_CASE("cpu ops: vectorized float tanh keeps signed zeros, infinities, NaN and odd lengths") {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> x{0.0f, -0.0f, inf,   -inf,   nan,  1e-40f, -1e-40f, 0.0625f, -0.0625f,
                               9.0f, -9.0f, 25.0f, -25.0f, 0.5f, -3.0f,  1e-3f,   40.0f};
    for (size_t n = 1; n <= x.size(); ++n) { // every tail length through the padded last block
        std::vector<float> t(n, 7.0f);
        cpu::tanhF32(x.data(), t.data(), n);
        for (size_t i = 0; i < n; ++i) {
            INFO("x = " << x[i] << ", n = " << n);
            if (std::isnan(x[i])) {
                CHECK(std::isnan(t[i]));
                continue;
            }
            const float ref = float(std::tanh(double(x[i])));
            CHECK(ulps(t[i], ref) == 0);
            CHECK(std::signbit(t[i]) == std::signbit(x[i]));
        }
    }
}

TEST_CASE("cpu ops: float GELU forward matches the double GELU on one thread and on two") {
    std::vector<float> x(100003); // above the parallel threshold, not a multiple of 8
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i) * 0.37) * 12.0);
    const size_t n = x.size();
    std::vector<double> xd(x.begin(), x.end()), yd(n), td(n);
    cpu::geluForward(xd.data(), yd.data(), td.data(), n);
    auto run = [&](int threads) {
        cpu::ThreadPool::instance().setThreads(threads);
        std::vector<float> y(n), t(n);
        cpu::geluForward(x.data(), y.data(), t.data(), n);
        cpu::ThreadPool::instance().setThreads(1);
        return std::make_pair(y, t);
    };
    const auto [y1, t1] = run(1);
    const auto [y2, t2] = run(2);
    CHECK(y1 == y2); // chunking over threads changes nothing
    CHECK(t1 == t2);
    // Bounds: the float argument of tanh differs from the double one by a few float roundings;
    // 0.5 x (1 + t) cancels for negative x (as in PyTorch), so y's error scales with |x|.
    double worst = 0;
    for (size_t i = 0; i < n; ++i) {
        REQUIRE(std::abs(double(t1[i]) - td[i]) <= 1e-6);
        const double bound = 3e-7 * (std::abs(xd[i]) + std::abs(yd[i]));
        worst = std::max(worst, std::abs(double(y1[i]) - yd[i]) / bound);
    }
    CHECK(worst <= 1);
}
