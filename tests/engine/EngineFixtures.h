#pragma once
// Fixtures for the engine tests: Python-made reference files, read back as named tensors, and an
// allclose check that reports the worst element.
#include "data/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace ks::test {

using TensorMap = std::map<std::string, data::Tensor>;

// Runs tests/engine/<script> with `args` (Debian's python); FAILs the test when it fails.
void runFixtureScript(const std::string& script, const std::vector<std::string>& args);
// Reads every tensor of a reference file (npz/h5/...) by name; FAILs when unreadable.
TensorMap readTensors(const std::string& path);
std::vector<float> floats(const data::Tensor& t);

struct CloseResult {
    bool ok = true;
    std::string message; // worst element when not ok
};
// |a - r| <= atol + rtol |r| element by element, shapes equal.
CloseResult allClose(const std::vector<float>& a, const data::Tensor& ref, double rtol,
                     double atol);
CloseResult allClose(const data::Tensor& a, const data::Tensor& ref, double rtol, double atol);

// Tolerances the engine's results are held to against the PyTorch references.
constexpr double kMatmulRtol = 1e-6, kMatmulAtol = 1e-5;
constexpr double kSoftmaxRtol = 1e-5, kSoftmaxAtol = 1e-4;
constexpr double kBackwardRtol = 1e-4, kBackwardAtol = 1e-3;

} // namespace ks::test
