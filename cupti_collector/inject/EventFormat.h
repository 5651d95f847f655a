#pragma once
// The files the injection library writes into the recorder's spool folder (KS_PROFILE_DIR), and
// that the recorder reads back. Shared by both sides; no dependencies.
//
// Events: one file per thread and segment, "ev.<pid>.<tid>.<seq>.ksev", a 64-byte header and then
// records. The file is mapped MAP_SHARED and written in place: a record is complete once
// `committed` (release store) covers it, so the recorder can read what a crashed process wrote
// (the pages belong to the file, not to the process). Only the owning thread writes a segment.
//
// Tensors: one file per call, "tensor.<pid>.<seq>.kst", written whole under a temporary name and
// renamed, so a half-written tensor is never read.
#include <cstddef>
#include <cstdint>

namespace ks::inject {

constexpr char kEventMagic[8] = {'K', 'S', 'E', 'V', '0', '0', '0', '1'};
constexpr char kTensorMagic[8] = {'K', 'S', 'T', 'N', '0', '0', '0', '1'};
constexpr size_t kEventHeaderBytes = 64;
constexpr size_t kMaxMessageBytes = 4000; // longer NVTX messages are cut (and marked "...")

struct EventFileHeader {
    char magic[8];
    uint32_t pid, tid;
    uint64_t committed; // bytes of complete records after the header
    uint64_t dropped;   // records this thread could not keep (spool limit reached)
    uint64_t capacity;  // bytes available for records after the header
    uint32_t clock;     // EventClock of every timeNs in this segment
    uint8_t reserved[20];
};

// What EventRecord::timeNs counts. The recorder asks for Tsc (KS_PROFILE_CLOCK=tsc) only on x86
// with an invariant TSC, and maps it onto CLOCK_MONOTONIC_RAW with two (tsc, raw) pairs it takes
// before the program starts and after it ends; the time stamp counter costs a third of a
// clock_gettime call.
enum class EventClock : uint32_t { MonotonicRaw = 0, Tsc = 1 };
static_assert(sizeof(EventFileHeader) == kEventHeaderBytes);

enum class EventType : uint16_t {
    Push = 1,         // domain, category, text
    Pop = 2,          // domain
    Start = 3,        // a = range id, domain, category, text
    End = 4,          // a = range id
    Mark = 5,         // domain, category, text
    ThreadName = 6,   // a = OS thread id, text
    CategoryName = 7, // domain, category, text
    DomainName = 8,   // domain, text
    Process = 9,      // a = parent pid, text = "comm\0cmdline with spaces"
    Tensor = 10,      // text = tensor file name (in the spool folder)
};

// Every record: this header, then `textBytes` bytes of text (no terminator), padded to 8.
struct EventRecord {
    uint16_t type;      // EventType
    uint16_t textBytes; // <= kMaxMessageBytes + a little
    uint32_t category;  // NVTX category (0 = none)
    int64_t timeNs;     // CLOCK_MONOTONIC
    uint64_t a;         // meaning depends on type
    uint32_t domain;    // 0 = default domain
    uint32_t reserved;
};
static_assert(sizeof(EventRecord) == 32);

constexpr size_t paddedRecordBytes(size_t textBytes) {
    return sizeof(EventRecord) + ((textBytes + 7) & ~size_t(7));
}

// Tensor file: this header, then name, role, shape (ndim int64), then the C-order bytes.
struct TensorFileHeader {
    char magic[8];
    uint32_t dtype;     // ks_dtype of kernscope/capture.h
    uint32_t ndim;      // <= 32
    uint32_t nameBytes; // <= 4096
    uint32_t roleBytes; // <= 64
    int64_t step;
    int64_t timeNs;     // CLOCK_MONOTONIC_RAW when captured
    uint64_t dataBytes; // product(shape) * element size
    uint32_t tid, pid;
};
static_assert(sizeof(TensorFileHeader) == 56);

} // namespace ks::inject
