#include "data/Hdf5Probe.h"

#include "data/Checked.h"
#include "data/Hdf5.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define KS_PROBE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||                         \
    __has_feature(thread_sanitizer)
#define KS_PROBE_SANITIZED 1
#endif
#endif

namespace ks::data::h5 {
namespace {

// Enough for any real file; a corrupt one cannot make the walk run for ever or fill memory.
constexpr size_t kMaxObjects = 1'000'000;
constexpr size_t kMaxMessage = 4096;

// ---------------------------------------------------------------- the walk (in the child)

struct Walk {
    hid_t file;
    uint64_t fileSize;
    std::set<haddr_t> visited;
    std::vector<std::string> pending;
    std::string problem; // set only for what must stop the open (external links)
};

// Reads one attribute the way h5::readStringAttr / readIntAttr would: variable-length strings
// (through the global heap, where libhdf5 crashes on corrupt files), fixed-length strings and
// integer scalars; the readers touch no other attribute. HDF5 errors are ignored: the in-process
// reader reports them itself; the walk only has to touch what the reader may touch.
void readAttribute(hid_t obj, const char* name, uint64_t fileSize, hid_t vlenString) {
    Handle attr(H5Aopen(obj, name, H5P_DEFAULT));
    if (!attr.valid()) return;
    Handle type(H5Aget_type(attr));
    Handle space(H5Aget_space(attr));
    const hssize_t points = H5Sget_simple_extent_npoints(space);
    if (!type.valid() || points <= 0) return;
    const H5T_class_t cls = H5Tget_class(type);
    if (cls == H5T_STRING && H5Tis_variable_str(type) > 0) {
        // Each string is a global heap reference of at least 16 bytes in the file.
        if (!checkedBytes(uint64_t(points), 16, fileSize)) return;
        std::vector<char*> strings(size_t(points), nullptr);
        H5Tset_cset(vlenString, H5Tget_cset(type));
        if (H5Aread(attr, vlenString, strings.data()) >= 0)
            H5Dvlen_reclaim(vlenString, space, H5P_DEFAULT, strings.data());
        return;
    }
    if (points != 1) return; // the readers want scalars
    if (cls == H5T_INTEGER) {
        int64_t v = 0;
        H5Aread(attr, H5T_NATIVE_INT64, &v);
    } else if (cls == H5T_STRING) {
        const size_t size = H5Tget_size(type);
        if (size == 0 || size > H5Aget_storage_size(attr)) return;
        std::vector<char> text(size);
        H5Aread(attr, type, text.data());
    }
}

void readAttributes(hid_t obj, uint64_t fileSize, hid_t vlenString) {
    std::vector<std::string> names;
    H5Aiterate2(
        obj, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
            auto* list = static_cast<std::vector<std::string>*>(out);
            if (list->size() >= kMaxObjects) return 1;
            list->push_back(name);
            return 0;
        },
        &names);
    for (const auto& name : names) readAttribute(obj, name.c_str(), fileSize, vlenString);
}

// Type, extent, layout, filters and the whole chunk index of a dataset.
void readDataset(hid_t ds) {
    Handle type(H5Dget_type(ds));
    if (type.valid()) {
        H5Tget_class(type);
        H5Tget_size(type);
        H5Tget_order(type);
        H5Tget_sign(type);
        if (H5Tget_class(type) == H5T_ENUM) H5Tget_nmembers(type);
    }
    Handle space(H5Dget_space(ds));
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank > 0 && rank <= H5S_MAX_RANK) {
        std::vector<hsize_t> dims(static_cast<size_t>(rank)), maxDims(static_cast<size_t>(rank));
        H5Sget_simple_extent_dims(space, dims.data(), maxDims.data());
    }
    Handle dcpl(H5Dget_create_plist(ds));
    if (dcpl.valid() && H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t chunk[H5S_MAX_RANK];
        H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        const int filters = H5Pget_nfilters(dcpl);
        for (int i = 0; i < filters && i < 32; ++i) {
            unsigned flags = 0, values[8], config = 0;
            size_t nValues = 8;
            H5Pget_filter2(dcpl, unsigned(i), &flags, &nValues, values, 0, nullptr, &config);
        }
    }
    H5Dget_storage_size(ds); // walks the chunk index (B-tree) of chunked datasets
    hsize_t origin[H5S_MAX_RANK] = {}, bytes = 0;
    if (rank > 0 && rank <= H5S_MAX_RANK) H5Dget_chunk_storage_size(ds, origin, &bytes);
}

