#pragma once
// The thin adapter over the CUPTI Activity API. Everything it does is a direct CUPTI call (through
// CuptiApi, loaded at run time) or a CUDA runtime call (linked statically); the logic lives in the
// collector and the translator, tested with the fake.
// CUPTI allows one client per process: a second enable() while one is active fails.
#include "cupti_collector/ActivitySource.h"

#include <string>
#include <vector>

namespace ks::cupti {

class CuptiActivitySource final : public ActivitySource {
public:
    ~CuptiActivitySource() override;
    data::Status enable(const SourceOptions& options, BufferSink* sink) override;
    void disable() override;
    void flush() override;
    uint64_t takeDroppedRecords() override;
    uint64_t timestampNs() override;
    bool nextRecord(uint8_t* buffer, size_t validSize, CUpti_Activity*& record) override;
    std::string apiName(CUpti_ActivityKind kind, uint32_t callbackId) override;
    std::vector<DeviceProperties> devices() override;
    std::vector<std::string> warnings() const override { return m_warnings; }

private:
    std::vector<CUpti_ActivityKind> m_enabled;
    std::vector<std::string> m_warnings;
    bool m_active = false;
};

// "CUPTI_ERROR_UNKNOWN (999)".
std::string cuptiErrorText(CUptiResult result);
// Properties of every CUDA device; empty (with `why` set) when the runtime cannot see any.
std::vector<DeviceProperties> queryCudaDevices(std::string* why = nullptr);

} // namespace ks::cupti
