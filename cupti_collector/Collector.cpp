#include "cupti_collector/Collector.h"

#include <set>
#include <sys/syscall.h>
#include <unistd.h>

namespace ks::cupti {

uint32_t currentSystemThreadId() {
    return uint32_t(syscall(SYS_gettid));
}

namespace {
uint64_t sourceClock(void* source) {
    return static_cast<ActivitySource*>(source)->timestampNs();
}
} // namespace

Collector::Collector(std::unique_ptr<ActivitySource> source, const CollectorOptions& options,
                     int64_t originUnixNs)
    : m_source(std::move(source)), m_options(options), m_origin(originUnixNs),
      m_pool(options.bufferBytes, options.maxBuffers, options.preallocatedBuffers),
      m_translator([source = m_source.get()](CUpti_ActivityKind kind, uint32_t id) {
          return source->apiName(kind, id);
      }) {}

data::Result<std::unique_ptr<Collector>> Collector::start(std::unique_ptr<ActivitySource> source,
                                                          const CollectorOptions& options,
                                                          int64_t originUnixNs) {
    if (!source) return data::makeError("GPU activity unavailable: no activity source");
    std::unique_ptr<Collector> c(new Collector(std::move(source), options, originUnixNs));
    // The translation thread starts first: buffers may complete as soon as the source is enabled.
    c->m_thread = std::thread([raw = c.get()] { raw->translateLoop(); });
    c->m_startClock = readClockPair(sourceClock, c->m_source.get());
    c->m_callerThread = currentSystemThreadId();
    SourceOptions sourceOptions;
    sourceOptions.serializeKernels = options.serializeKernels;
    if (data::Status s = c->m_source->enable(sourceOptions, c.get()); !s) {
        c->m_queue.close();
        c->m_thread.join();
        c->m_stopped = true;
        return s.error();
    }
    return c;
}

Collector::~Collector() {
    if (!m_stopped) {
        // Dropped without stopInto(): still detach from the source before the pool goes away.
        m_source->disable();
        m_source->flush();
        m_queue.close();
        if (m_thread.joinable()) m_thread.join();
    }
}

void Collector::bufferCompleted(uint8_t* buffer, size_t validSize) {
    // Called from CUPTI's threads: hand over and return, nothing else.
    m_queue.push({buffer, validSize});
}

void Collector::translateLoop() {
    CompletedBuffer b;
    while (m_queue.pop(b)) {
        uint64_t n = 0;
        CUpti_Activity* record = nullptr;
        while (m_source->nextRecord(b.data, b.validSize, record)) {
            m_translator.add(record);
            ++n;
        }
        m_recordsTranslated += n;
        m_pool.release(b.data);
    }
}

void Collector::stopInto(data::Run& run) {
    if (m_stopped) return;
    m_stopped = true;
    // No lock of ours is held here: the source's flush calls bufferCompleted() on any thread.
    m_source->disable();
    m_source->flush();
    const uint64_t dropped = m_source->takeDroppedRecords();
    const ClockPair stopClock = readClockPair(sourceClock, m_source.get());
    m_queue.close();
    m_thread.join();

    ActivityTables tables = m_translator.finish();
    ClockMapping(m_startClock, stopClock, m_origin).apply(tables);
    if (m_options.callerThreadRunId) {
        for (auto* column : {&tables.api.thread, &tables.ranges.thread})
            for (uint32_t& t : *column)
                if (t == m_callerThread) t = *m_options.callerThreadRunId;
    }
    // Host threads seen only by CUPTI get a name, so the views do not show bare numbers.
    std::set<uint32_t> threads;
    for (const auto* column : {&tables.api.thread, &tables.ranges.thread})
        for (size_t i = 0; i < column->size(); ++i)
            if (i == 0 || (*column)[i] != (*column)[i - 1]) threads.insert((*column)[i]);
    for (uint32_t t : threads)
        if (run.threadName(t).empty())
            run.nameThread(t, t == RecordTranslator::kUnknownThread
                                  ? std::string("CUDA (host thread unknown)")
                                  : "CUDA host thread " + std::to_string(t));
    tables.appendTo(run, m_source->devices());

    run.collector.dropped_records += dropped;
    run.collector.buffers += m_queue.pushed();
    std::string warnings;
    for (const std::string& w : m_source->warnings())
        warnings += (warnings.empty() ? "" : "; ") + w;
    if (m_pool.refusals() > 0)
        warnings += (warnings.empty() ? "" : "; ") + std::string("buffer pool at its cap (") +
                    std::to_string(m_pool.maxBuffers()) + " x " +
                    std::to_string(m_pool.bufferBytes() >> 10) + " KiB) " +
                    std::to_string(m_pool.refusals()) + " times";
    if (!warnings.empty())
        run.collector.status += (run.collector.status.empty() ? "" : "; ") + warnings;
}

} // namespace ks::cupti