// Queues the hard and soft links of a group; an external or user-defined link stops the open,
// because following it would open another file the probe never saw.
void queueLinks(hid_t group, const std::string& path, Walk& walk) {
    struct Ctx {
        Walk* walk;
        const std::string* path;
    } ctx{&walk, &path};
    H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t* info, void* p) -> herr_t {
            auto& c = *static_cast<Ctx*>(p);
            if (info->type != H5L_TYPE_HARD && info->type != H5L_TYPE_SOFT) {
                c.walk->problem = "link '" + *c.path + (c.path->back() == '/' ? "" : "/") + name +
                                  "' points into another file; external links are not followed";
                return 1;
            }
            if (c.walk->pending.size() >= kMaxObjects) return 1;
            c.walk->pending.push_back(*c.path + (c.path->back() == '/' ? "" : "/") + name);
            return 0;
        },
        &ctx);
}

} // namespace

Status walkMetadata(const std::string& path) {
    silenceErrors();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Error{path + ": no such file"};
    if (H5Fis_hdf5(path.c_str()) <= 0) return Error{path + ": not an HDF5 file"};
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) return Error{path + ": cannot open: " + lastErrorMessage()};
    Walk walk{file, uint64_t(st.st_size), {}, {"/"}, {}};
    Handle vlenString(H5Tcopy(H5T_C_S1));
    H5Tset_size(vlenString, H5T_VARIABLE);
    size_t objects = 0;
    while (!walk.pending.empty() && walk.problem.empty() && objects < kMaxObjects) {
        const std::string objectPath = std::move(walk.pending.back());
        walk.pending.pop_back();
        Handle obj(H5Oopen(file, objectPath.c_str(), H5P_DEFAULT));
        if (!obj.valid()) continue;
        H5O_info_t info{};
        if (H5Oget_info2(obj, &info, H5O_INFO_BASIC) < 0) continue;
        if (!walk.visited.insert(info.addr).second) continue; // hard-link cycles
        ++objects;
        readAttributes(obj, walk.fileSize, vlenString);
        if (info.type == H5O_TYPE_DATASET) readDataset(obj);
        if (info.type == H5O_TYPE_GROUP) queueLinks(obj, objectPath, walk);
    }
    if (!walk.problem.empty()) return Error{path + ": " + walk.problem};
    return {};
}

namespace {

// ---------------------------------------------------------------- the parent

uint64_t residentBytes(pid_t pid) {
    char name[64];
    std::snprintf(name, sizeof name, "/proc/%d/statm", int(pid));
    std::FILE* f = std::fopen(name, "r");
    if (!f) return 0;
    unsigned long long size = 0, resident = 0;
    const int got = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    return got == 2 ? resident * uint64_t(sysconf(_SC_PAGESIZE)) : 0;
}

uint64_t virtualBytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0;
    const int got = std::fscanf(f, "%llu", &size);
    std::fclose(f);
    return got == 1 ? size * uint64_t(sysconf(_SC_PAGESIZE)) : 0;
}

[[noreturn]] void runChild(const std::string& path, int out, uint64_t memoryBytes, int timeoutMs) {
    // Quiet, no core files, default crash handling: a crash simply ends the child.
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
    }
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) std::signal(sig, SIG_DFL);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
#ifndef KS_PROBE_SANITIZED
    // Sanitizers reserve terabytes of address space: there the parent's watch on resident memory
    // is the only limit.
    if (const uint64_t base = virtualBytes()) {
        rlimit as{rlim_t(base + memoryBytes), rlim_t(base + memoryBytes)};
        setrlimit(RLIMIT_AS, &as);
    }
#else
    (void)memoryBytes;
#endif
    alarm(unsigned(timeoutMs / 1000 + 2)); // backstop should the parent die
    int code = 0;
    std::string message;
    try {
        const Status s = walkMetadata(path);
        if (!s) {
            code = 1;
            message = s.message();
        }
    } catch (const std::bad_alloc&) {
        code = 3;
        message = path + ": HDF5 metadata needs more memory than the probe allows";
    } catch (...) {
        code = 1;
        message = path + ": HDF5 metadata could not be read";
    }
    if (!message.empty()) {
        message.resize(std::min(message.size(), kMaxMessage));
        [[maybe_unused]] ssize_t n = ::write(out, message.data(), message.size());
    }
    _exit(code);
}

