#pragma once
// The run model (data/RUNFILE.md): metadata, devices, a string table and columnar tables.
// Every table is a struct of equally long vectors; forEachColumn() names them the way the HDF5
// run file does, so the writer, the reader and the validators share one description.
#include "data/StringTable.h"
#include "data/Tensor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ks::data {

// Version 2 added /gpu/kernel_metrics and the optional columns of MemcpyTable, MemsetTable and
// ApiTable; readers still read version 1 files (those have none of them).
constexpr int kFormatVersion = 2;
constexpr int kOldestFormatVersion = 1;
constexpr const char* kFormatMagic = "kernscope-run";
constexpr uint32_t kNoParent = 0xffffffffu; // /cpu/stacks parent of a root frame

// Values 0..5 are what version 1 wrote; the array and unified-memory kinds (CUDA's full list, as
// Nsight Systems reports it) came with version 2.
enum class MemcpyKind : uint8_t {
    Unknown = 0, HtoD = 1, DtoH = 2, DtoD = 3, HtoH = 4, PtoP = 5,
    HtoA = 6, AtoH = 7, AtoA = 8, AtoD = 9, DtoA = 10, UvmHtoD = 11, UvmDtoH = 12, UvmDtoD = 13
};
constexpr size_t kMemcpyKindCount = 14;
const char* memcpyKindName(uint8_t kind); // "HtoD", "DtoH", ... ("Unknown" otherwise)

// Where a copy reads or writes, or what a memset fills (CUDA's memory kinds).
enum class MemoryKind : uint8_t {
    Unknown = 0, Pageable = 1, Pinned = 2, Device = 3, Array = 4, Managed = 5, DeviceStatic = 6,
    ManagedStatic = 7
};
const char* memoryKindName(uint8_t kind); // "Pageable", "Pinned", ... ("Unknown" otherwise)

// Optional columns (forEachOptionalColumn): each is either empty (the producer did not know the
// value) or exactly as long as the table. Code that filters or reorders rows may drop them; the
// run file writes them only when they are complete.

// Tables with start_ns/end_ns columns; names are string ids.
struct KernelTable {
    std::vector<int64_t> start_ns, end_ns;
    std::vector<uint32_t> device, stream, correlation, name;
    std::vector<uint32_t> grid_x, grid_y, grid_z, block_x, block_y, block_z;
    std::vector<uint32_t> registers_per_thread, shared_static, shared_dynamic;
    static constexpr const char* kPath = "/gpu/kernels";
    static constexpr const char* kNameColumn = "name";

    template <class F> void forEachColumn(F&& f) {
        f("start_ns", start_ns); f("end_ns", end_ns); f("device", device); f("stream", stream);
        f("correlation", correlation); f("name", name); f("grid_x", grid_x); f("grid_y", grid_y);
        f("grid_z", grid_z); f("block_x", block_x); f("block_y", block_y); f("block_z", block_z);
        f("registers_per_thread", registers_per_thread); f("shared_static", shared_static);
        f("shared_dynamic", shared_dynamic);
    }
    size_t size() const { return start_ns.size(); }
};

struct MemcpyTable {
    std::vector<int64_t> start_ns, end_ns;
    std::vector<uint32_t> device, stream, correlation;
    std::vector<uint8_t> kind; // MemcpyKind
    std::vector<uint64_t> bytes;
    std::vector<uint8_t> src_kind, dst_kind; // optional: MemoryKind of source and destination
    static constexpr const char* kPath = "/gpu/memcpy";
    static constexpr const char* kNameColumn = nullptr;

    template <class F> void forEachColumn(F&& f) {
        f("start_ns", start_ns); f("end_ns", end_ns); f("device", device); f("stream", stream);
        f("correlation", correlation); f("kind", kind); f("bytes", bytes);
    }
    template <class F> void forEachOptionalColumn(F&& f) {
        f("src_kind", src_kind); f("dst_kind", dst_kind);
    }
    size_t size() const { return start_ns.size(); }
};

struct MemsetTable {
    std::vector<int64_t> start_ns, end_ns;
    std::vector<uint32_t> device, stream, correlation;
    std::vector<uint64_t> bytes;
    std::vector<uint32_t> value;
    std::vector<uint8_t> mem_kind; // optional: MemoryKind filled
    static constexpr const char* kPath = "/gpu/memset";
    static constexpr const char* kNameColumn = nullptr;

    template <class F> void forEachColumn(F&& f) {
        f("start_ns", start_ns); f("end_ns", end_ns); f("device", device); f("stream", stream);
        f("correlation", correlation); f("bytes", bytes); f("value", value);
    }
    template <class F> void forEachOptionalColumn(F&& f) { f("mem_kind", mem_kind); }
    size_t size() const { return start_ns.size(); }
};

