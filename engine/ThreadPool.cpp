#include "ThreadPool.h"

namespace ks::engine::cpu {

void ThreadPool::setThreads(int n) {
    std::lock_guard caller(m_callers);
    n = std::max(1, n);
    if (n == threads()) return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
    m_workers.clear();
    m_stop = false;
    for (int i = 1; i < n; ++i) m_workers.emplace_back([this, i] { work(i); });
}

void ThreadPool::parallelFor(size_t n, size_t minChunk,
                             const std::function<void(size_t, size_t)>& f) {
    std::lock_guard caller(m_callers);
    const int parts = int(std::min<size_t>(size_t(threads()), (n + minChunk - 1) / minChunk));
    if (parts <= 1) {
        f(0, n);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_job = &f;
        m_n = n;
        m_chunks = parts;
        m_chunk = (n + size_t(parts) - 1) / size_t(parts);
        m_pending = int(m_workers.size());
        ++m_generation;
    }
    m_wake.notify_all();
    f(0, std::min(n, m_chunk)); // the caller takes chunk 0
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_pending == 0; });
    m_job = nullptr;
}

void ThreadPool::work(int index) {
    uint64_t seen = 0;
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
        if (m_stop) return;
        seen = m_generation;
        const auto* job = m_job;
        const size_t begin = size_t(index) * m_chunk, n = m_n;
        const bool mine = index < m_chunks && begin < n;
        lock.unlock();
        if (mine) (*job)(begin, std::min(n, begin + m_chunk));
        lock.lock();
        if (--m_pending == 0) m_done.notify_one();
    }
}

} // namespace ks::engine::cpu
