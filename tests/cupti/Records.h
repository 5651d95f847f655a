#pragma once
// Hand-built CUPTI records with realistic field values, for the collector tests and benchmark.
#include <cupti_activity.h>

#include <cstdint>
#include <cstring>

namespace ks::test {

inline CUpti_ActivityKernel10 kernelRecord(uint64_t start, uint64_t end, uint32_t stream,
                                           uint32_t correlation, const char* name) {
    CUpti_ActivityKernel10 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
    r.start = start;
    r.end = end;
    r.completed = end;
    r.deviceId = 0;
    r.contextId = 1;
    r.streamId = stream;
    r.correlationId = correlation;
    r.name = name;
    r.gridX = 128;
    r.gridY = 2;
    r.gridZ = 1;
    r.blockX = 256;
    r.blockY = 1;
    r.blockZ = 1;
    r.registersPerThread = 40;
    r.staticSharedMemory = 4096;
    r.dynamicSharedMemory = 16384;
    return r;
}

inline CUpti_ActivityMemcpy6 memcpyRecord(uint64_t start, uint64_t end, uint8_t copyKind,
                                          uint64_t bytes, uint32_t correlation) {
    CUpti_ActivityMemcpy6 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
    r.copyKind = copyKind;
    r.srcKind = CUPTI_ACTIVITY_MEMORY_KIND_PINNED;
    r.dstKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
    r.bytes = bytes;
    r.start = start;
    r.end = end;
    r.streamId = 7;
    r.correlationId = correlation;
    return r;
}

inline CUpti_ActivityMemcpyPtoP4 peerRecord(uint64_t start, uint64_t end, uint64_t bytes,
                                            uint32_t correlation) {
    CUpti_ActivityMemcpyPtoP4 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_MEMCPY2;
    r.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_PTOP;
    r.bytes = bytes;
    r.start = start;
    r.end = end;
    r.deviceId = 1;
    r.srcDeviceId = 1;
    r.dstDeviceId = 0;
    r.streamId = 9;
    r.correlationId = correlation;
    return r;
}

inline CUpti_ActivityMemset4 memsetRecord(uint64_t start, uint64_t end, uint64_t bytes,
                                          uint32_t value, uint32_t correlation) {
    CUpti_ActivityMemset4 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_MEMSET;
    r.value = value;
    r.bytes = bytes;
    r.start = start;
    r.end = end;
    r.streamId = 7;
    r.correlationId = correlation;
    return r;
}

inline CUpti_ActivityAPI apiRecord(CUpti_ActivityKind kind, uint32_t cbid, uint64_t start,
                                   uint64_t end, uint32_t thread, uint32_t correlation,
                                   uint32_t returnValue = 0) {
    CUpti_ActivityAPI r;
    std::memset(&r, 0, sizeof r);
    r.kind = kind;
    r.cbid = cbid;
    r.start = start;
    r.end = end;
    r.processId = 4242;
    r.threadId = thread;
    r.correlationId = correlation;
    r.returnValue = returnValue;
    return r;
}

inline CUpti_ActivityMarker2 markerRecord(CUpti_ActivityFlag flags, uint64_t time, uint32_t id,
                                          uint32_t thread, const char* name,
                                          const char* domain = nullptr) {
    CUpti_ActivityMarker2 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_MARKER;
    r.flags = flags;
    r.timestamp = time;
    r.id = id;
    r.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
    r.objectId.pt.processId = 4242;
    r.objectId.pt.threadId = thread;
    r.name = name;
    r.domain = domain;
    return r;
}

inline CUpti_ActivitySynchronization2 syncRecord(CUpti_ActivitySynchronizationType type,
                                                 uint64_t start, uint64_t end,
                                                 uint32_t correlation) {
    CUpti_ActivitySynchronization2 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
    r.type = type;
    r.start = start;
    r.end = end;
    r.correlationId = correlation;
    r.contextId = 1;
    r.streamId = 7;
    return r;
}

inline CUpti_ActivityOverhead3 overheadRecord(uint64_t start, uint64_t end) {
    CUpti_ActivityOverhead3 r;
    std::memset(&r, 0, sizeof r);
    r.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
    r.overheadKind = CUPTI_ACTIVITY_OVERHEAD_CUPTI_BUFFER_FLUSH;
    r.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
    r.start = start;
    r.end = end;
    return r;
}

} // namespace ks::test
