#pragma once
// The collector: a source delivers buffers from a bounded pool to a completion queue; our own
// thread translates them while the run goes on; stopInto() flushes, finishes the translation,
// converts the clock and appends everything to the run.
#include "cupti_collector/ActivitySource.h"
#include "cupti_collector/BufferPool.h"
#include "cupti_collector/ClockMapping.h"
#include "cupti_collector/CompletionQueue.h"
#include "cupti_collector/RecordTranslator.h"
#include "data/Result.h"
#include "data/Run.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace ks::cupti {

struct CollectorOptions {
    bool serializeKernels = false;  // CUPTI_ACTIVITY_KIND_KERNEL instead of CONCURRENT_KERNEL
    size_t bufferBytes = 8u << 20;  // each activity buffer
    size_t maxBuffers = 32;         // the pool's cap (256 MiB with the default size)
    size_t preallocatedBuffers = 2; // allocated at start, before the model runs
    // CUPTI names host threads by their system id (gettid). When set, the thread that calls
    // start() gets this run thread id instead, so its API calls and NVTX ranges share a row with
    // the CPU ranges the caller records itself (the engine's thread).
    std::optional<uint32_t> callerThreadRunId;
};

// The calling thread's system id (gettid), the id CUPTI puts in its records.
uint32_t currentSystemThreadId();

class Collector final : public BufferSink {
public:
    // Enables the source. Fails with "GPU activity unavailable: <reason>".
    static data::Result<std::unique_ptr<Collector>> start(std::unique_ptr<ActivitySource> source,
                                                          const CollectorOptions& options,
                                                          int64_t originUnixNs);
    ~Collector() override;

    // Disables and flushes the source, waits for the translation and appends kernels, copies,
    // memsets, API calls, ranges, devices and collector statistics to `run`. Call once.
    void stopInto(data::Run& run);

    // BufferSink (called by the source, any thread).
    uint8_t* requestBuffer() override { return m_pool.acquire(); }
    size_t bufferBytes() const override { return m_pool.bufferBytes(); }
    void bufferCompleted(uint8_t* buffer, size_t validSize) override;

    const BufferPool& pool() const { return m_pool; }
    uint64_t recordsTranslated() const { return m_recordsTranslated.load(); }

private:
    Collector(std::unique_ptr<ActivitySource> source, const CollectorOptions& options,
              int64_t originUnixNs);
    void translateLoop();

    std::unique_ptr<ActivitySource> m_source;
    CollectorOptions m_options;
    int64_t m_origin;
    BufferPool m_pool;
    CompletionQueue m_queue;
    RecordTranslator m_translator;
    ClockPair m_startClock;
    uint32_t m_callerThread = 0;
    std::thread m_thread;
    std::atomic<uint64_t> m_recordsTranslated{0};
    bool m_stopped = false;
};

} // namespace ks::cupti
