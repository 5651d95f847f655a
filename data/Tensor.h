#pragma once
// An n-d tensor in its own dtype, C order, with the attributes the comparison needs.
#include "data/DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ks::data {

struct Tensor {
    std::string name; // path below /tensors, e.g. "step0/fc1/output"
    DType dtype = DType::F32;
    std::vector<int64_t> shape; // empty = scalar
    std::vector<std::byte> bytes; // numel() * dtypeSize(dtype) bytes, C order, little-endian
    // Attributes (data/RUNFILE.md): role is input|param|output|grad; op names the operation kind.
    std::string role;
    std::string op;
    std::string layer;
    int64_t step = 0;
    int64_t order = 0; // execution order: the first failing pair is the first divergence

    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    size_t byteSize() const { return size_t(numel()) * dtypeSize(dtype); }
    template <class T> T* as() { return reinterpret_cast<T*>(bytes.data()); }
    template <class T> const T* as() const { return reinterpret_cast<const T*>(bytes.data()); }
    // Element i converted to double (f16/bf16 decoded exactly).
    double valueAt(int64_t i) const;
};

// Builds a float32 tensor from values.
Tensor makeF32Tensor(std::string name, std::vector<int64_t> shape, const std::vector<float>& values);

} // namespace ks::data
