#pragma once
// The storage precision of activations and matrix-product operands in mixed-precision training.
// Values live in float (or double) buffers rounded to the nearest value of the type (round to
// nearest even, overflow to infinity), exactly what a cast to the type and back produces; a
// product of two such values is exact in float, so an fp32-accumulated matrix product of rounded
// operands equals the tensor-core fp16/bf16 product with fp32 accumulation.
#include <optional>
#include <string_view>

namespace ks::engine {

enum class Precision { F32, F16, BF16 };

inline const char* precisionName(Precision p) {
    return p == Precision::F16 ? "fp16" : p == Precision::BF16 ? "bf16" : "fp32";
}
inline std::optional<Precision> precisionFromName(std::string_view s) {
    if (s == "fp32" || s == "float32") return Precision::F32;
    if (s == "fp16" || s == "float16") return Precision::F16;
    if (s == "bf16" || s == "bfloat16") return Precision::BF16;
    return std::nullopt;
}

} // namespace ks::engine
