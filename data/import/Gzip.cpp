#include "data/import/Gzip.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unistd.h>
#include <vector>
#include <zlib.h>

namespace ks::data {
namespace {

// "trace.pt.trace.json.gz" -> ".json": the extension the file had before compression.
std::string innerExtension(const std::string& path) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    for (const char* gz : {".gz", ".gzip"})
        if (name.size() > std::strlen(gz) && name.ends_with(gz)) {
            name.resize(name.size() - std::strlen(gz));
            break;
        }
    const size_t dot = name.find_last_of('.');
    if (dot == std::string::npos || dot == 0 || name.size() - dot > 16) return {};
    for (char c : name.substr(dot + 1))
        if (!std::isalnum(static_cast<unsigned char>(c))) return {};
    return name.substr(dot);
}

std::string temporaryDirectory() {
    const char* dir = std::getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

struct GzCloser {
    void operator()(gzFile f) const { gzclose(f); }
};

// zlib's message for the last error, without the file name it puts in front.
std::string zlibError(gzFile file, const std::string& path) {
    int code = 0;
    const char* text = gzerror(file, &code);
    std::string why = text && *text ? text : "zlib error";
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    return why;
}

std::string mib(uint64_t bytes) {
    return std::to_string(bytes >> 20) + " MiB";
}

} // namespace

bool looksLikeGzip(std::string_view head) {
    return head.size() >= 3 && head[0] == '\x1f' && head[1] == '\x8b' && head[2] == '\x08';
}

TemporaryFile& TemporaryFile::operator=(TemporaryFile&& o) noexcept {
    if (this != &o) {
        if (!m_path.empty()) ::unlink(m_path.c_str());
        m_path = std::move(o.m_path);
        o.m_path.clear();
    }
    return *this;
}

TemporaryFile::~TemporaryFile() {
    if (!m_path.empty()) ::unlink(m_path.c_str());
}

uint64_t gunzipLimit(uint64_t compressedBytes) {
    constexpr uint64_t kFloor = uint64_t(256) << 20, kCeiling = uint64_t(64) << 30;
    if (compressedBytes > kCeiling / 256) return kCeiling;
    return std::max(kFloor, compressedBytes * 256);
}

Result<std::string> gunzipHead(const std::string& path, size_t bytes) {
    std::unique_ptr<gzFile_s, GzCloser> in(gzopen(path.c_str(), "rb"));
    if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
    std::string head(bytes, '\0');
    size_t got = 0;
    while (got < bytes) {
        const int n = gzread(in.get(), head.data() + got, unsigned(bytes - got));
        if (n < 0) return Error{path + ": gzip data corrupt (" + zlibError(in.get(), path) + ")"};
        if (n == 0) break;
        got += size_t(n);
    }
    head.resize(got);
    return head;
}

Result<TemporaryFile> gunzipToTemporary(const std::string& path, uint64_t limit) {
    std::unique_ptr<gzFile_s, GzCloser> in(gzopen(path.c_str(), "rb"));
    if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
    gzbuffer(in.get(), 1 << 20);

    const std::string extension = innerExtension(path);
    std::string name = temporaryDirectory() + "/kernscope-gunzip-XXXXXX" + extension;
    const int fd = ::mkstemps(name.data(), int(extension.size()));
    if (fd < 0)
        return Error{path + ": cannot create a temporary file in " + temporaryDirectory() + ": " +
                     std::strerror(errno)};
    TemporaryFile out(name);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(::fdopen(fd, "wb"), std::fclose);
    if (!file) {
        ::close(fd);
        return Error{path + ": cannot write a temporary file: " + std::strerror(errno)};
    }

    std::vector<char> buffer(1 << 20);
    uint64_t total = 0;
    for (;;) {
        const int n = gzread(in.get(), buffer.data(), unsigned(buffer.size()));
        if (n < 0)
            return Error{path + ": gzip data corrupt or truncated after " + std::to_string(total) +
                         " decompressed bytes (" + zlibError(in.get(), path) + ")"};
        if (n == 0) break;
        total += uint64_t(n);
        if (total > limit)
            return Error{path + ": decompresses to more than " + mib(limit) +
                         " (over 256 times its size): refused as a likely gzip bomb; decompress "
                         "it yourself if it is genuine"};
        if (std::fwrite(buffer.data(), 1, size_t(n), file.get()) != size_t(n))
            return Error{path + ": cannot write the decompressed data to " + name + ": " +
                         std::strerror(errno)};
    }
    // gzread reports a stream cut short only at its end: check what zlib saw last.
    int code = Z_OK;
    gzerror(in.get(), &code);
    if (code != Z_OK && code != Z_STREAM_END)
        return Error{path + ": gzip data corrupt or truncated after " + std::to_string(total) +
                     " decompressed bytes (" + zlibError(in.get(), path) + ")"};
    if (std::fflush(file.get()) != 0)
        return Error{path + ": cannot write the decompressed data to " + name + ": " +
                     std::strerror(errno)};
    return out;
}

} // namespace ks::data
