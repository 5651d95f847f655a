#pragma once
// The CPU backend's worker threads for elementwise and row loops. Workers sleep on a condition
// variable between loops instead of spinning: OpenBLAS runs its own threads between our loops,
// and spinning workers (OpenMP's default) would take its cores on a busy machine.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ks::engine::cpu {

class ThreadPool {
public:
    static ThreadPool& instance() {
        static ThreadPool pool;
        return pool;
    }
    // Total threads taking part in a loop (the caller included); 1 runs loops inline.
    void setThreads(int n);
    int threads() const { return int(m_workers.size()) + 1; }

    // Calls f(begin, end) over [0, n) in contiguous chunks of at least `minChunk` items, on the
    // caller and the workers; returns when every chunk is done.
    void parallelFor(size_t n, size_t minChunk, const std::function<void(size_t, size_t)>& f);

    ~ThreadPool() { setThreads(1); }

private:
    ThreadPool() = default;
    void work(int index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(size_t, size_t)>* m_job = nullptr;
    size_t m_n = 0, m_chunk = 0;
    int m_chunks = 0; // chunks of the current job
    uint64_t m_generation = 0;
    int m_pending = 0; // workers still busy with the current job
    bool m_stop = false;
    std::mutex m_callers; // one loop at a time
};

// f(begin, end) over [0, n); inline when n is below `minParallel`.
template <class F> void parallelFor(size_t n, size_t minParallel, F&& f) {
    auto& pool = ThreadPool::instance();
    if (n < minParallel || pool.threads() == 1) {
        f(size_t(0), n);
        return;
    }
    const std::function<void(size_t, size_t)> job = f;
    pool.parallelFor(n, std::max<size_t>(1, minParallel / 4), job);
}

} // namespace ks::engine::cpu
