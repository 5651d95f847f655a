#include "cupti_collector/FakeActivitySource.h"

#include "cupti_collector/ClockMapping.h"

namespace ks::cupti {

size_t fakeRecordSize(CUpti_ActivityKind kind) {
    switch (kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
        return sizeof(CUpti_ActivityKernel10);
    case CUPTI_ACTIVITY_KIND_MEMCPY:
        return sizeof(CUpti_ActivityMemcpy6);
    case CUPTI_ACTIVITY_KIND_MEMCPY2:
        return sizeof(CUpti_ActivityMemcpyPtoP4);
    case CUPTI_ACTIVITY_KIND_MEMSET:
        return sizeof(CUpti_ActivityMemset4);
    case CUPTI_ACTIVITY_KIND_RUNTIME:
    case CUPTI_ACTIVITY_KIND_DRIVER:
        return sizeof(CUpti_ActivityAPI);
    case CUPTI_ACTIVITY_KIND_MARKER:
        return sizeof(CUpti_ActivityMarker2);
    case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
        return sizeof(CUpti_ActivitySynchronization2);
    case CUPTI_ACTIVITY_KIND_OVERHEAD:
        return sizeof(CUpti_ActivityOverhead3);
    default:
        return 0;
    }
}

data::Status FakeActivitySource::enable(const SourceOptions& options, BufferSink* sink) {
    if (m_enableError != CUPTI_SUCCESS)
        return data::makeError("GPU activity unavailable: cuptiActivityEnable failed: error " +
                               std::to_string(int(m_enableError)) + " (fake source)");
    m_options = options;
    m_sink = sink;
    return {};
}

void FakeActivitySource::deliver(const FakeRecordBatch& batch) {
    BufferSink* sink = m_sink.load();
    if (!sink) {
        m_dropped += batch.count();
        return;
    }
    const uint8_t* p = batch.data();
    const uint8_t* end = p + batch.bytes();
    while (p < end) {
        uint8_t* buffer = sink->requestBuffer();
        if (!buffer) { // no space: the rest of the batch is lost, and counted
            while (p < end) {
                p += fakeRecordSize(reinterpret_cast<const CUpti_Activity*>(p)->kind);
                ++m_dropped;
            }
            return;
        }
        size_t used = 0;
        const size_t capacity = sink->bufferBytes();
        while (p < end) {
            const size_t size = fakeRecordSize(reinterpret_cast<const CUpti_Activity*>(p)->kind);
            if (size == 0 || used + size > capacity) break;
            std::memcpy(buffer + used, p, size);
            used += size;
            p += size;
        }
        if (used == 0) { // a record bigger than a buffer, or one the fake cannot size
            sink->bufferCompleted(buffer, 0);
            ++m_dropped;
            const size_t size = fakeRecordSize(reinterpret_cast<const CUpti_Activity*>(p)->kind);
            if (size == 0) return;
            p += size;
            continue;
        }
        sink->bufferCompleted(buffer, used);
    }
}

void FakeActivitySource::holdUntilFlush(FakeRecordBatch batch) {
    std::lock_guard lock(m_heldMutex);
    m_held.push_back(std::move(batch));
}

void FakeActivitySource::flush() {
    std::vector<FakeRecordBatch> held;
    {
        std::lock_guard lock(m_heldMutex);
        held.swap(m_held);
    }
    for (const FakeRecordBatch& b : held) deliver(b);
    ++m_flushes;
}

uint64_t FakeActivitySource::timestampNs() {
    return m_clock ? m_clock() : uint64_t(realtimeNowNs());
}

bool FakeActivitySource::nextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity*& record) {
    size_t offset = 0;
    if (record) {
        offset = size_t(reinterpret_cast<uint8_t*>(record) - buffer) + fakeRecordSize(record->kind);
    }
    if (offset + sizeof(CUpti_Activity) > validSize) return false;
    auto* next = reinterpret_cast<CUpti_Activity*>(buffer + offset);
    const size_t size = fakeRecordSize(next->kind);
    if (size == 0 || offset + size > validSize) return false;
    record = next;
    return true;
}

std::string FakeActivitySource::apiName(CUpti_ActivityKind, uint32_t callbackId) {
    auto it = m_apiNames.find(callbackId);
    return it == m_apiNames.end() ? std::string() : it->second;
}

} // namespace ks::cupti
