#pragma once
// The .npy header (format versions 1.0, 2.0, 3.0), shared by the .npy and .npz readers.
#include "data/DType.h"
#include "data/Result.h"
#include "data/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ks::data::npy {

struct Header {
    DType dtype = DType::F32;
    bool bigEndian = false; // data needs a byte swap
    bool fortranOrder = false;
    std::vector<int64_t> shape;
    size_t dataOffset = 0; // bytes from the start of the file to the data
    size_t dataBytes = 0;  // numel * item size
};

// Length of the fixed preamble plus the header, from the first bytes (needs 12 bytes, or 10 for
// version 1). Errors start with `where`.
Result<size_t> headerEnd(const std::byte* data, size_t size, const std::string& where);
// Parses the preamble and the header dictionary (data must hold at least headerEnd() bytes).
Result<Header> parseHeader(const std::byte* data, size_t size, const std::string& where);

// Turns raw data in `t.bytes` (laid out as `h` says) into little-endian C order, in place.
void normalise(Tensor& t, const Header& h);

// Multiplies shape dims and the item size with overflow checks; nullopt-like false on overflow.
bool shapeBytes(const std::vector<int64_t>& shape, size_t itemSize, size_t& bytes);

} // namespace ks::data::npy
