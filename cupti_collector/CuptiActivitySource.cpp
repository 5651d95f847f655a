#include "cupti_collector/CuptiActivitySource.h"

#include "cupti_collector/CuptiApi.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <string_view>

namespace ks::cupti {

namespace {

// CUPTI's buffer callbacks take no user pointer: the one active sink lives here.
std::atomic<BufferSink*> g_sink{nullptr};

void CUPTIAPI onBufferRequested(uint8_t** buffer, size_t* size, size_t* maxNumRecords) {
    BufferSink* sink = g_sink.load();
    uint8_t* b = sink ? sink->requestBuffer() : nullptr;
    *buffer = b;
    *size = b ? sink->bufferBytes() : 0; // no buffer: CUPTI drops records and counts them
    *maxNumRecords = 0;
}

void CUPTIAPI onBufferCompleted(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t validSize) {
    if (BufferSink* sink = g_sink.load()) sink->bufferCompleted(buffer, validSize);
}

std::string_view kindName(CUpti_ActivityKind kind) {
    switch (kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
        return "KERNEL";
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
        return "CONCURRENT_KERNEL";
    case CUPTI_ACTIVITY_KIND_MEMCPY:
        return "MEMCPY";
    case CUPTI_ACTIVITY_KIND_MEMCPY2:
        return "MEMCPY2";
    case CUPTI_ACTIVITY_KIND_MEMSET:
        return "MEMSET";
    case CUPTI_ACTIVITY_KIND_RUNTIME:
        return "RUNTIME";
    case CUPTI_ACTIVITY_KIND_DRIVER:
        return "DRIVER";
    case CUPTI_ACTIVITY_KIND_MARKER:
        return "MARKER";
    case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
        return "SYNCHRONIZATION";
    case CUPTI_ACTIVITY_KIND_OVERHEAD:
        return "OVERHEAD";
    default:
        return "?";
    }
}

// NVTX finds its tool through NVTX_INJECTION64_PATH; point it at the libcupti we loaded so NVTX
// ranges reach CUPTI's MARKER records (must happen before the first NVTX call).
void setNvtxInjection(const CuptiApi& api) {
    if (std::getenv("NVTX_INJECTION64_PATH")) return;
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(api.activityEnable), &info) && info.dli_fname)
        setenv("NVTX_INJECTION64_PATH", info.dli_fname, 0);
}

} // namespace

std::string cuptiErrorText(CUptiResult result) {
    const CuptiApi* api = CuptiApi::get();
    const char* text = nullptr;
    if (!api || api->getResultString(result, &text) != CUPTI_SUCCESS || !text)
        text = "unknown CUPTI error";
    return std::string(text) + " (" + std::to_string(int(result)) + ")";
}

CuptiActivitySource::~CuptiActivitySource() {
    if (m_active) {
        disable();
        flush();
    }
}

data::Status CuptiActivitySource::enable(const SourceOptions& options, BufferSink* sink) {
    std::string whyNoCupti;
    const CuptiApi* api = CuptiApi::get(&whyNoCupti);
    if (!api) return data::makeError("GPU activity unavailable: " + whyNoCupti);
    BufferSink* none = nullptr;
    if (!g_sink.compare_exchange_strong(none, sink))
        return data::makeError(
            "GPU activity unavailable: another Kernscope collection is active in this process");
    auto fail = [&](std::string what, CUptiResult r) {
        for (CUpti_ActivityKind k : m_enabled) api->activityDisable(k);
        m_enabled.clear();
        g_sink = nullptr;
        return data::Status(
            data::makeError("GPU activity unavailable: " + what + ": " + cuptiErrorText(r)));
    };
    setNvtxInjection(*api);
    // gettid rather than pthread_self: the ids other tools (perf, /proc) show.
    if (CUptiResult r = api->setThreadIdType(CUPTI_ACTIVITY_THREAD_ID_TYPE_SYSTEM);
        r != CUPTI_SUCCESS)
        m_warnings.push_back("host thread ids are pthread ids: " + cuptiErrorText(r));
    if (CUptiResult r = api->activityRegisterCallbacks(onBufferRequested, onBufferCompleted);
        r != CUPTI_SUCCESS)
        return fail("cuptiActivityRegisterCallbacks failed", r);

    const CUpti_ActivityKind kernelKind = options.serializeKernels
                                              ? CUPTI_ACTIVITY_KIND_KERNEL
                                              : CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
    // Without these the run is not worth having: their failure means CUPTI cannot collect.
    for (CUpti_ActivityKind k : {kernelKind, CUPTI_ACTIVITY_KIND_MEMCPY, CUPTI_ACTIVITY_KIND_MEMSET,
                                 CUPTI_ACTIVITY_KIND_RUNTIME}) {
        if (CUptiResult r = api->activityEnable(k); r != CUPTI_SUCCESS)
            return fail("cuptiActivityEnable(" + std::string(kindName(k)) + ") failed", r);
        m_enabled.push_back(k);
    }
    // The rest is collected when possible and reported when not.
    for (CUpti_ActivityKind k :
         {CUPTI_ACTIVITY_KIND_MEMCPY2, CUPTI_ACTIVITY_KIND_DRIVER, CUPTI_ACTIVITY_KIND_MARKER,
          CUPTI_ACTIVITY_KIND_SYNCHRONIZATION, CUPTI_ACTIVITY_KIND_OVERHEAD}) {
        if (CUptiResult r = api->activityEnable(k); r != CUPTI_SUCCESS)
            m_warnings.push_back(std::string(kindName(k)) +
                                 " records not collected: " + cuptiErrorText(r));
        else
            m_enabled.push_back(k);
    }
    m_active = true;
    return {};
}

