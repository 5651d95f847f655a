// kernscope-cli compare RUN REF...: a run's tensors against reference tensors, reported in the
// style of torch.testing.assert_close. Exit 0 all pass, 1 any mismatch, 2 error.
#include "Commands.h"

#include "data/RunFile.h"
#include "data/compare/Comparison.h"
#include "data/reference/ReferenceReader.h"

#ifdef KS_HAVE_RENDER
#include "gui/render/ErrorImages.h"
#include <QApplication>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <unordered_set>

namespace ks::cli {
namespace {

using namespace ks::data;
using namespace ks::data::compare;

constexpr const char* kUsage =
    "usage: kernscope-cli compare RUN REF... [options]\n"
    "\n"
    "Compares the tensors of RUN (a run file, or any reference file) with the tensors of the\n"
    "reference files REF (.npy .npz .safetensors .h5), paired by name. Exit status: 0 all pairs\n"
    "pass, 1 a pair fails (values, shape or dtype), 2 error.\n"
    "\n"
    "options:\n"
    "  --preset NAME          tolerances: dtype (PyTorch's defaults, the default), op (per\n"
    "                         operation kind: add/sub mul matmul softmax backward), exact\n"
    "  --rtol X --atol Y      override the preset's tolerances for every tensor\n"
    "  --tol REGEX=RTOL,ATOL  tolerances for run tensors whose name matches REGEX (repeatable)\n"
    "  --map FILE             explicit pairs, one 'RUN_NAME REF_NAME' per line\n"
    "  --strip-prefix P       strip prefix P from names on both sides (repeatable)\n"
    "  --rename REGEX=REPL    rewrite names on both sides (repeatable, $1 refers to groups)\n"
    "  --group G              HDF5 references: read the datasets below group G only\n"
    "  --equal-nan            NaN compares equal to NaN\n"
    "  --allow-dtype-mismatch judge pairs of different dtypes (f32 run, f64 reference) by\n"
    "                         their values instead of failing them\n"
    "  --top K                worst elements listed per failing pair (default 5; CSV: 10)\n"
    "  --threads N            worker threads (default: one per core)\n"
    "  --csv FILE             write the per-pair summary as CSV\n"
    "  --report DIR           write summary.csv, per pair the worst elements and the error\n"
    "                         histogram as CSV, and heatmap and histogram PNGs (GUI build)\n"
    "  --quiet                print failing pairs and the result line only\n";

struct Options {
    std::vector<std::string> files;
    CompareOptions compare;
    ReferenceOptions reference;
    int printTop = 5;
    std::string csv, reportDir;
    bool quiet = false;
};

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// Parses the command line; returns an error message or "" (and "help" for --help).
std::string parse(const Args& args, Options& o) {
    o.compare.topK = 10;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        auto number = [&](double& out) {
            std::string s;
            if (!value(s)) return false;
            char* end = nullptr;
            out = std::strtod(s.c_str(), &end);
            return !s.empty() && *end == 0 && out >= 0;
        };
        std::string s;
        double x = 0;
        if (a == "--help" || a == "-h") return "help";
        if (a == "--preset") {
            if (!value(s)) return "--preset needs a name";
            auto p = presetFromName(s);
            if (!p) return "unknown preset '" + s + "' (dtype, op, exact)";
            o.compare.tolerances.preset = *p;
        } else if (a == "--rtol") {
            if (!number(x)) return "--rtol needs a non-negative number";
            o.compare.tolerances.rtol = x;
        } else if (a == "--atol") {
            if (!number(x)) return "--atol needs a non-negative number";
            o.compare.tolerances.atol = x;
        } else if (a == "--tol") {
            if (!value(s)) return "--tol needs REGEX=RTOL,ATOL";
            if (auto st = o.compare.tolerances.addPattern(s); !st) return st.message();
        } else if (a == "--map") {
            if (!value(s)) return "--map needs a file";
            if (auto st = o.compare.match.loadMapFile(s); !st) return st.message();
        } else if (a == "--strip-prefix") {
            if (!value(s)) return "--strip-prefix needs a prefix";
            o.compare.match.stripPrefixes.push_back(s);
        } else if (a == "--rename") {
            if (!value(s)) return "--rename needs REGEX=REPLACEMENT";
            if (auto st = o.compare.match.addRewrite(s); !st) return st.message();
        } else if (a == "--group") {
            if (!value(o.reference.group)) return "--group needs a group path";
        } else if (a == "--equal-nan") {
            o.compare.equalNan = true;
        } else if (a == "--allow-dtype-mismatch") {
            o.compare.allowDTypeMismatch = true;
        } else if (a == "--top") {
            if (!number(x) || x > 1e6) return "--top needs a count";
            o.printTop = int(x);
            o.compare.topK = std::max(10, int(x));
        } else if (a == "--threads") {
            if (!number(x) || x > 1024) return "--threads needs a count";
            o.compare.threads = unsigned(x);
        } else if (a == "--csv") {
            if (!value(o.csv)) return "--csv needs a file";
        } else if (a == "--report") {
            if (!value(o.reportDir)) return "--report needs a folder";
        } else if (a == "--quiet" || a == "-q") {
            o.quiet = true;
        } else if (a.starts_with("-") && a.size() > 1) {
            return "unknown option '" + a + "'";
        } else {
            o.files.push_back(a);
        }
    }
    if (o.files.size() < 2) return "needs a run and at least one reference file";
    return "";
}

// One side of the comparison: tensors with their data, which may lie in memory maps.
struct Side {
    std::vector<Tensor> tensors;
    std::vector<const std::byte*> data;
    std::vector<std::shared_ptr<const void>> keepAlive;

