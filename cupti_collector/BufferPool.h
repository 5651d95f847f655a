#pragma once
// A bounded pool of 8-byte aligned activity buffers. A few are allocated up front; more are
// allocated on demand up to the cap; at the cap acquire() answers nullptr and CUPTI drops (and
// counts) records instead of the process growing without bound. Thread-safe.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace ks::cupti {

class BufferPool {
public:
    static constexpr size_t kAlignment = 8;
    BufferPool(size_t bufferBytes, size_t maxBuffers, size_t preallocated);
    ~BufferPool();
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    uint8_t* acquire();            // nullptr at the cap
    void release(uint8_t* buffer); // a buffer from acquire()
    size_t bufferBytes() const { return m_bufferBytes; }
    size_t maxBuffers() const { return m_maxBuffers; }
    size_t allocated() const;  // buffers that exist
    size_t inUse() const;      // handed out and not yet released
    uint64_t refusals() const; // acquire() calls answered nullptr

private:
    const size_t m_bufferBytes;
    const size_t m_maxBuffers;
    mutable std::mutex m_mutex;
    std::vector<uint8_t*> m_all;
    std::vector<uint8_t*> m_free;
    uint64_t m_refusals = 0;
};

} // namespace ks::cupti
