#include "data/reference/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ks::data {

MappedFile::MappedFile(MappedFile&& o) noexcept : m_data(o.m_data), m_size(o.m_size) {
    o.m_data = nullptr;
    o.m_size = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        release();
        m_data = o.m_data;
        m_size = o.m_size;
        o.m_data = nullptr;
        o.m_size = 0;
    }
    return *this;
}

MappedFile::~MappedFile() {
    release();
}

void MappedFile::release() {
    if (m_data) munmap(m_data, m_size);
    m_data = nullptr;
    m_size = 0;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return makeError(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError(path + ": not a regular file");
    }
    MappedFile file;
    file.m_size = size_t(st.st_size);
    if (file.m_size > 0) {
        // Populate up front: every reader goes on to read the whole file.
        void* p = mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p == MAP_FAILED) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            return makeError(path + ": cannot map: " + why);
        }
        // Readers go front to back once.
        madvise(p, file.m_size, MADV_SEQUENTIAL);
        madvise(p, file.m_size, MADV_WILLNEED);
        file.m_data = static_cast<std::byte*>(p);
    }
    ::close(fd);
    return file;
}

} // namespace ks::data
