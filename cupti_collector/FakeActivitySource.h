#pragma once
// A stand-in for CUPTI used by tests and benchmarks: hand-built records are packed, 8-byte
// aligned, into buffers requested from the sink (the collector's pool) and handed back as
// completed buffers, the way CUPTI does. When the sink has no buffer, records are dropped and
// counted, as CUPTI does.
#include "cupti_collector/ActivitySource.h"

#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace ks::cupti {

// Size of one packed record of `kind` (0 for kinds the fake does not know).
size_t fakeRecordSize(CUpti_ActivityKind kind);

// An ordered list of packed records.
class FakeRecordBatch {
public:
    template <class Record> void add(const Record& record) {
        static_assert(sizeof(Record) % 8 == 0, "CUPTI records are 8-byte aligned");
        const size_t at = m_words.size();
        m_words.resize(at + sizeof(Record) / 8);
        std::memcpy(m_words.data() + at, &record, sizeof(Record));
        ++m_count;
    }
    size_t count() const { return m_count; }
    size_t bytes() const { return m_words.size() * 8; }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(m_words.data()); }

private:
    std::vector<uint64_t> m_words;
    size_t m_count = 0;
};

class FakeActivitySource final : public ActivitySource {
public:
    // Delivers `batch` now, on the calling thread (any thread, concurrently with others): fills
    // as many sink buffers as needed; records that find no buffer are dropped and counted.
    void deliver(const FakeRecordBatch& batch);
    // Keeps `batch` until the next flush() (records still inside CUPTI at stop).
    void holdUntilFlush(FakeRecordBatch batch);
    // Makes enable() fail with this CUPTI error, as a machine without a driver does.
    void failEnable(CUptiResult error) { m_enableError = error; }
    void addDroppedRecords(uint64_t n) { m_dropped += n; }
    void setClock(std::function<uint64_t()> clock) { m_clock = std::move(clock); }
    void setApiNames(std::map<uint32_t, std::string> names) { m_apiNames = std::move(names); }
    void setDevices(std::vector<DeviceProperties> devices) { m_devices = std::move(devices); }
    bool enabled() const { return m_sink.load() != nullptr; }
    bool serializeKernels() const { return m_options.serializeKernels; }
    uint64_t flushes() const { return m_flushes; }

    data::Status enable(const SourceOptions& options, BufferSink* sink) override;
    void disable() override {}
    void flush() override;
    uint64_t takeDroppedRecords() override { return m_dropped.exchange(0); }
    uint64_t timestampNs() override;
    bool nextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity*& record) override;
    std::string apiName(CUpti_ActivityKind kind, uint32_t callbackId) override;
    std::vector<DeviceProperties> devices() override { return m_devices; }

private:
    std::atomic<BufferSink*> m_sink{nullptr};
    SourceOptions m_options;
    CUptiResult m_enableError = CUPTI_SUCCESS;
    std::atomic<uint64_t> m_dropped{0};
    std::atomic<uint64_t> m_flushes{0};
    std::function<uint64_t()> m_clock;
    std::map<uint32_t, std::string> m_apiNames;
    std::vector<DeviceProperties> m_devices;
    std::mutex m_heldMutex;
    std::vector<FakeRecordBatch> m_held;
};

} // namespace ks::cupti
