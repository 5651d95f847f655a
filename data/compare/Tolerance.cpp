#include "data/compare/Tolerance.h"

#include <cstdlib>

namespace ks::data::compare {

std::string_view opKindName(OpKind k) {
    switch (k) {
    case OpKind::AddSub:
        return "add/sub";
    case OpKind::Mul:
        return "mul";
    case OpKind::Matmul:
        return "matmul";
    case OpKind::Softmax:
        return "softmax";
    case OpKind::Backward:
        return "backward";
    case OpKind::Other:
        return "other";
    }
    return "other";
}

OpKind opKindOf(const Tensor& t) {
    if (t.role == "grad") return OpKind::Backward;
    const std::string& op = t.op;
    auto is = [&](std::initializer_list<const char*> names) {
        for (const char* n : names)
            if (op == n) return true;
        return false;
    };
    if (is({"add", "sub", "bias", "bias_add", "residual"})) return OpKind::AddSub;
    if (is({"mul", "scale"})) return OpKind::Mul;
    // Reductions over many products: matmul-like error growth.
    if (is({"matmul", "linear", "gemm", "mm", "bmm", "mse", "mse_loss", "sum", "mean"}))
        return OpKind::Matmul;
    if (is({"softmax", "log_softmax", "cross_entropy", "layernorm", "layer_norm"}))
        return OpKind::Softmax;
    // Optimizer updates are driven by gradients.
    if (is({"sgd", "adam", "adamw", "backward"}) || op.ends_with("_backward") ||
        op.ends_with("_grad"))
        return OpKind::Backward;
    return OpKind::Other;
}

Tolerance dtypeTolerance(DType t) {
    switch (t) {
    case DType::F16:
        return {1e-3, 1e-5};
    case DType::BF16:
        return {1.6e-2, 1e-5};
    case DType::F32:
        return {1.3e-6, 1e-5};
    case DType::F64:
        return {1e-7, 1e-7};
    default:
        return {0, 0};
    }
}

std::optional<Tolerance> opTolerance(OpKind k) {
    switch (k) {
    case OpKind::AddSub:
        return Tolerance{1e-7, 1e-7};
    case OpKind::Mul:
        return Tolerance{1e-7, 1e-6};
    case OpKind::Matmul:
        return Tolerance{1e-6, 1e-5};
    case OpKind::Softmax:
        return Tolerance{1e-5, 1e-4};
    case OpKind::Backward:
        return Tolerance{1e-4, 1e-3};
    case OpKind::Other:
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Preset> presetFromName(std::string_view name) {
    if (name == "dtype" || name == "torch") return Preset::DType;
    if (name == "op") return Preset::Op;
    if (name == "exact") return Preset::Exact;
    return std::nullopt;
}

std::string_view presetName(Preset p) {
    switch (p) {
    case Preset::DType:
        return "dtype";
    case Preset::Op:
        return "op";
    case Preset::Exact:
        return "exact";
    }
    return "dtype";
}

Status ToleranceRules::addPattern(const std::string& spec) {
    const size_t eq = spec.rfind('=');
    const size_t comma = eq == std::string::npos ? eq : spec.find(',', eq);
    if (eq == std::string::npos || comma == std::string::npos)
        return makeError("tolerance '" + spec + "': expected REGEX=RTOL,ATOL");
    const std::string rt = spec.substr(eq + 1, comma - eq - 1), at = spec.substr(comma + 1);
    char* end1 = nullptr;
    char* end2 = nullptr;
    const double r = std::strtod(rt.c_str(), &end1), a = std::strtod(at.c_str(), &end2);
    if (rt.empty() || at.empty() || *end1 || *end2 || r < 0 || a < 0)
        return makeError("tolerance '" + spec + "': RTOL and ATOL must be non-negative numbers");
    TolerancePattern p;
    p.pattern = spec.substr(0, eq);
    try {
        p.regex = std::regex(p.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return makeError("tolerance '" + spec + "': bad regular expression: " + e.what());
    }
    p.tolerance = {r, a};
    patterns.push_back(std::move(p));
    return Status::success();
}

Tolerance ToleranceRules::resolve(const Tensor& run) const {
    for (const auto& p : patterns)
        if (std::regex_search(run.name, p.regex)) return p.tolerance;
    Tolerance t = dtypeTolerance(run.dtype);
    if (preset == Preset::Exact) t = {0, 0};
    if (preset == Preset::Op)
        if (auto o = opTolerance(opKindOf(run))) t = *o;
    if (rtol) t.rtol = *rtol;
    if (atol) t.atol = *atol;
    return t;
}

} // namespace ks::data::compare
