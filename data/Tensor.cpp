#include "data/Tensor.h"

namespace ks::data {

double Tensor::valueAt(int64_t i) const {
    switch (dtype) {
    case DType::F16: return halfToFloat(as<uint16_t>()[i]);
    case DType::BF16: return bf16ToFloat(as<uint16_t>()[i]);
    case DType::F32: return as<float>()[i];
    case DType::F64: return as<double>()[i];
    case DType::I8: return as<int8_t>()[i];
    case DType::I16: return as<int16_t>()[i];
    case DType::I32: return as<int32_t>()[i];
    case DType::I64: return double(as<int64_t>()[i]);
    case DType::U8: return as<uint8_t>()[i];
    case DType::U16: return as<uint16_t>()[i];
    case DType::U32: return as<uint32_t>()[i];
    case DType::U64: return double(as<uint64_t>()[i]);
    case DType::Bool: return as<uint8_t>()[i] ? 1.0 : 0.0;
    }
    return 0.0;
}

Tensor makeF32Tensor(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
    Tensor t;
    t.name = std::move(name);
    t.dtype = DType::F32;
    t.shape = std::move(shape);
    t.bytes.resize(values.size() * sizeof(float));
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

} // namespace ks::data
