#pragma once
// What the translator produces: the run model's GPU/API/range tables with their own string table.
// Timestamps are in the source's clock until ClockMapping::apply() moves them to the run origin;
// appendTo() then merges everything into a data::Run (string ids and device ids remapped).
#include "cupti_collector/DeviceProperties.h"
#include "data/Run.h"

#include <cstdint>
#include <vector>

namespace ks::cupti {

struct ActivityTables {
    data::StringTable strings;
    data::KernelTable kernels;
    data::MemcpyTable memcpy;
    data::MemsetTable memset;
    data::ApiTable api;
    data::RangeTable ranges; // NVTX ranges and marks, synchronization waits (category "sync")

    uint64_t records = 0;              // every record seen
    uint64_t zeroTimestampRecords = 0; // kept out of the tables, counted
    uint64_t unmatchedMarkers = 0;     // start without end or end without start
    uint64_t overheadNs = 0;           // CUPTI/driver overhead records, summed
    uint64_t unknownRecords = 0;       // kinds we do not translate

    // Appends the tables to `run`. GPU devices are added to run.devices (kind "gpu"; an existing
    // gpu row with the same name is reused) and the device column is remapped from CUDA ordinals to
    // run device ids. Collector counters are added to run.collector. Columns are moved, not
    // copied, where the run's table is empty: the tables are left empty.
    void appendTo(data::Run& run, const std::vector<DeviceProperties>& devices);
};

} // namespace ks::cupti
