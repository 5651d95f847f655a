#pragma once
// gzip-compressed captures (PyTorch's profiler and HTA write Kineto traces as .json.gz). Every
// importer reads files (SQLite, simdjson, streamed text), so a compressed file is decompressed
// into a private temporary file that the importers then read like any other.
#include "data/Result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace ks::data {

bool looksLikeGzip(std::string_view head);

// Up to `bytes` decompressed bytes from the start of a gzip file (what detection looks at).
Result<std::string> gunzipHead(const std::string& path, size_t bytes);

// A temporary file removed when the object dies.
class TemporaryFile {
public:
    TemporaryFile() = default;
    explicit TemporaryFile(std::string path) : m_path(std::move(path)) {}
    TemporaryFile(TemporaryFile&& o) noexcept : m_path(std::move(o.m_path)) { o.m_path.clear(); }
    TemporaryFile& operator=(TemporaryFile&& o) noexcept;
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    ~TemporaryFile();
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// The most a file of `compressedBytes` may decompress to: 256 times its size (text traces
// compress 10 to 50 times; a gzip bomb 1000 times), at least 256 MiB, at most 64 GiB.
uint64_t gunzipLimit(uint64_t compressedBytes);

// Decompresses `path` (every member of a multi-member file) into a new temporary file in $TMPDIR
// (or /tmp) whose name keeps the extension under ".gz" ("trace.json.gz" -> "...json"), so
// detection by extension still works. Errors name `path`: unreadable, corrupt or truncated data,
// output beyond `limit` bytes, or a full disk.
Result<TemporaryFile> gunzipToTemporary(const std::string& path, uint64_t limit);

} // namespace ks::data