    void add(MappedTensors&& m, std::unordered_set<std::string>* seen, const std::string& file) {
        for (size_t i = 0; i < m.tensors.size(); ++i) {
            if (seen && !seen->insert(m.tensors[i].name).second) {
                std::fprintf(stderr,
                             "kernscope-cli compare: %s: tensor '%s' already given by an "
                             "earlier reference file; ignored\n",
                             file.c_str(), m.tensors[i].name.c_str());
                continue;
            }
            tensors.push_back(std::move(m.tensors[i]));
            data.push_back(m.data[i]); // owned bytes keep their address when moved
        }
        keepAlive.push_back(std::move(m.keepAlive));
    }
    TensorView view(const std::string& name) const {
        for (size_t i = 0; i < tensors.size(); ++i)
            if (tensors[i].name == name) return {data[i], tensors[i].dtype, tensors[i].numel()};
        return {};
    }
};

Result<MappedTensors> loadRun(const std::string& path, const ReferenceOptions& ro) {
    if (looksLikeRunFile(path)) {
        ReadOptions opts;
        opts.samples = false;
        auto run = readRun(path, opts);
        if (!run) return run.error();
        MappedTensors m;
        m.tensors = std::move(run->tensors);
        for (const auto& t : m.tensors) m.data.push_back(t.bytes.data());
        return m;
    }
    return mapReferenceFile(path, ro);
}

// "step0/fc1/output" -> "003_step0_fc1_output" for report file names.
std::string fileStem(size_t k, const std::string& name) {
    char num[32];
    std::snprintf(num, sizeof num, "%03zu_", k + 1);
    std::string s = num;
    for (char c : name)
        s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
    return s;
}

void printFailure(const PairResult& p, int top) {
    const Metrics& m = p.metrics;
    if (p.runName == p.refName)
        std::printf("\n%s: ", p.runName.c_str());
    else
        std::printf("\n%s vs %s: ", p.runName.c_str(), p.refName.c_str());
    if (p.status == PairStatus::ShapeMismatch) {
        std::printf("shapes differ: %s vs %s\n", formatShape(p.runShape).c_str(),
                    formatShape(p.refShape).c_str());
        return;
    }
    if (p.status == PairStatus::DTypeMismatch)
        std::printf("dtypes differ: %s vs %s. ", std::string(dtypeName(p.runDType)).c_str(),
                    std::string(dtypeName(p.refDType)).c_str());
    std::printf("Tensor-likes are not close!\n");
    const double pct = m.numel ? 100.0 * double(m.mismatched) / double(m.numel) : 0;
    std::printf("Mismatched elements: %lld / %lld (%.1f%%)\n", (long long)m.mismatched,
                (long long)m.numel, pct);
    if (m.maxAbsIndex >= 0) {
        std::printf("Greatest absolute difference: %s at index %s (up to %s allowed)\n",
                    fmt(m.maxAbs).c_str(), formatIndex(p.runShape, m.maxAbsIndex).c_str(),
                    fmt(p.tolerance.atol).c_str());
        std::printf("Greatest relative difference: %s at index %s (up to %s allowed)\n",
                    fmt(m.maxRel).c_str(), formatIndex(p.runShape, m.maxRelIndex).c_str(),
                    fmt(p.tolerance.rtol).c_str());
    }
    if (m.nanRun || m.nanRef || m.infRun || m.infRef)
        std::printf("NaN: %lld run, %lld reference; Inf: %lld run, %lld reference; %lld "
                    "positions disagree\n",
                    (long long)m.nanRun, (long long)m.nanRef, (long long)m.infRun,
                    (long long)m.infRef, (long long)m.nonFiniteMismatch);
    if (top > 0 && !m.worst.empty() && m.worst[0].abs != 0) {
        std::printf("Worst elements:\n  %-16s %14s %14s %11s %11s %8s\n", "index", "run",
                    "reference", "abs", "rel", "ulp");
        for (int k = 0; k < top && k < int(m.worst.size()); ++k) {
            const WorstElement& w = m.worst[size_t(k)];
            if (w.abs == 0) break; // the rest are exact
            std::printf("  %-16s %14s %14s %11s %11s %8s\n",
                        formatIndex(p.runShape, w.index).c_str(), fmt(w.run).c_str(),
                        fmt(w.ref).c_str(), fmt(w.abs).c_str(), fmt(w.rel).c_str(),
                        m.hasUlp ? std::to_string(w.ulp).c_str() : "-");
        }
    }
}

void printNames(const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    std::printf("\n%s (%zu):", what, names.size());
    for (size_t k = 0; k < names.size() && k < 50; ++k) std::printf(" %s", names[k].c_str());
    std::printf(names.size() > 50 ? " ...\n" : "\n");
}

#ifdef KS_HAVE_RENDER
// Images need a QGuiApplication; without a display, render offscreen.
std::unique_ptr<QApplication> ensureApplication() {
    if (QCoreApplication::instance()) return nullptr;
    if (!std::getenv("QT_QPA_PLATFORM") && !std::getenv("DISPLAY") &&
        !std::getenv("WAYLAND_DISPLAY"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static int argc = 1;
    static char name[] = "kernscope-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QApplication>(argc, argv);
}
#endif

bool writeReport(const Options& o, const CompareReport& report, [[maybe_unused]] const Side& run,
                 [[maybe_unused]] const Side& ref) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(o.reportDir, ec);
    if (ec) {
        std::fprintf(stderr, "kernscope-cli compare: %s: cannot create folder: %s\n",
                     o.reportDir.c_str(), ec.message().c_str());
        return false;
    }
    const fs::path dir(o.reportDir);
    bool ok = true;
    auto check = [&](const Status& st) {
        if (!st) {
            std::fprintf(stderr, "kernscope-cli compare: %s\n", st.message().c_str());
            ok = false;
        }
    };
    check(writeSummaryCsv(report, (dir / "summary.csv").string()));
#ifdef KS_HAVE_RENDER
    auto app = ensureApplication();
#endif
    for (size_t k = 0; k < report.pairs.size(); ++k) {
        const PairResult& p = report.pairs[k];
        if (!p.hasMetrics) continue;
        const std::string stem = fileStem(k, p.runName);
        check(writeWorstCsv(p, (dir / (stem + ".worst.csv")).string()));
        check(writeHistogramCsv(p, (dir / (stem + ".hist.csv")).string()));
#ifdef KS_HAVE_RENDER
        const ErrorGrid grid =
            errorHeatmap(run.view(p.runName), ref.view(p.refName), p.runShape, 1024, 1024);
        const QString title = QString::fromStdString(p.runName + "  " + formatShape(p.runShape) +
                                                     "  max |err| " + fmt(p.metrics.maxAbs));
        check(ks::gui::saveErrorHeatmap(
            grid, title, QString::fromStdString((dir / (stem + ".heatmap.png")).string())));
        check(ks::gui::saveErrorHistogram(
            p.metrics.histogram, QString::fromStdString(p.runName),
            QString::fromStdString((dir / (stem + ".hist.png")).string()), p.tolerance.atol));
#endif
    }
#ifndef KS_HAVE_RENDER
    std::printf("report: CSV files written to %s; heatmap and histogram images need the GUI "
                "build (KS_BUILD_GUI=ON)\n",
                o.reportDir.c_str());
#else
    std::printf("report: written to %s\n", o.reportDir.c_str());
#endif
    return ok;
}

} // namespace

int cmdCompare(const Args& args) {
    Options o;
    const std::string problem = parse(args, o);
    if (problem == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (!problem.empty()) {
        std::fprintf(stderr, "kernscope-cli compare: %s\n\n%s", problem.c_str(), kUsage);
        return 2;
    }
    Side run, refs;
    {
        auto r = loadRun(o.files[0], o.reference);
        if (!r) {
            std::fprintf(stderr, "kernscope-cli compare: %s\n", r.error().message.c_str());
            return 2;
        }
        run.add(std::move(r.value()), nullptr, o.files[0]);
    }
    std::unordered_set<std::string> seen;
    for (size_t i = 1; i < o.files.size(); ++i) {
        auto r = mapReferenceFile(o.files[i], o.reference);
        if (!r) {
            std::fprintf(stderr, "kernscope-cli compare: %s\n", r.error().message.c_str());
            return 2;
        }
        refs.add(std::move(r.value()), &seen, o.files[i]);
    }
    const CompareReport report =
        compareTensors(run.tensors, run.data, refs.tensors, refs.data, o.compare);
    if (report.pairs.empty()) {
        std::fprintf(stderr,
                     "kernscope-cli compare: no tensor names match between %s (%zu "
                     "tensors) and the references (%zu tensors); see --strip-prefix, "
                     "--rename and --map\n",
                     o.files[0].c_str(), run.tensors.size(), refs.tensors.size());
        printNames("Run tensors", report.unmatchedRun);
        printNames("Reference tensors", report.unmatchedRef);
        return 2;
    }

    if (!o.quiet) {
        std::printf("%-4s %-15s %-32s %-5s %-14s %-22s %-11s %-11s %-8s %s\n", "#", "status",
                    "tensor", "dtype", "shape", "mismatched", "max abs", "max rel", "max ulp",
                    "cosine");
        for (size_t k = 0; k < report.pairs.size(); ++k) {
            const PairResult& p = report.pairs[k];
            const Metrics& m = p.metrics;
            std::string mism = "-";
            if (p.hasMetrics) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%lld / %lld (%.1f%%)", (long long)m.mismatched,
                              (long long)m.numel,
                              m.numel ? 100.0 * double(m.mismatched) / double(m.numel) : 0.0);
                mism = buf;
            }
            std::printf("%-4zu %-15s %-32s %-5s %-14s %-22s %-11s %-11s %-8s %s%s\n", k + 1,
                        std::string(pairStatusName(p.status)).c_str(), p.runName.c_str(),
                        std::string(dtypeName(p.runDType)).c_str(), formatShape(p.runShape).c_str(),
                        mism.c_str(), p.hasMetrics ? fmt(m.maxAbs).c_str() : "-",
                        p.hasMetrics ? fmt(m.maxRel).c_str() : "-",
                        p.hasMetrics && m.hasUlp ? std::to_string(m.maxUlp).c_str() : "-",
                        p.hasMetrics ? fmt(m.cosine).c_str() : "-",
                        int(k) == report.firstDivergence ? "  <- first divergence" : "");
        }
    }
    for (const PairResult& p : report.pairs)
        if (!p.passed()) printFailure(p, o.printTop);
    printNames("Unmatched run tensors", report.unmatchedRun);
    printNames("Unmatched reference tensors", report.unmatchedRef);

    bool writeOk = true;
    if (!o.csv.empty()) {
        if (auto st = writeSummaryCsv(report, o.csv); !st) {
            std::fprintf(stderr, "kernscope-cli compare: %s\n", st.message().c_str());
            writeOk = false;
        }
    }
    if (!o.reportDir.empty()) writeOk = writeReport(o, report, run, refs) && writeOk;

    size_t failed = 0;
    for (const auto& p : report.pairs) failed += !p.passed();
    if (report.allPassed()) {
        std::printf("\nResult: all %zu pairs pass (preset %s)\n", report.pairs.size(),
                    std::string(presetName(o.compare.tolerances.preset)).c_str());
    } else {
        std::printf("\nResult: %zu of %zu pairs fail; first divergence: %s\n", failed,
                    report.pairs.size(),
                    report.pairs[size_t(report.firstDivergence)].runName.c_str());
    }
    if (!writeOk) return 2;
    return report.allPassed() ? 0 : 1;
}

} // namespace ks::cli