// CUDA runtime/driver API calls on CPU threads.
struct ApiTable {
    std::vector<int64_t> start_ns, end_ns;
    std::vector<uint32_t> thread, correlation, name;
    std::vector<int32_t> return_value;
    // optional: the name as the tool wrote it (string id), when `name` is a cleaned-up form of
    // it (Nsight Systems' "cudaLaunchKernel_v7000" is shown as "cudaLaunchKernel")
    std::vector<uint32_t> raw_name;
    static constexpr const char* kPath = "/cpu/api";
    static constexpr const char* kNameColumn = "name";

    template <class F> void forEachColumn(F&& f) {
        f("start_ns", start_ns); f("end_ns", end_ns); f("thread", thread);
        f("correlation", correlation); f("name", name); f("return_value", return_value);
    }
    template <class F> void forEachOptionalColumn(F&& f) { f("raw_name", raw_name); }
    size_t size() const { return start_ns.size(); }
};

// NVTX-style push/pop ranges; depth 0 is outermost.
struct RangeTable {
    std::vector<int64_t> start_ns, end_ns;
    std::vector<uint32_t> thread, depth, name, category;
    static constexpr const char* kPath = "/cpu/ranges";
    static constexpr const char* kNameColumn = "name";

    template <class F> void forEachColumn(F&& f) {
        f("start_ns", start_ns); f("end_ns", end_ns); f("thread", thread); f("depth", depth);
        f("name", name); f("category", category);
    }
    size_t size() const { return start_ns.size(); }
};

// Sampled call stacks: each sample points at its leaf node in StackTable. `weight` is what the
// row stands for (1 for one sample, a folded-stack count, a perf period), so large counts cost one
// row, not one row per count. `event` names the sampled event (string id; 0 = unnamed), so a file
// with several perf events keeps them apart. Both columns are optional on disk: files written
// before they existed read as weight 1 and event 0.
struct SampleTable {
    std::vector<int64_t> time_ns;
    std::vector<uint32_t> thread, stack;
    std::vector<uint64_t> weight;
    std::vector<uint32_t> event;
    static constexpr const char* kPath = "/cpu/samples";

    template <class F> void forEachColumn(F&& f) {
        f("time_ns", time_ns); f("thread", thread); f("stack", stack); f("weight", weight);
        f("event", event);
    }
    static bool isOptional(std::string_view column) {
        return column == "weight" || column == "event";
    }
    // Appends one sample; keeps every column the same length.
    void add(int64_t time, uint32_t threadId, uint32_t leaf, uint64_t w = 1, uint32_t ev = 0) {
        time_ns.push_back(time); thread.push_back(threadId); stack.push_back(leaf);
        weight.push_back(w); event.push_back(ev);
    }
    size_t size() const { return time_ns.size(); }
};

// A prefix tree of frames: node i is frame[i] (string id) called from parent[i] (or kNoParent).
struct StackTable {
    std::vector<uint32_t> frame, parent;
    static constexpr const char* kPath = "/cpu/stacks";

    template <class F> void forEachColumn(F&& f) { f("frame", frame); f("parent", parent); }
    size_t size() const { return frame.size(); }
};

struct CounterSeries {
    std::vector<int64_t> time_ns;
    std::vector<double> value;
    template <class F> void forEachColumn(F&& f) { f("time_ns", time_ns); f("value", value); }
    size_t size() const { return time_ns.size(); }
};

// Per-kernel metrics from Nsight Compute (`ncu --csv`), one row per (launch, metric) or per rule
// result. `kernel` is the row in /gpu/kernels the launch was matched to, or kNoKernel when the
// metrics stand alone. Rule rows (kind 1) hold the rule name in `metric`, its type (OPT, WRN...)
// in `unit`, its description in `text` and the estimated speedup (%) in `value`.
constexpr uint32_t kNoKernel = 0xffffffffu;
struct KernelMetricTable {
    std::vector<uint32_t> kernel, launch, kernel_name, device, stream, grid, block;
    std::vector<uint32_t> section, metric, unit, text;
    std::vector<double> value; // NaN when the value is not a number
    std::vector<uint8_t> kind; // 0 metric, 1 rule
    static constexpr const char* kPath = "/gpu/kernel_metrics";

    template <class F> void forEachColumn(F&& f) {
        f("kernel", kernel); f("launch", launch); f("kernel_name", kernel_name);
        f("device", device); f("stream", stream); f("grid", grid); f("block", block);
        f("section", section); f("metric", metric); f("unit", unit); f("text", text);
        f("value", value); f("kind", kind);
    }
    size_t size() const { return launch.size(); }
};

