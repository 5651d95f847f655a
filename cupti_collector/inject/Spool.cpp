#include "Spool.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace ks::inject {
namespace {

constexpr size_t kSegmentBytes = 4u << 20;

struct Global {
    char dir[4096] = {};
    bool active = false;
    uint64_t limitBytes = 2048ull << 20;
    std::atomic<uint64_t> generation{1}; // bumped in every forked child
    std::atomic<uint64_t> bytesReserved{0};
    std::atomic<bool> processWritten{false};
    bool tsc = false; // EventClock::Tsc
};

Global& global() {
    static Global* g = [] {
        auto* g = new Global; // never destroyed: NVTX calls may come from exit handlers
        const char* dir = std::getenv("KS_PROFILE_DIR");
        if (dir && *dir && std::strlen(dir) < sizeof(g->dir) - 64) {
            std::strcpy(g->dir, dir);
            g->active = true;
        }
        if (const char* mb = std::getenv("KS_PROFILE_LIMIT_MB")) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(mb, &end, 10);
            if (end != mb && *end == 0 && v > 0 && v < (1ull << 30)) g->limitBytes = v << 20;
        }
#if defined(__x86_64__)
        if (const char* clock = std::getenv("KS_PROFILE_CLOCK"))
            g->tsc = std::strcmp(clock, "tsc") == 0;
#endif
        pthread_atfork(nullptr, nullptr, [] {
            Global& gg = global();
            gg.generation.fetch_add(1);
            gg.bytesReserved.store(0);
            gg.processWritten.store(false);
        });
        return g;
    }();
    return *g;
}

// One thread's current segment. Plain data (no destructor), so it works during thread exit.
struct ThreadSpool {
    uint64_t generation = 0;
    uint32_t tid = 0;
    uint32_t seq = 0;
    uint8_t* map = nullptr;
    EventFileHeader* header = nullptr;
    uint64_t used = 0;
    uint64_t pendingDropped = 0; // drops before any segment existed
    bool exhausted = false;
};
// initial-exec: no __tls_get_addr call per event (the library's TLS is a few dozen bytes, well
// inside the static TLS glibc keeps for libraries loaded with dlopen).
__attribute__((tls_model("initial-exec"))) thread_local ThreadSpool t_spool;

// Unmaps the thread's segment when the thread ends (the data stays in the file).
struct SegmentReleaser {
    ~SegmentReleaser() {
        if (t_spool.map) munmap(t_spool.map, kSegmentBytes);
        t_spool.map = nullptr;
        t_spool.header = nullptr;
    }
};
thread_local SegmentReleaser t_releaser;

