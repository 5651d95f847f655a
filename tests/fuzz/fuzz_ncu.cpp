// libFuzzer target: Nsight Compute CSV console output from arbitrary bytes, then attached to a
// small run by launch order and name.
#include "data/import/NcuImport.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto metrics = ks::data::parseNcuCsv(text, "fuzz.csv");
    if (!metrics) return 0;
    ks::data::Run run;
    for (int i = 0; i < 4; ++i) {
        run.kernels.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run.kernels.start_ns.back() = 100 * (4 - i);
        run.kernels.end_ns.back() = 100 * (4 - i) + 50;
        run.kernels.name.back() = run.strings.intern(i % 2 ? "void gemm<float>(int)" : "relu");
    }
    const auto r = ks::data::attachKernelMetrics(run, *metrics);
    if (r.matched > r.launches || run.kernelMetrics.size() != metrics->kernelMetrics.size())
        __builtin_trap();
    for (uint32_t k : run.kernelMetrics.kernel)
        if (k != ks::data::kNoKernel && k >= run.kernels.size()) __builtin_trap();
    return 0;
}
