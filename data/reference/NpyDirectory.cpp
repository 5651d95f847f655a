#include "data/reference/NpyDirectory.h"

#include <algorithm>
#include <filesystem>

namespace ks::data {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxFiles = 1'000'000;

Result<std::vector<fs::path>> listNpy(const std::string& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->path().extension() != ".npy") continue;
        if (files.size() == kMaxFiles) return makeError(dir + ": more than a million .npy files");
        files.push_back(it->path());
    }
    if (ec) return makeError(dir + ": cannot list the folder: " + ec.message());
    if (files.empty()) return makeError(dir + ": no .npy files in this folder");
    std::sort(files.begin(), files.end());
    return files;
}

std::string tensorName(const fs::path& file, const std::string& dir) {
    fs::path rel = file.lexically_relative(dir);
    rel.replace_extension();
    return rel.generic_string();
}

} // namespace

Result<MappedTensors> mapNpyDirectory(const std::string& dir) {
    auto files = listNpy(dir);
    if (!files) return files.error();
    MappedTensors out;
    std::vector<std::shared_ptr<const void>> maps;
    for (const auto& file : files.value()) {
        auto m = mapReferenceFile(file.string());
        if (!m) return m.error();
        if (m->tensors.size() != 1) return makeError(file.string() + ": expected one tensor");
        m->tensors[0].name = tensorName(file, dir);
        out.tensors.push_back(std::move(m->tensors[0]));
        out.data.push_back(m->data[0]); // owned bytes keep their address when moved
        maps.push_back(std::move(m->keepAlive));
    }
    out.keepAlive = std::make_shared<std::vector<std::shared_ptr<const void>>>(std::move(maps));
    return out;
}

Result<std::vector<Tensor>> readNpyDirectory(const std::string& dir) {
    auto files = listNpy(dir);
    if (!files) return files.error();
    std::vector<Tensor> out;
    for (const auto& file : files.value()) {
        auto r = readNpyFile(file.string());
        if (!r) return r.error();
        for (auto& t : r.value()) {
            t.name = tensorName(file, dir);
            out.push_back(std::move(t));
        }
    }
    return out;
}

} // namespace ks::data
