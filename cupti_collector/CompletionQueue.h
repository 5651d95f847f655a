#pragma once
// Completed buffers waiting for translation. CUPTI's callbacks push (from any thread) and return
// at once; the collector's own thread pops and parses.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace ks::cupti {

struct CompletedBuffer {
    uint8_t* data = nullptr;
    size_t validSize = 0;
};

class CompletionQueue {
public:
    void push(CompletedBuffer buffer);
    // Blocks until a buffer is there (true) or the queue is closed and empty (false).
    bool pop(CompletedBuffer& buffer);
    void close();
    uint64_t pushed() const;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<CompletedBuffer> m_items;
    uint64_t m_pushed = 0;
    bool m_closed = false;
};

} // namespace ks::cupti
