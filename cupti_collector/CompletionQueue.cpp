#include "cupti_collector/CompletionQueue.h"

namespace ks::cupti {

void CompletionQueue::push(CompletedBuffer buffer) {
    {
        std::lock_guard lock(m_mutex);
        m_items.push_back(buffer);
        ++m_pushed;
    }
    m_ready.notify_one();
}

bool CompletionQueue::pop(CompletedBuffer& buffer) {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [&] { return !m_items.empty() || m_closed; });
    if (m_items.empty()) return false;
    buffer = m_items.front();
    m_items.pop_front();
    return true;
}

void CompletionQueue::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_ready.notify_all();
}

uint64_t CompletionQueue::pushed() const {
    std::lock_guard lock(m_mutex);
    return m_pushed;
}

} // namespace ks::cupti
