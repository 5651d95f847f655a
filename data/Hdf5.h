#pragma once
// Thin RAII and helpers over the HDF5 C API, shared by the run file and the reference readers.
// HDF5 never prints its error stack: callers turn failures into Error values.
#include "data/DType.h"
#include "data/Result.h"

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace ks::data::h5 {

// Owns one HDF5 id of any kind (file, group, dataset, space, type, plist, attribute).
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : m_id(id) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : m_id(o.m_id) { o.m_id = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            m_id = o.m_id;
            o.m_id = H5I_INVALID_HID;
        }
        return *this;
    }
    ~Handle() { reset(); }
    void reset() {
        if (m_id >= 0 && H5Iis_valid(m_id) > 0) H5Idec_ref(m_id);
        m_id = H5I_INVALID_HID;
    }
    hid_t get() const { return m_id; }
    operator hid_t() const { return m_id; }
    bool valid() const { return m_id >= 0; }

private:
    hid_t m_id = H5I_INVALID_HID;
};

// Turns off HDF5's automatic error printing (once per process).
void silenceErrors();

// File access property list with library version bounds pinned to 1.10.
Handle fileAccessV110();

bool exists(hid_t loc, const std::string& path); // link exists and resolves (any depth)

// Memory type for a C++ element type.
template <class T> hid_t nativeType() {
    if constexpr (std::is_same_v<T, int8_t>)
        return H5T_NATIVE_INT8;
    else if constexpr (std::is_same_v<T, int16_t>)
        return H5T_NATIVE_INT16;
    else if constexpr (std::is_same_v<T, int32_t>)
        return H5T_NATIVE_INT32;
    else if constexpr (std::is_same_v<T, int64_t>)
        return H5T_NATIVE_INT64;
    else if constexpr (std::is_same_v<T, uint8_t>)
        return H5T_NATIVE_UINT8;
    else if constexpr (std::is_same_v<T, uint16_t>)
        return H5T_NATIVE_UINT16;
    else if constexpr (std::is_same_v<T, uint32_t>)
        return H5T_NATIVE_UINT32;
    else if constexpr (std::is_same_v<T, uint64_t>)
        return H5T_NATIVE_UINT64;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_NATIVE_FLOAT;
    else if constexpr (std::is_same_v<T, double>)
        return H5T_NATIVE_DOUBLE;
    else if constexpr (std::is_same_v<T, char>)
        return H5T_NATIVE_UINT8; // bytes, never converted
    else
        static_assert(sizeof(T) == 0, "no HDF5 type for this element type");
}
// Little-endian file type for a C++ element type.
template <class T> hid_t fileType() {
    if constexpr (std::is_same_v<T, int8_t>)
        return H5T_STD_I8LE;
    else if constexpr (std::is_same_v<T, int16_t>)
        return H5T_STD_I16LE;
    else if constexpr (std::is_same_v<T, int32_t>)
        return H5T_STD_I32LE;
    else if constexpr (std::is_same_v<T, int64_t>)
        return H5T_STD_I64LE;
    else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, char>)
        return H5T_STD_U8LE;
    else if constexpr (std::is_same_v<T, uint16_t>)
        return H5T_STD_U16LE;
    else if constexpr (std::is_same_v<T, uint32_t>)
        return H5T_STD_U32LE;
    else if constexpr (std::is_same_v<T, uint64_t>)
        return H5T_STD_U64LE;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_IEEE_F32LE;
    else if constexpr (std::is_same_v<T, double>)
        return H5T_IEEE_F64LE;
    else
        static_assert(sizeof(T) == 0, "no HDF5 type for this element type");
}

// Scalar attributes.
bool writeStringAttr(hid_t obj, const char* name, const std::string& value);
bool writeIntAttr(hid_t obj, const char* name, int64_t value);
std::optional<std::string> readStringAttr(hid_t obj, const char* name);
std::optional<int64_t> readIntAttr(hid_t obj, const char* name);

// Dtype of a stored dataset, from our "dtype" attribute or else from its HDF5 type (h5py's
// float16, its bool enum, integers and floats). nullopt when the type is none of ours.
std::optional<DType> datasetDType(hid_t dataset);
// HDF5 type used on disk / in memory for one of our dtypes (caller owns the returned handle).
Handle fileTypeFor(DType t);
Handle memTypeFor(DType t);

// Deflate expands data at most 1032 times; no filter we read expands more.
constexpr uint64_t kMaxCompressionRatio = 1032;

// Bytes that reading `elements` elements of `elementSize` bytes from `dataset` will allocate,
// when a file of `fileSize` bytes can plausibly hold them: unfiltered data must fit in the file,
// filtered (compressed) data may expand kMaxCompressionRatio times. nullopt on overflow or when
// the extent is larger than the file can hold: the caller reports it instead of allocating.
std::optional<uint64_t> plausibleBytes(hid_t dataset, uint64_t elements, uint64_t elementSize,
                                       uint64_t fileSize);
// Size of the open file in bytes (0 when unknown).
uint64_t fileSize(hid_t file);

// Current HDF5 error stack's innermost message, for error text ("" when none).
std::string lastErrorMessage();

} // namespace ks::data::h5
