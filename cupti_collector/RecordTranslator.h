#pragma once
// The pure translation layer: CUPTI activity records -> the run model's columns. Needs only the
// CUPTI headers (no libcupti, no GPU), so tests feed it records built by hand. Not thread-safe:
// the collector runs one translator on its own thread.
#include "cupti_collector/ActivityTables.h"

#include <cupti_activity.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ks::cupti {

class RecordTranslator {
public:
    // Thread of a range whose host thread CUPTI did not tell (a synchronization record without its
    // API record, a marker on a non-thread object): a row of its own, not some real thread's.
    static constexpr uint32_t kUnknownThread = 0xfffffffeu;

    // Resolves an API callback id to a name; called once per distinct (kind, id).
    using ApiNameFunction =
        std::function<std::string(CUpti_ActivityKind kind, uint32_t callbackId)>;
    explicit RecordTranslator(ApiNameFunction apiName);

    // Dispatches on record->kind. Unknown kinds are counted and skipped.
    void add(const CUpti_Activity* record);

    void addKernel(const CUpti_ActivityKernel10& r);
    void addMemcpy(const CUpti_ActivityMemcpy6& r);
    void addPeerMemcpy(const CUpti_ActivityMemcpyPtoP4& r);
    void addMemset(const CUpti_ActivityMemset4& r);
    void addApi(const CUpti_ActivityAPI& r);
    void addMarker(const CUpti_ActivityMarker2& r);
    void addSynchronization(const CUpti_ActivitySynchronization2& r);
    void addOverhead(const CUpti_ActivityOverhead3& r);

    // Ends translation: counts unmatched markers, gives synchronization waits the thread of the
    // API call they belong to, computes range depths per thread, sorts every table by start.
    // Timestamps are still in the source clock (see ClockMapping). The translator is spent after.
    ActivityTables finish();

    const ActivityTables& tables() const { return m_t; }

private:
    struct PendingMarker {
        int64_t time = 0;
        uint32_t thread = 0, name = 0, category = 0;
    };
    // CUPTI shares one name string between records: cache its id by pointer (verified by content,
    // so a reused address with another name is still right).
    struct NameSlot {
        const char* pointer = nullptr;
        uint32_t id = 0;
    };
    uint32_t internCString(const char* s, std::string_view fallback);
    uint32_t apiNameId(CUpti_ActivityKind kind, uint32_t callbackId);
    bool validTimes(uint64_t start, uint64_t end);
    void addRange(int64_t start, int64_t end, uint32_t thread, uint32_t name, uint32_t category);

    ApiNameFunction m_apiName;
    ActivityTables m_t;
    std::vector<NameSlot> m_nameCache;
    std::vector<uint32_t> m_runtimeNames, m_driverNames; // by callback id; 0 = not resolved yet
    std::unordered_map<uint32_t, PendingMarker> m_openStarts, m_earlyEnds; // by marker id
    std::vector<std::pair<size_t, uint32_t>> m_syncRows; // (range row, correlation id)
    uint32_t m_nvtxCategory = 0, m_markCategory = 0, m_syncCategory = 0;
};

} // namespace ks::cupti