void CuptiActivitySource::disable() {
    const CuptiApi* api = CuptiApi::get();
    if (!api) return; // nothing was enabled
    for (CUpti_ActivityKind k : m_enabled) api->activityDisable(k);
    m_enabled.clear();
}

void CuptiActivitySource::flush() {
    if (!m_active) return; // active only once CUPTI was loaded
    if (CUptiResult r = CuptiApi::get()->activityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
        r != CUPTI_SUCCESS)
        m_warnings.push_back("cuptiActivityFlushAll failed: " + cuptiErrorText(r));
    m_active = false;
    g_sink = nullptr; // after a forced flush every buffer has come back
}

uint64_t CuptiActivitySource::takeDroppedRecords() {
    const CuptiApi* api = CuptiApi::get();
    size_t dropped = 0;
    if (!api || api->activityGetNumDroppedRecords(nullptr, 0, &dropped) != CUPTI_SUCCESS) return 0;
    return dropped;
}

uint64_t CuptiActivitySource::timestampNs() {
    const CuptiApi* api = CuptiApi::get();
    uint64_t t = 0;
    if (api) api->getTimestamp(&t);
    return t;
}

bool CuptiActivitySource::nextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity*& record) {
    const CuptiApi* api = CuptiApi::get();
    return api && validSize > 0 &&
           api->activityGetNextRecord(buffer, validSize, &record) == CUPTI_SUCCESS;
}

std::string CuptiActivitySource::apiName(CUpti_ActivityKind kind, uint32_t callbackId) {
    const CUpti_CallbackDomain domain = kind == CUPTI_ACTIVITY_KIND_DRIVER
                                            ? CUPTI_CB_DOMAIN_DRIVER_API
                                            : CUPTI_CB_DOMAIN_RUNTIME_API;
    const CuptiApi* api = CuptiApi::get();
    const char* name = nullptr;
    if (!api || api->getCallbackName(domain, callbackId, &name) != CUPTI_SUCCESS || !name)
        return {};
    // "cudaMemcpy_v3020" -> "cudaMemcpy": the version suffix means nothing to a reader.
    std::string s(name);
    const size_t v = s.rfind("_v");
    if (v != std::string::npos && v + 2 < s.size() &&
        s.find_first_not_of("0123456789", v + 2) == std::string::npos)
        s.resize(v);
    return s;
}

std::vector<DeviceProperties> queryCudaDevices(std::string* why) {
    std::vector<DeviceProperties> out;
    int count = 0; // left unwritten when there is no driver
    if (cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
        if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e);
        cudaGetLastError(); // clear the sticky error for whoever comes next
        return out;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
        auto attribute = [i](cudaDeviceAttr a) {
            int v = 0;
            return cudaDeviceGetAttribute(&v, a, i) == cudaSuccess ? v : 0;
        };
        DeviceProperties d;
        d.ordinal = uint32_t(i);
        d.name = p.name;
        d.smCount = uint32_t(p.multiProcessorCount);
        d.clockKhz = uint32_t(attribute(cudaDevAttrClockRate));
        d.memoryBytes = p.totalGlobalMem;
        // Double data rate: two transfers per memory clock over a bus of memoryBusWidth bits.
        const double memoryClockHz = double(attribute(cudaDevAttrMemoryClockRate)) * 1e3;
        d.memoryBandwidthGbps = 2.0 * memoryClockHz * (p.memoryBusWidth / 8.0) / 1e9;
        d.ccMajor = uint32_t(p.major);
        d.ccMinor = uint32_t(p.minor);
        d.maxThreadsPerSm = uint32_t(p.maxThreadsPerMultiProcessor);
        d.registersPerSm = uint32_t(p.regsPerMultiprocessor);
        d.sharedMemoryPerSm = uint32_t(p.sharedMemPerMultiprocessor);
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<DeviceProperties> CuptiActivitySource::devices() {
    return queryCudaDevices();
}

} // namespace ks::cupti
