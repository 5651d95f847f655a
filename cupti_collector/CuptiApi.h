#pragma once
// CUPTI, opened with dlopen the first time the collector needs it, so that kernscope-cli starts on
// machines without CUDA (the collector then reports GPU activity unavailable). Only CUPTI's types
// and constants come from its headers; every call goes through this table.
#include <cupti.h>

#include <string>

namespace ks::cupti {

struct CuptiApi {
    decltype(&cuptiGetResultString) getResultString = nullptr;
    decltype(&cuptiSetThreadIdType) setThreadIdType = nullptr;
    decltype(&cuptiActivityRegisterCallbacks) activityRegisterCallbacks = nullptr;
    decltype(&cuptiActivityEnable) activityEnable = nullptr;
    decltype(&cuptiActivityDisable) activityDisable = nullptr;
    decltype(&cuptiActivityFlushAll) activityFlushAll = nullptr;
    decltype(&cuptiActivityGetNumDroppedRecords) activityGetNumDroppedRecords = nullptr;
    decltype(&cuptiActivityGetNextRecord) activityGetNextRecord = nullptr;
    decltype(&cuptiGetTimestamp) getTimestamp = nullptr;
    decltype(&cuptiGetCallbackName) getCallbackName = nullptr;

    // The loaded API, or null with the reason: "libcupti not found (...)" or "libcupti unusable
    // (...)". Loaded once per process; later calls return the same answer.
    static const CuptiApi* get(std::string* error = nullptr);
};

} // namespace ks::cupti
