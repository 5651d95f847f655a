// kernscope_capture_tensor_v1: the entry point kernscope/capture.h resolves. Copies the tensor
// (gathered to C order through its strides) into a spool file written under a temporary name and
// renamed into place, so the recorder never reads half a tensor.
#include "Spool.h"

#include <kernscope/capture.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace ks::inject {
namespace {

constexpr uint64_t kMaxTensorBytes = 1ull << 40;
constexpr int kMaxDims = 32;
std::atomic<uint64_t> g_tensorSeq{0};

size_t elementBytes(int dtype) {
    switch (dtype) {
    case KS_I8:
    case KS_U8:
    case KS_BOOL:
        return 1;
    case KS_F16:
    case KS_BF16:
    case KS_I16:
    case KS_U16:
        return 2;
    case KS_F32:
    case KS_I32:
    case KS_U32:
        return 4;
    case KS_F64:
    case KS_I64:
    case KS_U64:
        return 8;
    default:
        return 0;
    }
}

bool writeAll(int fd, const void* data, size_t bytes) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (bytes > 0) {
        const ssize_t n = write(fd, p, bytes > (1u << 30) ? (1u << 30) : bytes);
        if (n <= 0) return false;
        p += n;
        bytes -= size_t(n);
    }
    return true;
}

// Writes the elements in C order, gathering through element strides, in 1 MiB batches.
bool writeStrided(int fd, const uint8_t* base, int ndim, const int64_t* shape,
                  const int64_t* strides, size_t elem, uint64_t count) {
    std::vector<uint8_t> batch;
    batch.reserve(1u << 20);
    std::vector<int64_t> index(size_t(ndim), 0);
    for (uint64_t i = 0; i < count; ++i) {
        int64_t offset = 0;
        for (int d = 0; d < ndim; ++d) offset += index[size_t(d)] * strides[d];
        const uint8_t* src = base + offset * int64_t(elem);
        batch.insert(batch.end(), src, src + elem);
        if (batch.size() >= (1u << 20)) {
            if (!writeAll(fd, batch.data(), batch.size())) return false;
            batch.clear();
        }
        for (int d = ndim - 1; d >= 0; --d) {
            if (++index[size_t(d)] < shape[d]) break;
            index[size_t(d)] = 0;
        }
    }
    return writeAll(fd, batch.data(), batch.size());
}

} // namespace
} // namespace ks::inject

extern "C" __attribute__((visibility("default"))) int
kernscope_capture_tensor_v1(const char* name, int dtype, int ndim, const int64_t* shape,
                            const int64_t* strides, const void* data, int64_t step,
                            const char* role) {
    using namespace ks::inject;
    if (!spoolActive()) return KS_CAPTURE_INACTIVE;
    const size_t elem = elementBytes(dtype);
    if (!name || !*name || elem == 0 || ndim < 0 || ndim > kMaxDims || (ndim > 0 && !shape))
        return KS_CAPTURE_E_ARGUMENT;
    const size_t nameBytes = strnlen(name, 4097);
    const size_t roleBytes = role ? strnlen(role, 65) : 0;
    if (nameBytes > 4096 || roleBytes > 64) return KS_CAPTURE_E_ARGUMENT;
    uint64_t count = 1;
    for (int d = 0; d < ndim; ++d) {
        if (shape[d] < 0) return KS_CAPTURE_E_ARGUMENT;
        if (shape[d] > 0 && count > kMaxTensorBytes / uint64_t(shape[d]))
            return KS_CAPTURE_E_TOO_LARGE;
        count *= uint64_t(shape[d]);
    }
    if (count > kMaxTensorBytes / elem) return KS_CAPTURE_E_TOO_LARGE;
    if (count > 0 && !data) return KS_CAPTURE_E_ARGUMENT;

    TensorFileHeader h{};
    std::memcpy(h.magic, kTensorMagic, sizeof kTensorMagic);
    h.dtype = uint32_t(dtype);
    h.ndim = uint32_t(ndim);
    h.nameBytes = uint32_t(nameBytes);
    h.roleBytes = uint32_t(roleBytes);
    h.step = step;
    h.timeNs = monotonicNs();
    h.dataBytes = count * elem;
    h.tid = currentTid();
    h.pid = uint32_t(getpid());

    const uint64_t seq = g_tensorSeq.fetch_add(1);
    char path[4300], tmp[4310];
    std::snprintf(path, sizeof path, "%s/tensor.%d.%llu.kst", spoolDirectory(), int(getpid()),
                  (unsigned long long)seq);
    std::snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return KS_CAPTURE_E_IO;
    bool ok = writeAll(fd, &h, sizeof h) && writeAll(fd, name, nameBytes) &&
              writeAll(fd, role ? role : "", roleBytes) &&
              writeAll(fd, shape, sizeof(int64_t) * size_t(ndim));
    if (ok && count > 0) {
        ok = strides ? writeStrided(fd, static_cast<const uint8_t*>(data), ndim, shape, strides,
                                    elem, count)
                     : writeAll(fd, data, h.dataBytes);
    }
    ok = (close(fd) == 0) && ok;
    if (!ok || std::rename(tmp, path) != 0) {
        unlink(tmp);
        return KS_CAPTURE_E_IO;
    }
    appendEvent(EventType::Tensor, 0, 0, seq, std::string_view(name, nameBytes));
    return KS_CAPTURE_OK;
}