std::string signalName(int sig) {
    const char* name = sigabbrev_np(sig);
    return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

// Forks from inside an HDF5 callback, that is while this thread holds libhdf5's global lock (the
// library is built thread-safe): no other thread can be half-way through an HDF5 call at the
// fork, and the child, being this thread, may re-enter the library. The child runs `child` and
// never returns; the parent gets the child's pid (or -1).
template <class Child> pid_t forkHoldingHdf5Lock(Child&& child) {
    struct Ctx {
        Child* child;
        pid_t pid = -2;
    } ctx{&child};
    // H5Isearch calls back under the library lock, but only for application-defined ID types:
    // one such type with one object, registered once.
    static const H5I_type_t idType = [] {
        silenceErrors();
        static int anchor = 0;
        const H5I_type_t type = H5Iregister_type(1, 0, nullptr);
        if (type != H5I_BADID) H5Iregister(type, &anchor);
        return type;
    }();
    if (idType != H5I_BADID)
        H5Isearch(
            idType,
            [](void*, hid_t, void* p) -> int {
                auto& c = *static_cast<Ctx*>(p);
                c.pid = fork();
                if (c.pid == 0) (*c.child)();
                return 1; // stop after the first
            },
            &ctx);
    if (ctx.pid == -2) { // no callback: fork without the lock
        ctx.pid = fork();
        if (ctx.pid == 0) child();
    }
    return ctx.pid;
}

using FileKey = std::tuple<dev_t, ino_t, off_t, long, long, long, long>;

std::mutex& probeLock() {
    static std::mutex m;
    return m;
}
// Results per file identity: "" for a pass, else the error. A failure to start the probe is not
// remembered.
std::map<FileKey, std::string>& knownFiles() {
    static std::map<FileKey, std::string> m;
    return m;
}

struct ProbeOutcome {
    ProbeOutcome(Status s = {}, bool keep = true) : status(std::move(s)), remember(keep) {}
    ProbeOutcome(Error e, bool keep = true) : status(std::move(e)), remember(keep) {}
    Status status;
    bool remember;
};

ProbeOutcome runProbe(const std::string& path, const ProbeLimits& limits) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return {Error{path + ": cannot start the HDF5 probe: " + std::strerror(errno)}, false};
    const uint64_t parentResident = residentBytes(getpid());
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = forkHoldingHdf5Lock([&] {
        close(fds[0]);
        runChild(path, fds[1], limits.memoryBytes, limits.timeoutMs);
    });
    if (pid < 0) {
        const int e = errno;
        close(fds[0]);
        close(fds[1]);
        return {Error{path + ": cannot start the HDF5 probe: " + std::strerror(e)}, false};
    }
    close(fds[1]);
    std::string message;
    std::string killedFor;
    for (;;) {
        const auto elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started)
                                   .count();
        if (elapsedMs >= limits.timeoutMs) {
            char text[64];
            std::snprintf(text, sizeof text, "did not finish in %g s", limits.timeoutMs / 1000.0);
            killedFor = text;
            break;
        }
        if (residentBytes(pid) > parentResident + limits.memoryBytes) {
            killedFor = "needed more than " + std::to_string(limits.memoryBytes >> 20) + " MB";
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int ready = poll(&p, 1, 20);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        char buffer[512];
        const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break; // the child closed its end: it has exited
        if (message.size() < kMaxMessage) message.append(buffer, size_t(got));
    }
    close(fds[0]);
    if (!killedFor.empty()) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const std::string prefix = path + ": corrupt HDF5 file: ";
    if (!killedFor.empty())
        return Error{prefix + "reading its metadata " + killedFor +
                     " in an isolated probe; the file was not opened"};
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGALRM || sig == SIGKILL)
            return Error{prefix + "reading its metadata did not finish in an isolated probe; " +
                         "the file was not opened"};
        return Error{prefix + "the HDF5 library crashed (" + signalName(sig) +
                     ") reading its metadata in an isolated probe; the file was not opened"};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (!message.empty()) return Error{message};
    return Error{prefix + "reading its metadata failed in an isolated probe (exit code " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                 "); the file was not opened"};
}

} // namespace

Status probeFile(const std::string& path, const ProbeLimits& limits) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {}; // the caller reports the missing file
    const FileKey key{st.st_dev,          st.st_ino,         st.st_size,        st.st_mtim.tv_sec,
                      st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
    // One probe at a time, so that two threads opening one file fork one child.
    std::lock_guard lock(probeLock());
    if (auto known = knownFiles().find(key); known != knownFiles().end())
        return known->second.empty() ? Status{} : Status{Error{known->second}};
    ProbeOutcome outcome = runProbe(path, limits);
    if (outcome.remember) knownFiles()[key] = outcome.status.message();
    return outcome.status;
}

void forgetProbes() {
    std::lock_guard lock(probeLock());
    knownFiles().clear();
}

} // namespace ks::data::h5
