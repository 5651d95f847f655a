#include "cupti_collector/BufferPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ks::cupti {

namespace {
size_t roundUp(size_t n, size_t to) {
    return (n + to - 1) / to * to;
}
} // namespace

BufferPool::BufferPool(size_t bufferBytes, size_t maxBuffers, size_t preallocated)
    : m_bufferBytes(roundUp(std::max<size_t>(bufferBytes, 1024), kAlignment)),
      m_maxBuffers(std::max<size_t>(maxBuffers, 1)) {
    preallocated = std::min(preallocated, m_maxBuffers);
    for (size_t i = 0; i < preallocated; ++i) {
        auto* b = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, m_bufferBytes));
        if (!b) break;
        // Touch the pages now, before the model runs, not when CUPTI first writes records.
        std::memset(b, 0, m_bufferBytes);
        m_all.push_back(b);
        m_free.push_back(b);
    }
}

BufferPool::~BufferPool() {
    // A buffer still out (held by CUPTI after a failed flush) is leaked on purpose: freeing it
    // could let CUPTI write into freed memory.
    for (uint8_t* b : m_free) std::free(b);
}

uint8_t* BufferPool::acquire() {
    std::lock_guard lock(m_mutex);
    if (!m_free.empty()) {
        uint8_t* b = m_free.back();
        m_free.pop_back();
        return b;
    }
    if (m_all.size() < m_maxBuffers) {
        if (auto* b = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, m_bufferBytes))) {
            m_all.push_back(b);
            return b;
        }
    }
    ++m_refusals;
    return nullptr;
}

void BufferPool::release(uint8_t* buffer) {
    if (!buffer) return;
    std::lock_guard lock(m_mutex);
    m_free.push_back(buffer);
}

size_t BufferPool::allocated() const {
    std::lock_guard lock(m_mutex);
    return m_all.size();
}

size_t BufferPool::inUse() const {
    std::lock_guard lock(m_mutex);
    return m_all.size() - m_free.size();
}

uint64_t BufferPool::refusals() const {
    std::lock_guard lock(m_mutex);
    return m_refusals;
}

} // namespace ks::cupti
