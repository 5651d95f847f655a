#pragma once
// A read-only memory map of a whole file: large reference files are read without a copy into an
// intermediate buffer.
#include "data/Result.h"

#include <cstddef>
#include <string>

namespace ks::data {

class MappedFile {
public:
    MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& o) noexcept;
    MappedFile& operator=(MappedFile&& o) noexcept;
    ~MappedFile();

    // Maps `path`; an empty file maps to size 0 with a null data pointer.
    static Result<MappedFile> open(const std::string& path);

    const std::byte* data() const { return m_data; }
    size_t size() const { return m_size; }

private:
    void release();
    std::byte* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace ks::data
