#include "cupti_collector/RecordTranslator.h"
#include "data/import/ImportSupport.h"

#include <algorithm>
#include <cstring>

namespace ks::cupti {

namespace {

constexpr size_t kNameCacheSize = 1024; // power of two

uint8_t memcpyKind(uint8_t copyKind) {
    using data::MemcpyKind;
    switch (copyKind) {
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD:
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA:
        return uint8_t(MemcpyKind::HtoD);
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH:
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH:
        return uint8_t(MemcpyKind::DtoH);
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD:
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA:
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD:
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA:
        return uint8_t(MemcpyKind::DtoD);
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH:
        return uint8_t(MemcpyKind::HtoH);
    case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP:
        return uint8_t(MemcpyKind::PtoP);
    default:
        return uint8_t(MemcpyKind::Unknown);
    }
}

const char* syncName(CUpti_ActivitySynchronizationType type) {
    switch (type) {
    case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE:
        return "Event synchronize";
    case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT:
        return "Stream wait event";
    case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE:
        return "Stream synchronize";
    case CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE:
        return "Context synchronize";
    default:
        return "Synchronization";
    }
}

uint32_t markerThread(const CUpti_ActivityMarker2& r) {
    return r.objectKind == CUPTI_ACTIVITY_OBJECT_THREAD ? r.objectId.pt.threadId
                                                        : RecordTranslator::kUnknownThread;
}

} // namespace

RecordTranslator::RecordTranslator(ApiNameFunction apiName)
    : m_apiName(std::move(apiName)), m_nameCache(kNameCacheSize) {
    m_nvtxCategory = m_t.strings.intern("nvtx");
    m_markCategory = m_t.strings.intern("nvtx mark");
    m_syncCategory = m_t.strings.intern("sync");
}

uint32_t RecordTranslator::internCString(const char* s, std::string_view fallback) {
    if (!s) return m_t.strings.intern(fallback);
    NameSlot& slot = m_nameCache[(reinterpret_cast<uintptr_t>(s) >> 3) & (kNameCacheSize - 1)];
    if (slot.pointer == s) {
        const std::string_view cached = m_t.strings.get(slot.id);
        if (std::memcmp(cached.data(), s, cached.size()) == 0 && s[cached.size()] == '\0')
            return slot.id;
    }
    slot.pointer = s;
    slot.id = m_t.strings.intern(s);
    return slot.id;
}

uint32_t RecordTranslator::apiNameId(CUpti_ActivityKind kind, uint32_t callbackId) {
    auto& table = kind == CUPTI_ACTIVITY_KIND_DRIVER ? m_driverNames : m_runtimeNames;
    if (callbackId >= 1u << 16) // not a real callback id: do not grow the table for it
        return m_t.strings.intern("API " + std::to_string(callbackId));
    if (callbackId >= table.size()) table.resize(callbackId + 1, 0);
    uint32_t& id = table[callbackId];
    if (id == 0) {
        std::string name = m_apiName ? m_apiName(kind, callbackId) : std::string();
        if (name.empty())
            name = (kind == CUPTI_ACTIVITY_KIND_DRIVER ? "driver API " : "runtime API ") +
                   std::to_string(callbackId);
        id = m_t.strings.intern(name);
    }
    return id;
}

bool RecordTranslator::validTimes(uint64_t start, uint64_t end) {
    if (start != 0 && end != 0 && end >= start) return true;
    ++m_t.zeroTimestampRecords;
    return false;
}

void RecordTranslator::add(const CUpti_Activity* record) {
    ++m_t.records;
    switch (record->kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
        addKernel(*reinterpret_cast<const CUpti_ActivityKernel10*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_MEMCPY:
        addMemcpy(*reinterpret_cast<const CUpti_ActivityMemcpy6*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_MEMCPY2:
        addPeerMemcpy(*reinterpret_cast<const CUpti_ActivityMemcpyPtoP4*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_MEMSET:
        addMemset(*reinterpret_cast<const CUpti_ActivityMemset4*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_RUNTIME:
    case CUPTI_ACTIVITY_KIND_DRIVER:
        addApi(*reinterpret_cast<const CUpti_ActivityAPI*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_MARKER:
        addMarker(*reinterpret_cast<const CUpti_ActivityMarker2*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
        addSynchronization(*reinterpret_cast<const CUpti_ActivitySynchronization2*>(record));
        break;
    case CUPTI_ACTIVITY_KIND_OVERHEAD:
        addOverhead(*reinterpret_cast<const CUpti_ActivityOverhead3*>(record));
        break;
    default:
        ++m_t.unknownRecords;
        break;
    }
}

void RecordTranslator::addKernel(const CUpti_ActivityKernel10& r) {
    if (!validTimes(r.start, r.end)) return;
    auto& k = m_t.kernels;
    k.start_ns.push_back(int64_t(r.start));
    k.end_ns.push_back(int64_t(r.end));
    k.device.push_back(r.deviceId);
    k.stream.push_back(r.streamId);
    k.correlation.push_back(r.correlationId);
    k.name.push_back(internCString(r.name, "<unnamed kernel>"));
    k.grid_x.push_back(uint32_t(r.gridX));
    k.grid_y.push_back(uint32_t(r.gridY));
    k.grid_z.push_back(uint32_t(r.gridZ));
    k.block_x.push_back(uint32_t(r.blockX));
    k.block_y.push_back(uint32_t(r.blockY));
    k.block_z.push_back(uint32_t(r.blockZ));
    k.registers_per_thread.push_back(r.registersPerThread);
    k.shared_static.push_back(uint32_t(r.staticSharedMemory));
    k.shared_dynamic.push_back(uint32_t(r.dynamicSharedMemory));
}

void RecordTranslator::addMemcpy(const CUpti_ActivityMemcpy6& r) {
    if (!validTimes(r.start, r.end)) return;
    auto& m = m_t.memcpy;
    m.start_ns.push_back(int64_t(r.start));
    m.end_ns.push_back(int64_t(r.end));
    m.device.push_back(r.deviceId);
    m.stream.push_back(r.streamId);
    m.correlation.push_back(r.correlationId);
    m.kind.push_back(memcpyKind(r.copyKind));
    m.bytes.push_back(r.bytes);
}

void RecordTranslator::addPeerMemcpy(const CUpti_ActivityMemcpyPtoP4& r) {
    if (!validTimes(r.start, r.end)) return;
    auto& m = m_t.memcpy;
    m.start_ns.push_back(int64_t(r.start));
    m.end_ns.push_back(int64_t(r.end));
    m.device.push_back(r.deviceId);
    m.stream.push_back(r.streamId);
    m.correlation.push_back(r.correlationId);
    m.kind.push_back(uint8_t(data::MemcpyKind::PtoP));
    m.bytes.push_back(r.bytes);
}

void RecordTranslator::addMemset(const CUpti_ActivityMemset4& r) {
    if (!validTimes(r.start, r.end)) return;
    auto& m = m_t.memset;
    m.start_ns.push_back(int64_t(r.start));
    m.end_ns.push_back(int64_t(r.end));
    m.device.push_back(r.deviceId);
    m.stream.push_back(r.streamId);
    m.correlation.push_back(r.correlationId);
    m.bytes.push_back(r.bytes);
    m.value.push_back(r.value);
}

void RecordTranslator::addApi(const CUpti_ActivityAPI& r) {
    if (!validTimes(r.start, r.end)) return;
    auto& a = m_t.api;
    a.start_ns.push_back(int64_t(r.start));
    a.end_ns.push_back(int64_t(r.end));
    a.thread.push_back(r.threadId);
    a.correlation.push_back(r.correlationId);
    a.name.push_back(apiNameId(r.kind, r.cbid));
    a.return_value.push_back(int32_t(r.returnValue));
}

void RecordTranslator::addRange(int64_t start, int64_t end, uint32_t thread, uint32_t name,
                                uint32_t category) {
    auto& g = m_t.ranges;
    g.start_ns.push_back(start);
    g.end_ns.push_back(end);
    g.thread.push_back(thread);
    g.depth.push_back(0); // computed in finish()
    g.name.push_back(name);
    g.category.push_back(category);
}

void RecordTranslator::addMarker(const CUpti_ActivityMarker2& r) {
    if (r.timestamp == 0) {
        ++m_t.zeroTimestampRecords;
        return;
    }
    const auto t = int64_t(r.timestamp);
    const uint32_t category = r.domain ? internCString(r.domain, "nvtx") : m_nvtxCategory;
    if (r.flags & CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS) {
        addRange(t, t, markerThread(r), internCString(r.name, "<mark>"),
                 r.domain ? category : m_markCategory);
    } else if (r.flags & CUPTI_ACTIVITY_FLAG_MARKER_START) {
        const PendingMarker start{t, markerThread(r), internCString(r.name, "<range>"), category};
        // With per-thread buffers the end can arrive first (a range started and ended on two
        // threads).
        if (auto end = m_earlyEnds.find(r.id); end != m_earlyEnds.end()) {
            addRange(t, std::max(t, end->second.time), start.thread, start.name, start.category);
            m_earlyEnds.erase(end);
            return;
        }
        auto [it, inserted] = m_openStarts.try_emplace(r.id, start);
        if (!inserted) { // an id reused before its end came: the first start stays unmatched
            ++m_t.unmatchedMarkers;
            it->second = start;
        }
    } else if (r.flags & CUPTI_ACTIVITY_FLAG_MARKER_END) {
        if (auto start = m_openStarts.find(r.id); start != m_openStarts.end()) {
            const PendingMarker& s = start->second;
            addRange(s.time, std::max(s.time, t), s.thread, s.name, s.category);
            m_openStarts.erase(start);
            return;
        }
        auto [it, inserted] = m_earlyEnds.try_emplace(r.id, PendingMarker{t, markerThread(r)});
        if (!inserted) {
            ++m_t.unmatchedMarkers;
            it->second = PendingMarker{t, markerThread(r)};
        }
    }
    // Other flags (sync acquire/release) carry no range.
}

void RecordTranslator::addSynchronization(const CUpti_ActivitySynchronization2& r) {
    if (!validTimes(r.start, r.end)) return;
    m_syncRows.emplace_back(m_t.ranges.size(), r.correlationId);
    addRange(int64_t(r.start), int64_t(r.end), kUnknownThread, m_t.strings.intern(syncName(r.type)),
             m_syncCategory);
}

void RecordTranslator::addOverhead(const CUpti_ActivityOverhead3& r) {
    if (!validTimes(r.start, r.end)) return;
    m_t.overheadNs += r.end - r.start;
}

ActivityTables RecordTranslator::finish() {
    m_t.unmatchedMarkers += m_openStarts.size() + m_earlyEnds.size();
    m_openStarts.clear();
    m_earlyEnds.clear();

    // A synchronization record carries no thread: take the one of its API call.
    if (!m_syncRows.empty()) {
        std::unordered_map<uint32_t, uint32_t> threadOf;
        for (size_t i = 0; i < m_t.api.size(); ++i)
            threadOf.emplace(m_t.api.correlation[i], m_t.api.thread[i]);
        for (auto [row, correlation] : m_syncRows)
            if (auto it = threadOf.find(correlation); it != threadOf.end())
                m_t.ranges.thread[row] = it->second;
        m_syncRows.clear();
    }

    data::sortByStart(m_t.kernels);
    data::sortByStart(m_t.memcpy);
    data::sortByStart(m_t.memset);
    data::sortByStart(m_t.api);

    data::assignRangeDepths(m_t.ranges);
    data::sortByStart(m_t.ranges);
    return std::move(m_t);
}

} // namespace ks::cupti
