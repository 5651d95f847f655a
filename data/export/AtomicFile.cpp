#include "data/export/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace ks::data {

AtomicFile::AtomicFile(std::string path)
    : m_path(std::move(path)), m_tmp(m_path + ".tmp-" + std::to_string(getpid())) {}

AtomicFile::~AtomicFile() {
    if (m_file) std::fclose(m_file);
    if (!m_committed) {
        std::error_code ec;
        std::filesystem::remove(m_tmp, ec);
    }
}

Status AtomicFile::open() {
    m_file = std::fopen(m_tmp.c_str(), "wb");
    if (!m_file) return Error{m_path + ": cannot create " + m_tmp + ": " + std::strerror(errno)};
    static thread_local char buffer[1 << 20]; // big writes: exports can be gigabytes
    std::setvbuf(m_file, buffer, _IOFBF, sizeof buffer);
    return {};
}

Status AtomicFile::commit() {
    if (!m_file) return Error{m_path + ": not open"};
    const bool writeFailed = std::ferror(m_file) != 0;
    const bool closeFailed = std::fclose(m_file) != 0;
    m_file = nullptr;
    if (writeFailed || closeFailed)
        return Error{m_path + ": write failed: " + std::strerror(errno)};
    std::error_code ec;
    std::filesystem::rename(m_tmp, m_path, ec);
    if (ec) return Error{m_path + ": cannot rename " + m_tmp + " into place: " + ec.message()};
    m_committed = true;
    return {};
}

Status AtomicFile::writeWhole(const std::string& path, const std::string& content) {
    AtomicFile f(path);
    if (auto s = f.open(); !s) return s;
    std::fwrite(content.data(), 1, content.size(), f.file());
    return f.commit();
}

} // namespace ks::data
