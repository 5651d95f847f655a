#include "cupti_collector/ActivityTables.h"

#include <string>
#include <unordered_map>

namespace ks::cupti {

namespace {

// Appends every column of `from` to `to` (same table type); moves them when `to` is empty, which
// saves a copy and fresh pages for every column.
template <class Table> void appendColumns(Table& to, Table& from) {
    if (to.size() == 0) {
        to = std::move(from);
        from = Table{};
        return;
    }
    to.forEachColumn([&](const char* name, auto& column) {
        data::forEachColumn(from, [&](const char* fromName, const auto& fromColumn) {
            if constexpr (std::is_same_v<std::decay_t<decltype(column)>,
                                         std::decay_t<decltype(fromColumn)>>) {
                if (std::string_view(name) == fromName)
                    column.insert(column.end(), fromColumn.begin(), fromColumn.end());
            }
        });
    });
}

void remap(std::vector<uint32_t>& column, size_t from, const std::vector<uint32_t>& ids) {
    for (size_t i = from; i < column.size(); ++i) column[i] = ids[column[i]];
}

} // namespace

void ActivityTables::appendTo(data::Run& run, const std::vector<DeviceProperties>& devices) {
    // String ids: ours -> the run's.
    std::vector<uint32_t> stringIds(strings.size());
    for (uint32_t i = 0; i < strings.size(); ++i) stringIds[i] = run.strings.intern(strings.get(i));

    // Devices: CUDA ordinal -> run device id, adding rows for GPUs the run does not have yet.
    std::unordered_map<uint32_t, uint32_t> deviceIds;
    std::vector<bool> claimed(run.devices.size(), false);
    auto findGpu = [&](const std::string& name) -> int64_t {
        for (size_t i = 0; i < run.devices.size(); ++i)
            if (!claimed[i] && run.strings.get(run.devices.kind[i]) == "gpu" &&
                run.strings.get(run.devices.name[i]) == name)
                return int64_t(i);
        return -1;
    };
    for (const DeviceProperties& d : devices) {
        int64_t row = findGpu(d.name);
        if (row < 0) {
            run.addDevice("gpu", d.name);
            row = int64_t(run.devices.size() - 1);
            claimed.push_back(true);
        }
        claimed[row] = true;
        auto& t = run.devices;
        t.sm_count[row] = d.smCount;
        t.clock_khz[row] = d.clockKhz;
        t.memory_bytes[row] = d.memoryBytes;
        t.memory_bandwidth_gbps[row] = d.memoryBandwidthGbps;
        t.cc_major[row] = d.ccMajor;
        t.cc_minor[row] = d.ccMinor;
        t.max_threads_per_sm[row] = d.maxThreadsPerSm;
        t.registers_per_sm[row] = d.registersPerSm;
        t.shared_memory_per_sm[row] = d.sharedMemoryPerSm;
        deviceIds[d.ordinal] = t.id[row];
    }
    auto deviceId = [&](uint32_t ordinal) {
        auto it = deviceIds.find(ordinal);
        if (it != deviceIds.end()) return it->second;
        // A device with no properties (should not happen): still give it a row.
        const uint32_t id = run.addDevice("gpu", "CUDA device " + std::to_string(ordinal));
        deviceIds[ordinal] = id;
        return id;
    };
    auto remapDevices = [&](std::vector<uint32_t>& column, size_t from) {
        for (size_t i = from; i < column.size(); ++i) column[i] = deviceId(column[i]);
    };

    const size_t k0 = run.kernels.size(), c0 = run.memcpy.size(), s0 = run.memset.size();
    const size_t a0 = run.api.size(), r0 = run.ranges.size();
    appendColumns(run.kernels, kernels);
    appendColumns(run.memcpy, memcpy);
    appendColumns(run.memset, memset);
    appendColumns(run.api, api);
    appendColumns(run.ranges, ranges);
    remap(run.kernels.name, k0, stringIds);
    remap(run.api.name, a0, stringIds);
    remap(run.ranges.name, r0, stringIds);
    remap(run.ranges.category, r0, stringIds);
    remapDevices(run.kernels.device, k0);
    remapDevices(run.memcpy.device, c0);
    remapDevices(run.memset.device, s0);

    run.collector.zero_timestamp_records += zeroTimestampRecords;
    run.collector.unmatched_markers += unmatchedMarkers;
    run.collector.overhead_ns += overheadNs;
}

} // namespace ks::cupti