bool openSegment(ThreadSpool& s) {
    Global& g = global();
    if (g.bytesReserved.fetch_add(kSegmentBytes) + kSegmentBytes > g.limitBytes) return false;
    char path[4200];
    std::snprintf(path, sizeof path, "%s/ev.%d.%u.%u.ksev", g.dir, int(getpid()), s.tid, s.seq);
    const int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    void* map = MAP_FAILED;
    if (posix_fallocate(fd, 0, kSegmentBytes) == 0)
        map = mmap(nullptr, kSegmentBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
    // Maps every page writable now, in one call: writes to a fresh shared file page otherwise
    // trap once per page for dirty tracking. Kernels before 5.14 refuse; the traps then remain.
    if (map != MAP_FAILED) madvise(map, kSegmentBytes, MADV_POPULATE_WRITE);
    if (map == MAP_FAILED) {
        unlink(path);
        return false;
    }
    (void)&t_releaser; // constructs the thread's releaser, so thread exit unmaps the segment
    ++s.seq;
    s.map = static_cast<uint8_t*>(map);
    s.header = reinterpret_cast<EventFileHeader*>(s.map);
    std::memcpy(s.header->magic, kEventMagic, sizeof kEventMagic);
    s.header->pid = uint32_t(getpid());
    s.header->tid = s.tid;
    s.header->capacity = kSegmentBytes - kEventHeaderBytes;
    s.header->clock = uint32_t(global().tsc ? EventClock::Tsc : EventClock::MonotonicRaw);
    s.header->dropped = s.pendingDropped;
    s.pendingDropped = 0;
    s.used = 0;
    return true;
}

void writeProcessRecord();

// The calling thread's spool, (re)opened after fork or when full; nullptr when records must drop.
ThreadSpool* spoolFor(size_t bytes) {
    Global& g = global();
    ThreadSpool& s = t_spool;
    const uint64_t generation = g.generation.load(std::memory_order_relaxed);
    if (s.generation != generation) {
        // First use on this thread, or a forked child still holding its parent's segment (which
        // stays mapped but is never written again from here).
        s = ThreadSpool{};
        s.generation = generation;
        s.tid = uint32_t(syscall(SYS_gettid));
    }
    if (s.map && s.used + bytes <= s.header->capacity) return &s;
    if (s.exhausted) return nullptr;
    uint8_t* full = s.map; // kept until a new segment exists, to count drops in its header
    if (!openSegment(s)) {
        s.exhausted = true;
        return nullptr;
    }
    if (full) munmap(full, kSegmentBytes);
    return &s;
}

void writeProcessRecord() {
    char comm[64] = {};
    char cmdline[2048] = {};
    size_t commBytes = 0, cmdBytes = 0;
    if (FILE* f = std::fopen("/proc/self/comm", "re")) {
        commBytes = std::fread(comm, 1, sizeof comm - 1, f);
        std::fclose(f);
        while (commBytes > 0 && comm[commBytes - 1] == '\n') --commBytes;
    }
    if (FILE* f = std::fopen("/proc/self/cmdline", "re")) {
        cmdBytes = std::fread(cmdline, 1, sizeof cmdline - 1, f);
        std::fclose(f);
        for (size_t i = 0; i < cmdBytes; ++i)
            if (cmdline[i] == 0) cmdline[i] = ' ';
        while (cmdBytes > 0 && cmdline[cmdBytes - 1] == ' ') --cmdBytes;
    }
    char text[sizeof comm + sizeof cmdline];
    std::memcpy(text, comm, commBytes);
    text[commBytes] = 0;
    std::memcpy(text + commBytes + 1, cmdline, cmdBytes);
    appendEvent(EventType::Process, 0, 0, uint64_t(getppid()),
                std::string_view(text, commBytes + 1 + cmdBytes));
}

} // namespace

bool spoolActive() {
    return global().active;
}
const char* spoolDirectory() {
    return global().dir;
}

int64_t monotonicNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t eventTime() {
#if defined(__x86_64__)
    if (global().tsc) return int64_t(__rdtsc());
#endif
    return monotonicNs();
}

uint32_t currentTid() {
    ThreadSpool& s = t_spool;
    if (s.generation == global().generation.load(std::memory_order_relaxed) && s.tid) return s.tid;
    return uint32_t(syscall(SYS_gettid));
}

void appendEvent(EventType type, uint32_t domain, uint32_t category, uint64_t a,
                 std::string_view text) {
    Global& g = global();
    if (!g.active) return;
    if (!g.processWritten.load(std::memory_order_relaxed) &&
        !g.processWritten.exchange(true, std::memory_order_relaxed))
        writeProcessRecord();
    if (text.size() > kMaxMessageBytes + 64) text = text.substr(0, kMaxMessageBytes + 64);
    const size_t bytes = paddedRecordBytes(text.size());
    ThreadSpool* s = spoolFor(bytes);
    if (!s) {
        ThreadSpool& t = t_spool;
        if (t.header)
            __atomic_fetch_add(&t.header->dropped, 1, __ATOMIC_RELEASE);
        else
            ++t.pendingDropped;
        return;
    }
    uint8_t* at = s->map + kEventHeaderBytes + s->used;
    EventRecord r{};
    r.type = uint16_t(type);
    r.textBytes = uint16_t(text.size());
    r.category = category;
    r.timeNs = eventTime();
    r.a = a;
    r.domain = domain;
    std::memcpy(at, &r, sizeof r);
    if (!text.empty()) std::memcpy(at + sizeof r, text.data(), text.size());
    s->used += bytes;
    __atomic_store_n(&s->header->committed, s->used, __ATOMIC_RELEASE);
}

} // namespace ks::inject
