#include "EngineFixtures.h"

#include "TestSupport.h"
#include "data/reference/ReferenceReader.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

namespace ks::test {

void runFixtureScript(const std::string& script, const std::vector<std::string>& args) {
    const auto r = runPython("engine/" + script, args);
    INFO(r.output);
    REQUIRE(r.exitCode == 0);
}

TensorMap readTensors(const std::string& path) {
    auto tensors = data::readReferenceFile(path);
    INFO(path);
    REQUIRE(tensors.ok());
    TensorMap out;
    for (auto& t : tensors.value()) out[t.name] = std::move(t);
    return out;
}

std::vector<float> floats(const data::Tensor& t) {
    std::vector<float> v(size_t(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) v[size_t(i)] = float(t.valueAt(i));
    return v;
}

CloseResult allClose(const std::vector<float>& a, const data::Tensor& ref, double rtol,
                     double atol) {
    CloseResult r;
    if (int64_t(a.size()) != ref.numel()) {
        r.ok = false;
        r.message = ref.name + ": " + std::to_string(a.size()) + " elements, reference has " +
                    std::to_string(ref.numel());
        return r;
    }
    double worst = 0;
    int64_t worstAt = -1, failing = 0;
    for (int64_t i = 0; i < ref.numel(); ++i) {
        const double x = a[size_t(i)], y = ref.valueAt(i);
        const double excess = std::abs(x - y) - (atol + rtol * std::abs(y));
        if (excess > 0 || std::isnan(x) != std::isnan(y)) {
            ++failing;
            if (excess > worst || worstAt < 0) {
                worst = excess;
                worstAt = i;
            }
        }
    }
    if (failing) {
        std::ostringstream s;
        s << ref.name << ": " << failing << " of " << ref.numel() << " elements differ; worst at "
          << worstAt << ": " << a[size_t(worstAt)] << " vs " << ref.valueAt(worstAt);
        r.ok = false;
        r.message = s.str();
    }
    return r;
}

CloseResult allClose(const data::Tensor& a, const data::Tensor& ref, double rtol, double atol) {
    if (a.shape != ref.shape) {
        CloseResult r;
        r.ok = false;
        r.message = ref.name + ": shapes differ";
        return r;
    }
    return allClose(floats(a), ref, rtol, atol);
}

} // namespace ks::test
