#include "data/import/ImportSupport.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace ks::data {

void assignRangeDepths(RangeTable& r) {
    std::vector<uint32_t> order(r.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        if (r.thread[a] != r.thread[b]) return r.thread[a] < r.thread[b];
        if (r.start_ns[a] != r.start_ns[b]) return r.start_ns[a] < r.start_ns[b];
        if (r.end_ns[a] != r.end_ns[b]) return r.end_ns[a] > r.end_ns[b];
        return a < b;
    });
    permuteRows(r, order);
    std::vector<int64_t> ends;
    for (size_t i = 0; i < r.size(); ++i) {
        if (i == 0 || r.thread[i] != r.thread[i - 1]) ends.clear();
        while (!ends.empty() && ends.back() <= r.start_ns[i]) ends.pop_back();
        r.depth[i] = uint32_t(ends.size());
        ends.push_back(r.end_ns[i]);
    }
}

int64_t earliestTime(const Run& run) {
    int64_t t = std::numeric_limits<int64_t>::max();
    auto scan = [&](const std::vector<int64_t>& v) {
        if (!v.empty()) t = std::min(t, *std::min_element(v.begin(), v.end()));
    };
    scan(run.kernels.start_ns);
    scan(run.memcpy.start_ns);
    scan(run.memset.start_ns);
    scan(run.api.start_ns);
    scan(run.ranges.start_ns);
    scan(run.samples.time_ns);
    return t == std::numeric_limits<int64_t>::max() ? 0 : t;
}

void shiftTimes(Run& run, int64_t origin) {
    auto shift = [origin](std::vector<int64_t>& v) {
        for (int64_t& t : v) t -= origin;
    };
    for (auto* v :
         {&run.kernels.start_ns, &run.kernels.end_ns, &run.memcpy.start_ns, &run.memcpy.end_ns,
          &run.memset.start_ns, &run.memset.end_ns, &run.api.start_ns, &run.api.end_ns,
          &run.ranges.start_ns, &run.ranges.end_ns, &run.samples.time_ns})
        shift(*v);
    for (auto& [name, series] : run.counters) shift(series.time_ns);
}

} // namespace ks::data
