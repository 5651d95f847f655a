#pragma once
// A file written under a temporary name beside its destination and renamed into place on
// commit(): a failed or abandoned export never leaves a half-written file or harms an old one.
#include "data/Result.h"

#include <cstdio>
#include <string>

namespace ks::data {

class AtomicFile {
public:
    explicit AtomicFile(std::string path);
    ~AtomicFile(); // removes the temporary unless committed
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    Status open();
    std::FILE* file() const { return m_file; }
    Status commit(); // flush, close, check for write errors, rename into place

    static Status writeWhole(const std::string& path, const std::string& content);

private:
    std::string m_path, m_tmp;
    std::FILE* m_file = nullptr;
    bool m_committed = false;
};

} // namespace ks::data
