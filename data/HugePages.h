#pragma once
// Large columns (hundreds of MB) pay more for first-touch page faults than for decompressing or
// scanning them. Reserving them with transparent huge pages (where the kernel offers them on
// request: THP "madvise" mode) cuts the faults 512-fold. Harmless where unsupported.
#include <cstddef>
#include <cstdint>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace ks::data {

template <class T> void reserveHuge(std::vector<T>& v, size_t n) {
    v.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr size_t kHuge = size_t(2) << 20;
    const size_t bytes = v.capacity() * sizeof(T);
    if (bytes < 4 * kHuge) return;
    const auto begin = (reinterpret_cast<uintptr_t>(v.data()) + kHuge - 1) & ~(kHuge - 1);
    const auto end = (reinterpret_cast<uintptr_t>(v.data()) + bytes) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// resize() that asks for huge pages first (the vector must be empty or small before).
template <class T> void resizeHuge(std::vector<T>& v, size_t n) {
    if (v.capacity() < n) {
        std::vector<T>().swap(v);
        reserveHuge(v, n);
    }
    v.resize(n);
}

} // namespace ks::data
