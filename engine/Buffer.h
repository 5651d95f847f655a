#pragma once
// A backend buffer (host memory on the CPU backend, device memory on CUDA) that frees itself.
#include "Backend.h"

#include <cstddef>
#include <cstdint>
#include <utility>

namespace ks::engine {

class Buffer {
public:
    Buffer() = default;
    Buffer(Backend* backend, size_t bytes) : m_backend(backend), m_bytes(bytes) {
        m_ptr = backend->allocate(bytes);
    }
    Buffer(Buffer&& o) noexcept { *this = std::move(o); }
    Buffer& operator=(Buffer&& o) noexcept {
        std::swap(m_backend, o.m_backend);
        std::swap(m_ptr, o.m_ptr);
        std::swap(m_bytes, o.m_bytes);
        return *this;
    }
    ~Buffer() {
        if (m_ptr) m_backend->release(m_ptr);
    }
    float* f() const { return static_cast<float*>(m_ptr); }
    int32_t* i() const { return static_cast<int32_t*>(m_ptr); }
    template <class T> T* as() const { return static_cast<T*>(m_ptr); }
    bool ok() const { return m_ptr != nullptr; }
    size_t bytes() const { return m_bytes; }

private:
    Backend* m_backend = nullptr;
    void* m_ptr = nullptr;
    size_t m_bytes = 0;
};

} // namespace ks::engine
