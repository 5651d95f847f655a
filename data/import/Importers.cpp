#include "data/import/Importers.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/Gzip.h"
#include "data/import/NcuImport.h"
#include "data/import/NsysImport.h"
#include "data/import/ProfileJsonImport.h"
#include "data/import/RocprofImport.h"
#include "data/import/StackImport.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>

namespace ks::data {
namespace {

std::string_view trimmedStart(std::string_view head) {
    const size_t first = head.find_first_not_of(" \t\r\n");
    return first == std::string_view::npos ? std::string_view{} : head.substr(first);
}

int sniffChrome(std::string_view head, std::string_view) {
    const std::string_view t = trimmedStart(head);
    if (t.empty() || (t.front() != '{' && t.front() != '[')) return 0;
    return t.find("traceEvents") != std::string_view::npos ||
                   t.find("\"ph\"") != std::string_view::npos
               ? 80
               : 30;
}

// perf script: unindented sample headers with indented frame lines below them.
int sniffPerfScript(std::string_view head, std::string_view) {
    size_t headers = 0, frames = 0;
    for (size_t pos = 0; pos < head.size();) {
        size_t end = head.find('\n', pos);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view line = head.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line.front() == '#' ||
            line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        if (line.front() == ' ' || line.front() == '\t')
            ++frames;
        else
            ++headers;
    }
    return frames > 0 && headers > 0 ? 60 : 0;
}

// Folded stacks: "a;b;c COUNT" lines. Accepted as the fallback for any text.
int sniffFolded(std::string_view head, std::string_view) {
    if (hasUtf16Bom(head)) return 10; // speedscope and FlameGraph read UTF-16 folded files
    const std::string_view t = trimmedStart(head);
    if (t.empty() || t.front() == '{' || t.front() == '[') return 0;
    if (std::any_of(head.begin(), head.end(), [](char c) { return c == '\0'; })) return 0;
    return 10;
}

// An SQLite file is an nsys export when its schema has nsys tables (not visible in the first
// bytes of a large export, so the file is opened read-only to look).
int sniffNsys(std::string_view head, std::string_view path) {
    return head.starts_with(std::string_view("SQLite format 3\0", 16)) &&
                   isNsysDatabase(std::string(path))
               ? 95
               : 0;
}

Result<Run> loadNsys(const std::string& path, const ImportOptions& options) {
    return importNsysSqlite(path, NsysOptions{options.shortKernelNames});
}

int sniffNcu(std::string_view head, std::string_view) {
    return looksLikeNcuCsv(head) ? 90 : 0;
}

Result<Run> loadNcu(const std::string& path, const ImportOptions&) {
    return importNcuCsv(path);
}

// rocprof CSV: a header naming rocprof's columns (stats files too: they are refused on load
// with a message naming the trace they summarise).
int sniffRocprof(std::string_view head, std::string_view) {
    return rocprofTableOf(head) != RocprofTable::Unknown ? 70 : 0;
}

Result<Run> loadRocprof(const std::string& path, const ImportOptions&) {
    return importRocprofCsv(path);
}

bool startsJsonObject(std::string_view head) {
    const std::string_view t = trimmedStart(head);
    return !t.empty() && t.front() == '{';
}

int sniffSpeedscope(std::string_view head, std::string_view) {
    if (!startsJsonObject(head)) return 0;
    const bool schema = head.find("speedscope") != std::string_view::npos;
    const bool shape = head.find("\"profiles\"") != std::string_view::npos &&
                       head.find("\"traceEvents\"") == std::string_view::npos;
    return schema && shape ? 90 : shape ? 40 : 0;
}

int sniffCpuProfile(std::string_view head, std::string_view path) {
    if (!startsJsonObject(head)) return 0;
    if (head.find("\"callFrame\"") != std::string_view::npos ||
        (head.find("\"head\"") != std::string_view::npos &&
         head.find("\"functionName\"") != std::string_view::npos))
        return 90;
    return path.ends_with(".cpuprofile") ? 85 : 0;
}

Result<Run> loadSpeedscope(const std::string& path, const ImportOptions&) {
    return importSpeedscope(path);
}
Result<Run> loadCpuProfile(const std::string& path, const ImportOptions&) {
    return importCpuProfile(path);
}

Result<Run> loadChrome(const std::string& path, const ImportOptions&) {
    return importChromeTrace(path);
}
Result<Run> loadFolded(const std::string& path, const ImportOptions&) {
    return importFoldedStacks(path);
}
Result<Run> loadPerf(const std::string& path, const ImportOptions&) {
    return importPerfScript(path);
}

// What a file we do not read looks like, from its first bytes; empty when nothing is recognised.
std::string recogniseForeign(std::string_view head, std::string_view path) {
    auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
    auto endsWith = [&](std::string_view suffix) { return path.ends_with(suffix); };
    if (endsWith(".nsys-rep") || endsWith(".qdrep"))
        return "an Nsight Systems report; export it with 'nsys export --type sqlite' and open the "
               ".sqlite file";
    if (starts("SQLite format 3") && !isNsysDatabase(std::string(path)))
        return "an SQLite database that is not an nsys export";
    if (starts("\x89PNG")) return "a PNG image";
    if (starts("\xff\xd8\xff")) return "a JPEG image";
    if (starts("%PDF")) return "a PDF document";
    if (starts("\x80\x02") || starts("\x80\x03") || starts("\x80\x04") || starts("\x80\x05"))
        return "a Python pickle (never read: save tensors as .npy/.npz/safetensors)";
    if (starts("PK\x03\x04"))
        return "a zip archive (a PyTorch .pt checkpoint or .npz; open .npz references as "
               "references)";
    if (starts("\x93NUMPY")) return "a NumPy .npy array (open it as a reference)";
    if (looksLikeHdf5(head)) return "an HDF5 file (a run file or an h5py reference)";
    if (starts("\x7f"
               "ELF"))
        return "an executable (profile it with 'kernscope-cli record -- PROGRAM')";
    if (starts("PERFILE2")) return "a perf.data file; convert it with 'perf script > perf.txt'";
    return {};
}

std::string knownFormats() {
    std::string out;
    for (const Importer& i : importers()) out += (out.empty() ? "" : ", ") + std::string(i.id);
    return out;
}

// The first bytes of the file, decompressed when it is gzip-compressed.
Result<std::string> readHead(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open"};
    std::string head(kSniffBytes, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(size_t(in.gcount()));
    if (looksLikeGzip(head)) return gunzipHead(path, kSniffBytes);
    return head;
}

} // namespace

Result<Run> readOrImportRun(const std::string& path, const ReadOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open file"};
    std::string head(kSniffBytes, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(size_t(in.gcount()));
    if (!looksLikeHdf5(head)) return importFile(path);
    return readRun(path, options);
}

bool looksLikeHdf5(std::string_view head) {
    return head.starts_with("\x89HDF\r\n\x1a\n");
}

const std::vector<Importer>& importers() {
    static const std::vector<Importer> all = {
        {"nsys", "Nsight Systems SQLite export ('nsys export --type sqlite')", sniffNsys, loadNsys},
        {"ncu-csv", "Nsight Compute CSV ('ncu --csv ...' output, tool chatter allowed)", sniffNcu,
         loadNcu},
        {"chrome-trace", "Chrome/Kineto trace JSON (PyTorch profiler, Perfetto JSON)", sniffChrome,
         loadChrome},
        {"rocprof", "rocprof CSV traces (v1 results.csv, v2, rocprofv3 *_trace.csv)", sniffRocprof,
         loadRocprof},
        {"speedscope", "speedscope JSON (evented and sampled profiles)", sniffSpeedscope,
         loadSpeedscope},
        {"cpuprofile", "V8 .cpuprofile (Chrome DevTools, Node --cpu-prof)", sniffCpuProfile,
         loadCpuProfile},
        {"perf-script", "the text output of 'perf script'", sniffPerfScript, loadPerf},
        {"folded", "folded stacks: 'outer;inner;leaf COUNT' per line", sniffFolded, loadFolded},
    };
    return all;
}

const Importer* findImporter(std::string_view id) {
    for (const Importer& i : importers())
        if (id == i.id) return &i;
    return nullptr;
}

Result<const Importer*> detectImporter(const std::string& path) {
    auto head = readHead(path);
    if (!head) return head.error();
    if (head->empty()) return Error{path + ": empty file"};
    if (std::string foreign = recogniseForeign(*head, path); !foreign.empty())
        return Error{path + ": looks like " + foreign + "; Kernscope imports " + knownFormats()};
    const Importer* best = nullptr;
    int bestScore = 0;
    for (const Importer& i : importers()) {
        const int score = i.sniff(*head, path);
        if (score > bestScore) best = &i, bestScore = score;
    }
    if (!best) return Error{path + ": not a format Kernscope imports (" + knownFormats() + ")"};
    return best;
}

namespace {

Result<Run> importPlain(const std::string& path, std::string_view format,
                        const ImportOptions& options) {
    const Importer* importer = nullptr;
    if (format.empty()) {
        auto detected = detectImporter(path);
        if (!detected) return detected.error();
        importer = *detected;
    } else if (!(importer = findImporter(format))) {
        return Error{"unknown format '" + std::string(format) + "' (" + knownFormats() + ")"};
    }
    return importer->load(path, options);
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// A .gz capture: imported from a decompressed temporary copy; messages and notes name the
// user's file, never the copy.
Result<Run> importCompressed(const std::string& path, std::string_view format,
                             const ImportOptions& options) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    auto plain = gunzipToTemporary(path, gunzipLimit(ec ? 0 : uint64_t(bytes)));
    if (!plain) return plain.error();
    auto run = importPlain(plain->path(), format, options);
    if (!run) {
        std::string message = run.error().message;
        replaceAll(message, plain->path(), path + " (decompressed)");
        return Error{message};
    }
    replaceAll(run->info.notes, plain->path(), path);
    return run;
}

} // namespace

Result<Run> importFile(const std::string& path, std::string_view format,
                       const ImportOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open"};
    char magic[3] = {};
    in.read(magic, sizeof magic);
    if (looksLikeGzip(std::string_view(magic, size_t(in.gcount()))))
        return importCompressed(path, format, options);
    return importPlain(path, format, options);
}

} // namespace ks::data
