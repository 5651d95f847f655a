#pragma once
// A folder of .npy files as one reference: every *.npy below it (symlinked folders are not
// followed), named by its path relative to the folder without ".npy" ("step0/fc1/output.npy" ->
// "step0/fc1/output"), in path order. Other files are ignored; a folder without any .npy is an
// error, as is a malformed .npy (the error names the file).
#include "data/Result.h"
#include "data/reference/ReferenceReader.h"

#include <string>

namespace ks::data {

Result<MappedTensors> mapNpyDirectory(const std::string& dir);
Result<std::vector<Tensor>> readNpyDirectory(const std::string& dir);

} // namespace ks::data