// /meta/devices. kind and name are string ids; kind is "gpu" or "cpu".
struct DeviceTable {
    std::vector<uint32_t> id, kind, name, sm_count, clock_khz;
    std::vector<uint64_t> memory_bytes;
    std::vector<double> memory_bandwidth_gbps;
    std::vector<uint32_t> cc_major, cc_minor, max_threads_per_sm, registers_per_sm,
        shared_memory_per_sm;
    static constexpr const char* kPath = "/meta/devices";

    template <class F> void forEachColumn(F&& f) {
        f("id", id); f("kind", kind); f("name", name); f("sm_count", sm_count);
        f("clock_khz", clock_khz); f("memory_bytes", memory_bytes);
        f("memory_bandwidth_gbps", memory_bandwidth_gbps); f("cc_major", cc_major);
        f("cc_minor", cc_minor); f("max_threads_per_sm", max_threads_per_sm);
        f("registers_per_sm", registers_per_sm); f("shared_memory_per_sm", shared_memory_per_sm);
    }
    size_t size() const { return id.size(); }
};

// /meta/threads (data/RUNFILE.md): names for thread ids used in the tables.
// `process` (optional on disk, 0 = unknown) is the OS process id of the thread when a program was
// profiled (record -- CMD); /meta/processes names those processes.
struct ThreadTable {
    std::vector<uint32_t> id, name, process;
    static constexpr const char* kPath = "/meta/threads";
    template <class F> void forEachColumn(F&& f) {
        f("id", id); f("name", name); f("process", process);
    }
    static bool isOptional(std::string_view column) { return column == "process"; }
    size_t size() const { return id.size(); }
};

// /meta/processes: the processes of a profiled program (id = OS pid, parent = parent pid).
struct ProcessTable {
    std::vector<uint32_t> id, parent, name, command_line;
    static constexpr const char* kPath = "/meta/processes";
    template <class F> void forEachColumn(F&& f) {
        f("id", id); f("parent", parent); f("name", name); f("command_line", command_line);
    }
    size_t size() const { return id.size(); }
};

// What the collector must report; never silent about lost data.
struct CollectorInfo {
    uint64_t dropped_records = 0;
    uint64_t zero_timestamp_records = 0;
    uint64_t unmatched_markers = 0;
    uint64_t buffers = 0;
    uint64_t overhead_ns = 0;
    std::string status; // empty when collection worked, else "GPU activity unavailable: ..."
};

struct RunInfo {
    std::string producer = "kernscope";
    std::string created_utc;     // ISO 8601
    int64_t origin_unix_ns = 0;  // time 0 of every *_ns column
    std::string clock_domain = "realtime"; // realtime | monotonic | imported
    std::string backend = "cpu";           // cpu | cuda | imported:<kind>
    // /meta attributes
    std::string command_line, hostname, model, notes;
    // Profiled programs (record -- CMD); empty/0 otherwise.
    std::string cpu_model;
    std::string exit_status; // "exited with code 3", "killed by signal 11 (SIGSEGV)", ...
    int64_t exit_code = 0;   // the exit code `record` returned
    int64_t wall_ns = 0;     // wall time of the program
};

// Read-only walk over a table's columns (the member forEachColumn hands out mutable vectors).
template <class Table, class F> void forEachColumn(const Table& table, F&& f) {
    const_cast<Table&>(table).forEachColumn(
        [&](const char* name, auto& column) { f(name, std::as_const(column)); });
}

struct Run {
    RunInfo info;
    StringTable strings;
    DeviceTable devices;
    ThreadTable threads;
    ProcessTable processes;
    KernelTable kernels;
    MemcpyTable memcpy;
    MemsetTable memset;
    ApiTable api;
    RangeTable ranges;
    SampleTable samples;
    StackTable stacks;
    KernelMetricTable kernelMetrics;
    std::map<std::string, CounterSeries> counters;
    std::vector<Tensor> tensors; // in execution order after reading
    CollectorInfo collector;

    // Convenience for producers.
    uint32_t addDevice(std::string_view kind, std::string_view name);
    void nameThread(uint32_t id, std::string_view name);
    void setThreadProcess(uint32_t id, uint32_t process); // names the thread "" when new
    std::string_view threadName(uint32_t id) const; // "" when unnamed
    // A thread that holds ranges a trace drew on a GPU is named "GPU <device> · <lane> (GPU-side
    // ranges)" (RUNFILE.md): its device and lane ("stream 7", "all streams"), or empty.
    struct GpuSideLane {
        uint32_t device = 0;
        std::string lane;
    };
    std::optional<GpuSideLane> gpuSideLane(uint32_t thread) const;
    std::string_view deviceName(uint32_t id) const;
    bool deviceIsCpu(uint32_t id) const;
};

} // namespace ks::data
