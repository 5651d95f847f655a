#pragma once
// Readers for reference tensors exported from NumPy / PyTorch: .npy, .npz, .safetensors and HDF5
// (.h5/.hdf5, h5py files and Kernscope run files). Every malformed file gives a one-line error
// naming the file, the tensor and the problem; nothing is ever unpickled.
#include "data/Result.h"
#include "data/Tensor.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace ks::data {

struct ReferenceOptions {
    // HDF5 only: read the datasets below this group ("" or "/" = the whole file). Names are
    // relative to the group.
    std::string group;
};

enum class ReferenceFormat { Unknown, Npy, Npz, Safetensors, Hdf5 };

// Format from the file's magic bytes, else from its extension.
ReferenceFormat detectReferenceFormat(const std::string& path);

// Reads every tensor of a reference file. Tensor names: .npy -> the file's stem; .npz -> the
// member name without ".npy"; safetensors -> the key; HDF5 -> the dataset path relative to the
// group, without a leading '/'. A Kernscope run file yields its tensors with their attributes.
Result<std::vector<Tensor>> readReferenceFile(const std::string& path,
                                              const ReferenceOptions& options = {});

Result<std::vector<Tensor>> readNpyFile(const std::string& path);
Result<std::vector<Tensor>> readNpzFile(const std::string& path);
Result<std::vector<Tensor>> readSafetensorsFile(const std::string& path);
Result<std::vector<Tensor>> readHdf5References(const std::string& path,
                                               const ReferenceOptions& options = {});

// Tensors whose data may stay in a read-only memory map: .npy and safetensors data that needs no
// conversion (little-endian, C order, not bool) is used where it lies, with no copy.
struct MappedTensors {
    std::vector<Tensor> tensors;           // names, dtypes, shapes; bytes empty where mapped
    std::vector<const std::byte*> data;    // data of tensors[i]: into the map or tensors[i].bytes
    std::shared_ptr<const void> keepAlive; // the map, while any view is in use
};
// Like readReferenceFile, mapping what can be mapped. Moving the result keeps `data` valid.
Result<MappedTensors> mapReferenceFile(const std::string& path,
                                       const ReferenceOptions& options = {});

// Parses a whole .npy image held in memory; `where` prefixes error messages.
Result<Tensor> parseNpy(const std::byte* data, size_t size, const std::string& where,
                        std::string name);

} // namespace ks::data
