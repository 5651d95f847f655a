#pragma once
// Runs independent pieces of work on all cores (at most 16 threads), the calling thread included.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace ks::data {

// Calls f(i) for every i in [0, n); the calls must be independent of each other.
template <class F> void parallelFor(size_t n, F&& f) {
    const unsigned threads = std::max(1u, std::min(std::thread::hardware_concurrency(), 16u));
    if (threads == 1 || n < 2) {
        for (size_t i = 0; i < n; ++i) f(i);
        return;
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) f(i);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
}

} // namespace ks::data
