#pragma once
// Tolerances: |a - r| <= atol + rtol * |r|. Presets per dtype (PyTorch's assert_close defaults)
// and per operation kind, overridable per tensor-name pattern and globally.
#include "data/Result.h"
#include "data/Tensor.h"

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace ks::data::compare {

struct Tolerance {
    double rtol = 0;
    double atol = 0;
};

enum class OpKind { AddSub, Mul, Matmul, Softmax, Backward, Other };
std::string_view opKindName(OpKind k);

// The op kind from a tensor's attributes: role "grad" -> backward, else from the op name the
// engine writes (matmul, linear, add, sub, bias, mul, softmax, cross_entropy, mse, sgd, adam...).
OpKind opKindOf(const Tensor& t);

// PyTorch's defaults per dtype (integers and bool: exact).
Tolerance dtypeTolerance(DType t);
// Per op kind; nullopt for kinds with no preset of their own (they use the dtype preset).
std::optional<Tolerance> opTolerance(OpKind k);

enum class Preset {
    DType, // per dtype only (torch.testing.assert_close)
    Op,    // per op kind, falling back to the dtype preset
    Exact, // rtol = atol = 0
};
std::optional<Preset> presetFromName(std::string_view name); // "dtype"/"torch", "op", "exact"
std::string_view presetName(Preset p);

struct TolerancePattern {
    std::string pattern; // ECMAScript regex, searched in the run tensor's name
    std::regex regex;
    Tolerance tolerance;
};

struct ToleranceRules {
    Preset preset = Preset::DType;
    std::optional<double> rtol; // --rtol / --atol override the preset everywhere
    std::optional<double> atol;
    std::vector<TolerancePattern> patterns; // first matching pattern wins over everything

    // Adds "REGEX=RTOL,ATOL"; an error names the problem.
    Status addPattern(const std::string& spec);
    Tolerance resolve(const Tensor& run) const;
};

} // namespace ks::data::compare
