// NVTX v3 injection: the NVTX headers in the profiled program dlopen the library named by
// NVTX_INJECTION64_PATH at the first NVTX call and call InitializeInjectionNvtx2, which fills the
// core and domain callback tables with the functions below. Each event becomes one spool record.
#include "Spool.h"

#include <nvtx3/nvToolsExt.h>

#include <atomic>
#include <cstring>
#include <string>
#include <string_view>

namespace ks::inject {
namespace {

// What our nvtxDomainHandle_t / nvtxStringHandle_t point at. Never freed: NVTX has no way to say
// when a handle is last used.
struct Domain {
    uint32_t id;
};
struct RegisteredString {
    std::string text;
};

std::atomic<uint32_t> g_nextDomain{1};
std::atomic<uint64_t> g_nextRangeId{1};
__attribute__((tls_model("initial-exec"))) thread_local int t_depth = 0;

uint32_t domainId(nvtxDomainHandle_t d) {
    return d ? reinterpret_cast<const Domain*>(d)->id : 0;
}

// UTF-32 (wchar_t on Linux) to UTF-8, into a thread-local buffer.
std::string_view utf8(const wchar_t* w) {
    thread_local std::string out;
    out.clear();
    if (!w) return {};
    for (; *w && out.size() < kMaxMessageBytes; ++w) {
        const uint32_t c = uint32_t(*w);
        if (c < 0x80) {
            out += char(c);
        } else if (c < 0x800) {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += char(0xE0 | (c >> 12));
            out += char(0x80 | ((c >> 6) & 0x3F));
            out += char(0x80 | (c & 0x3F));
        } else if (c < 0x110000) {
            out += char(0xF0 | (c >> 18));
            out += char(0x80 | ((c >> 12) & 0x3F));
            out += char(0x80 | ((c >> 6) & 0x3F));
            out += char(0x80 | (c & 0x3F));
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD
        }
    }
    return out;
}

std::string_view ascii(const char* s) {
    if (!s) return {};
    return std::string_view(s, strnlen(s, kMaxMessageBytes + 1));
}

std::string_view messageOf(const nvtxEventAttributes_t* attr) {
    if (!attr) return {};
    switch (attr->messageType) {
    case NVTX_MESSAGE_TYPE_ASCII:
        return ascii(attr->message.ascii);
    case NVTX_MESSAGE_TYPE_UNICODE:
        return utf8(attr->message.unicode);
    case NVTX_MESSAGE_TYPE_REGISTERED:
        if (attr->message.registered)
            return reinterpret_cast<const RegisteredString*>(attr->message.registered)->text;
        return {};
    default:
        return {};
    }
}

uint32_t categoryOf(const nvtxEventAttributes_t* attr) {
    return attr ? attr->category : 0;
}

int push(uint32_t domain, uint32_t category, std::string_view text) {
    appendEvent(EventType::Push, domain, category, 0, text);
    return t_depth++;
}
int pop(uint32_t domain) {
    appendEvent(EventType::Pop, domain, 0, 0, {});
    if (t_depth == 0) return -1;
    return --t_depth;
}
nvtxRangeId_t start(uint32_t domain, uint32_t category, std::string_view text) {
    const uint64_t id = g_nextRangeId.fetch_add(1, std::memory_order_relaxed);
    appendEvent(EventType::Start, domain, category, id, text);
    return id;
}
void end(uint32_t domain, nvtxRangeId_t id) {
    appendEvent(EventType::End, domain, 0, id, {});
}
void mark(uint32_t domain, uint32_t category, std::string_view text) {
    appendEvent(EventType::Mark, domain, category, 0, text);
}
nvtxDomainHandle_t createDomain(std::string_view name) {
    auto* d = new Domain{g_nextDomain.fetch_add(1)};
    appendEvent(EventType::DomainName, d->id, 0, 0, name);
    return reinterpret_cast<nvtxDomainHandle_t>(d);
}
nvtxStringHandle_t registerString(std::string_view text) {
    return reinterpret_cast<nvtxStringHandle_t>(new RegisteredString{std::string(text)});
}

// Core module (the default domain).
void NVTX_API markEx(const nvtxEventAttributes_t* a) {
    mark(0, categoryOf(a), messageOf(a));
}
void NVTX_API markA(const char* m) {
    mark(0, 0, ascii(m));
}
void NVTX_API markW(const wchar_t* m) {
    mark(0, 0, utf8(m));
}
nvtxRangeId_t NVTX_API rangeStartEx(const nvtxEventAttributes_t* a) {
    return start(0, categoryOf(a), messageOf(a));
}
nvtxRangeId_t NVTX_API rangeStartA(const char* m) {
    return start(0, 0, ascii(m));
}
nvtxRangeId_t NVTX_API rangeStartW(const wchar_t* m) {
    return start(0, 0, utf8(m));
}
void NVTX_API rangeEnd(nvtxRangeId_t id) {
    end(0, id);
}
int NVTX_API rangePushEx(const nvtxEventAttributes_t* a) {
    return push(0, categoryOf(a), messageOf(a));
}
int NVTX_API rangePushA(const char* m) {
    return push(0, 0, ascii(m));
}
int NVTX_API rangePushW(const wchar_t* m) {
    return push(0, 0, utf8(m));
}
int NVTX_API rangePop() {
    return pop(0);
}
void NVTX_API nameCategoryA(uint32_t c, const char* n) {
    appendEvent(EventType::CategoryName, 0, c, 0, ascii(n));
}
void NVTX_API nameCategoryW(uint32_t c, const wchar_t* n) {
    appendEvent(EventType::CategoryName, 0, c, 0, utf8(n));
}
void NVTX_API nameOsThreadA(uint32_t tid, const char* n) {
    appendEvent(EventType::ThreadName, 0, 0, tid, ascii(n));
}
void NVTX_API nameOsThreadW(uint32_t tid, const wchar_t* n) {
    appendEvent(EventType::ThreadName, 0, 0, tid, utf8(n));
}

// Core2 module (explicit domains).
void NVTX_API domainMarkEx(nvtxDomainHandle_t d, const nvtxEventAttributes_t* a) {
    mark(domainId(d), categoryOf(a), messageOf(a));
}
nvtxRangeId_t NVTX_API domainRangeStartEx(nvtxDomainHandle_t d, const nvtxEventAttributes_t* a) {
    return start(domainId(d), categoryOf(a), messageOf(a));
}
void NVTX_API domainRangeEnd(nvtxDomainHandle_t d, nvtxRangeId_t id) {
    end(domainId(d), id);
}
int NVTX_API domainRangePushEx(nvtxDomainHandle_t d, const nvtxEventAttributes_t* a) {
    return push(domainId(d), categoryOf(a), messageOf(a));
}
int NVTX_API domainRangePop(nvtxDomainHandle_t d) {
    return pop(domainId(d));
}
nvtxResourceHandle_t NVTX_API domainResourceCreate(nvtxDomainHandle_t, nvtxResourceAttributes_t*) {
    return nullptr; // resources (named pointers) are not recorded
}
void NVTX_API domainResourceDestroy(nvtxResourceHandle_t) {}
void NVTX_API domainNameCategoryA(nvtxDomainHandle_t d, uint32_t c, const char* n) {
    appendEvent(EventType::CategoryName, domainId(d), c, 0, ascii(n));
}
void NVTX_API domainNameCategoryW(nvtxDomainHandle_t d, uint32_t c, const wchar_t* n) {
    appendEvent(EventType::CategoryName, domainId(d), c, 0, utf8(n));
}
nvtxStringHandle_t NVTX_API domainRegisterStringA(nvtxDomainHandle_t, const char* s) {
    return registerString(ascii(s));
}
nvtxStringHandle_t NVTX_API domainRegisterStringW(nvtxDomainHandle_t, const wchar_t* s) {
    return registerString(utf8(s));
}
nvtxDomainHandle_t NVTX_API domainCreateA(const char* n) {
    return createDomain(ascii(n));
}
nvtxDomainHandle_t NVTX_API domainCreateW(const wchar_t* n) {
    return createDomain(utf8(n));
}
void NVTX_API domainDestroy(nvtxDomainHandle_t) {} // handles stay valid: records may name them
void NVTX_API initialize(const void*) {}

template <class F> void setSlot(NvtxFunctionTable table, unsigned size, unsigned id, F fn) {
    if (id < size && table[id]) *table[id] = reinterpret_cast<NvtxFunctionPointer>(fn);
}

bool fillCore(const NvtxExportTableCallbacks* cb) {
    NvtxFunctionTable t = nullptr;
    unsigned n = 0;
    if (!cb->GetModuleFunctionTable(NVTX_CB_MODULE_CORE, &t, &n) || !t) return false;
    setSlot(t, n, NVTX_CBID_CORE_MarkEx, markEx);
    setSlot(t, n, NVTX_CBID_CORE_MarkA, markA);
    setSlot(t, n, NVTX_CBID_CORE_MarkW, markW);
    setSlot(t, n, NVTX_CBID_CORE_RangeStartEx, rangeStartEx);
    setSlot(t, n, NVTX_CBID_CORE_RangeStartA, rangeStartA);
    setSlot(t, n, NVTX_CBID_CORE_RangeStartW, rangeStartW);
    setSlot(t, n, NVTX_CBID_CORE_RangeEnd, rangeEnd);
    setSlot(t, n, NVTX_CBID_CORE_RangePushEx, rangePushEx);
    setSlot(t, n, NVTX_CBID_CORE_RangePushA, rangePushA);
    setSlot(t, n, NVTX_CBID_CORE_RangePushW, rangePushW);
    setSlot(t, n, NVTX_CBID_CORE_RangePop, rangePop);
    setSlot(t, n, NVTX_CBID_CORE_NameCategoryA, nameCategoryA);
    setSlot(t, n, NVTX_CBID_CORE_NameCategoryW, nameCategoryW);
    setSlot(t, n, NVTX_CBID_CORE_NameOsThreadA, nameOsThreadA);
    setSlot(t, n, NVTX_CBID_CORE_NameOsThreadW, nameOsThreadW);
    return true;
}

bool fillCore2(const NvtxExportTableCallbacks* cb) {
    NvtxFunctionTable t = nullptr;
    unsigned n = 0;
    if (!cb->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &t, &n) || !t) return false;
    setSlot(t, n, NVTX_CBID_CORE2_DomainMarkEx, domainMarkEx);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRangeStartEx, domainRangeStartEx);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRangeEnd, domainRangeEnd);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRangePushEx, domainRangePushEx);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRangePop, domainRangePop);
    setSlot(t, n, NVTX_CBID_CORE2_DomainResourceCreate, domainResourceCreate);
    setSlot(t, n, NVTX_CBID_CORE2_DomainResourceDestroy, domainResourceDestroy);
    setSlot(t, n, NVTX_CBID_CORE2_DomainNameCategoryA, domainNameCategoryA);
    setSlot(t, n, NVTX_CBID_CORE2_DomainNameCategoryW, domainNameCategoryW);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRegisterStringA, domainRegisterStringA);
    setSlot(t, n, NVTX_CBID_CORE2_DomainRegisterStringW, domainRegisterStringW);
    setSlot(t, n, NVTX_CBID_CORE2_DomainCreateA, domainCreateA);
    setSlot(t, n, NVTX_CBID_CORE2_DomainCreateW, domainCreateW);
    setSlot(t, n, NVTX_CBID_CORE2_DomainDestroy, domainDestroy);
    setSlot(t, n, NVTX_CBID_CORE2_Initialize, initialize);
    return true;
}

} // namespace
} // namespace ks::inject

// Returns 1 when the tables are filled; 0 tells NVTX to turn every call into a no-op.
extern "C" __attribute__((visibility("default"))) int
InitializeInjectionNvtx2(NvtxGetExportTableFunc_t getExportTable) {
    using namespace ks::inject;
    if (!spoolActive() || !getExportTable) return 0;
    const auto* cb =
        static_cast<const NvtxExportTableCallbacks*>(getExportTable(NVTX_ETID_CALLBACKS));
    if (!cb || cb->struct_size < sizeof(NvtxExportTableCallbacks)) return 0;
    return fillCore(cb) && fillCore2(cb) ? 1 : 0;
}
