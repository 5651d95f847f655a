#include "data/Run.h"
#include "data/Checked.h"

#include <iterator>

namespace ks::data {

const char* memcpyKindName(uint8_t kind) {
    static constexpr const char* kNames[kMemcpyKindCount] = {
        "Unknown", "HtoD", "DtoH", "DtoD", "HtoH",     "PtoP",     "HtoA",
        "AtoH",    "AtoA", "AtoD", "DtoA", "UVM HtoD", "UVM DtoH", "UVM DtoD"};
    return kind < kMemcpyKindCount ? kNames[kind] : "Unknown";
}

const char* memoryKindName(uint8_t kind) {
    static constexpr const char* kNames[] = {"Unknown",       "Pageable",      "Pinned",
                                             "Device",        "Array",         "Managed",
                                             "Device Static", "Managed Static"};
    return kind < std::size(kNames) ? kNames[kind] : "Unknown";
}

uint32_t Run::addDevice(std::string_view kind, std::string_view name) {
    const auto id = uint32_t(devices.size());
    devices.forEachColumn([](const char*, auto& column) { column.emplace_back(); });
    devices.id.back() = id;
    devices.kind.back() = strings.intern(kind);
    devices.name.back() = strings.intern(name);
    return id;
}

void Run::nameThread(uint32_t id, std::string_view name) {
    for (size_t i = 0; i < threads.size(); ++i)
        if (threads.id[i] == id) {
            threads.name[i] = strings.intern(name);
            return;
        }
    threads.id.push_back(id);
    threads.name.push_back(strings.intern(name));
    threads.process.push_back(0);
}

void Run::setThreadProcess(uint32_t id, uint32_t process) {
    for (size_t i = 0; i < threads.size(); ++i)
        if (threads.id[i] == id) {
            threads.process[i] = process;
            return;
        }
    nameThread(id, "");
    threads.process.back() = process;
}

std::string_view Run::threadName(uint32_t id) const {
    for (size_t i = 0; i < threads.size(); ++i)
        if (threads.id[i] == id) return strings.get(threads.name[i]);
    return {};
}

std::optional<Run::GpuSideLane> Run::gpuSideLane(uint32_t thread) const {
    constexpr std::string_view kPrefix = "GPU ", kSeparator = " · ", kSuffix = " (GPU-side ranges)";
    std::string_view name = threadName(thread);
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
    name.remove_prefix(kPrefix.size());
    name.remove_suffix(kSuffix.size());
    const size_t separator = name.find(kSeparator);
    if (separator == 0 || separator == std::string_view::npos) return std::nullopt;
    auto device = parseInteger<uint32_t>(name.substr(0, separator));
    if (!device) return std::nullopt;
    return GpuSideLane{*device, std::string(name.substr(separator + kSeparator.size()))};
}

std::string_view Run::deviceName(uint32_t id) const {
    for (size_t i = 0; i < devices.size(); ++i)
        if (devices.id[i] == id) return strings.get(devices.name[i]);
    return {};
}

bool Run::deviceIsCpu(uint32_t id) const {
    for (size_t i = 0; i < devices.size(); ++i)
        if (devices.id[i] == id) return strings.get(devices.kind[i]) == "cpu";
    return false;
}

} // namespace ks::data
