#pragma once
// The seam between the collector and CUPTI. The real adapter (CuptiActivitySource) is a thin layer
// over the CUPTI Activity API; FakeActivitySource feeds hand-built records through the same path
// so everything but that thin layer is tested without a GPU.
#include "cupti_collector/DeviceProperties.h"
#include "data/Result.h"

#include <cupti_activity.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ks::cupti {

// Receives buffers from a source. Both calls may come from any thread, concurrently: they must
// only hand buffers over, never parse.
class BufferSink {
public:
    virtual ~BufferSink() = default;
    // An empty buffer of bufferBytes(), 8-byte aligned, or nullptr when the pool is at its cap
    // (the source then drops records and counts them).
    virtual uint8_t* requestBuffer() = 0;
    virtual size_t bufferBytes() const = 0;
    // A buffer handed out by requestBuffer() comes back holding validSize bytes of records.
    virtual void bufferCompleted(uint8_t* buffer, size_t validSize) = 0;
};

struct SourceOptions {
    bool serializeKernels = false; // KERNEL (serializes all kernels) instead of CONCURRENT_KERNEL
};

class ActivitySource {
public:
    virtual ~ActivitySource() = default;
    // Starts delivering buffers to `sink`. Fails with "GPU activity unavailable: <reason>".
    virtual data::Status enable(const SourceOptions& options, BufferSink* sink) = 0;
    // Stops producing records (records already produced are delivered by the next flush()).
    virtual void disable() = 0;
    // Forced flush: every buffer holding records is handed to the sink before this returns.
    virtual void flush() = 0;
    // Records lost since the last call (no buffer space); the count restarts at zero.
    virtual uint64_t takeDroppedRecords() = 0;
    // The clock of the records' timestamps, in ns.
    virtual uint64_t timestampNs() = 0;
    // Walks the records of a completed buffer: `record` is nullptr before the first one.
    // Returns false after the last record.
    virtual bool nextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity*& record) = 0;
    // Name of a runtime (kind RUNTIME) or driver (kind DRIVER) API call, e.g. "cudaMemcpy".
    virtual std::string apiName(CUpti_ActivityKind kind, uint32_t callbackId) = 0;
    // Devices whose ordinals appear in the records.
    virtual std::vector<DeviceProperties> devices() = 0;
    // Things the source could not do while still collecting (e.g. a kind it could not enable).
    virtual std::vector<std::string> warnings() const { return {}; }
};

} // namespace ks::cupti
