#include "data/compare/Comparison.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

namespace ks::data::compare {

std::string_view pairStatusName(PairStatus s) {
    switch (s) {
    case PairStatus::Pass:
        return "pass";
    case PairStatus::Fail:
        return "FAIL";
    case PairStatus::ShapeMismatch:
        return "shape mismatch";
    case PairStatus::DTypeMismatch:
        return "dtype mismatch";
    }
    return "?";
}

CompareReport compareTensors(const std::vector<Tensor>& run, const std::vector<Tensor>& ref,
                             const CompareOptions& options) {
    std::vector<const std::byte*> runData, refData;
    for (const auto& t : run) runData.push_back(t.bytes.data());
    for (const auto& t : ref) refData.push_back(t.bytes.data());
    return compareTensors(run, runData, ref, refData, options);
}

CompareReport compareTensors(const std::vector<Tensor>& run,
                             const std::vector<const std::byte*>& runData,
                             const std::vector<Tensor>& ref,
                             const std::vector<const std::byte*>& refData,
                             const CompareOptions& options) {
    CompareReport report;
    Matching m = matchTensors(run, ref, options.match);
    report.unmatchedRun = std::move(m.unmatchedRun);
    report.unmatchedRef = std::move(m.unmatchedRef);
    // Execution order of the run (stable: files without order keep their own order).
    std::stable_sort(m.pairs.begin(), m.pairs.end(), [&](const auto& x, const auto& y) {
        return run[x.first].order < run[y.first].order;
    });
    for (const auto& [i, j] : m.pairs) {
        const Tensor& a = run[i];
        const Tensor& r = ref[j];
        PairResult p;
        p.runName = a.name;
        p.refName = r.name;
        p.runDType = a.dtype;
        p.refDType = r.dtype;
        p.runShape = a.shape;
        p.refShape = r.shape;
        p.opKind = opKindOf(a);
        p.order = a.order;
        p.tolerance = options.tolerances.resolve(a);
        if (a.shape != r.shape) {
            p.status = PairStatus::ShapeMismatch;
        } else {
            MetricOptions mo;
            mo.tolerance = p.tolerance;
            mo.equalNan = options.equalNan;
            mo.topK = options.topK;
            mo.threads = options.threads;
            p.metrics = computeMetrics(TensorView{runData[i], a.dtype, a.numel()},
                                       TensorView{refData[j], r.dtype, r.numel()}, mo);
            p.hasMetrics = true;
            if (a.dtype != r.dtype && !options.allowDTypeMismatch)
                p.status = PairStatus::DTypeMismatch;
            else
                p.status = p.metrics.mismatched > 0 ? PairStatus::Fail : PairStatus::Pass;
        }
        if (!p.passed() && report.firstDivergence < 0)
            report.firstDivergence = int(report.pairs.size());
        report.pairs.push_back(std::move(p));
    }
    return report;
}

std::string formatIndex(const std::vector<int64_t>& shape, int64_t flat) {
    if (shape.empty()) return "()";
    std::vector<int64_t> idx(shape.size(), 0);
    for (size_t k = shape.size(); k-- > 0;) {
        if (shape[k] > 0) {
            idx[k] = flat % shape[k];
            flat /= shape[k];
        }
    }
    std::string s = "(";
    for (size_t k = 0; k < idx.size(); ++k) {
        if (k) s += ", ";
        s += std::to_string(idx[k]);
    }
    return s + (idx.size() == 1 ? ",)" : ")");
}

std::string formatShape(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t k = 0; k < shape.size(); ++k) {
        if (k) s += ", ";
        s += std::to_string(shape[k]);
    }
    return s + "]";
}

namespace {

// Writes text to a temporary file beside `path`, then renames it into place.
Status writeAtomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return makeError(path + ": cannot write: " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        return makeError(path + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return makeError(path + ": cannot rename into place: " + ec.message());
    }
    return Status::success();
}

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

Status writeSummaryCsv(const CompareReport& report, const std::string& path) {
    std::string t = "order,run_name,ref_name,status,first_divergence,dtype,ref_dtype,shape,"
                    "ref_shape,op_kind,rtol,atol,numel,mismatched,mismatched_pct,max_abs,"
                    "max_abs_index,mean_abs,rms,max_rel,max_rel_index,max_ulp,mean_ulp,cosine,"
                    "sqnr_db,nan_run,nan_ref,inf_run,inf_ref,nonfinite_mismatch\n";
    for (size_t k = 0; k < report.pairs.size(); ++k) {
        const PairResult& p = report.pairs[k];
        const Metrics& m = p.metrics;
        t += std::to_string(p.order) + "," + csvField(p.runName) + "," + csvField(p.refName) + "," +
             std::string(pairStatusName(p.status)) + "," +
             (int(k) == report.firstDivergence ? "1" : "0") + "," +
             std::string(dtypeName(p.runDType)) + "," + std::string(dtypeName(p.refDType)) + "," +
             csvField(formatShape(p.runShape)) + "," + csvField(formatShape(p.refShape)) + "," +
             std::string(opKindName(p.opKind)) + "," + num(p.tolerance.rtol) + "," +
             num(p.tolerance.atol);
        if (p.hasMetrics) {
            const double pct = m.numel ? 100.0 * double(m.mismatched) / double(m.numel) : 0.0;
            t += ','; // (not "," + std::string: GCC 12 warns falsely about that)
            t += std::to_string(m.numel) + "," + std::to_string(m.mismatched) + "," + num(pct) +
                 "," + num(m.maxAbs) + "," +
                 csvField(formatIndex(p.runShape, std::max<int64_t>(m.maxAbsIndex, 0))) + "," +
                 num(m.meanAbs) + "," + num(m.rms) + "," + num(m.maxRel) + "," +
                 csvField(formatIndex(p.runShape, std::max<int64_t>(m.maxRelIndex, 0))) + "," +
                 (m.hasUlp ? std::to_string(m.maxUlp) : "") + "," +
                 (m.hasUlp ? num(m.meanUlp) : "") + "," + num(m.cosine) + "," + num(m.sqnrDb) +
                 "," + std::to_string(m.nanRun) + "," + std::to_string(m.nanRef) + "," +
                 std::to_string(m.infRun) + "," + std::to_string(m.infRef) + "," +
                 std::to_string(m.nonFiniteMismatch) + "\n";
        } else {
            t += std::string(18, ',') + "\n";
        }
    }
    for (const auto& n : report.unmatchedRun)
        t += ",," + csvField(n) + ",unmatched run tensor" + std::string(26, ',') + "\n";
    for (const auto& n : report.unmatchedRef)
        t += ",," + csvField(n) + ",unmatched reference tensor" + std::string(26, ',') + "\n";
    return writeAtomically(path, t);
}

Status writeWorstCsv(const PairResult& pair, const std::string& path) {
    std::string t = "rank,flat_index,index,run,ref,abs,rel,ulp\n";
    int rank = 0;
    for (const WorstElement& w : pair.metrics.worst)
        t += std::to_string(++rank) + "," + std::to_string(w.index) + "," +
             csvField(formatIndex(pair.runShape, w.index)) + "," + num(w.run) + "," + num(w.ref) +
             "," + num(w.abs) + "," + num(w.rel) + "," +
             (pair.metrics.hasUlp ? std::to_string(w.ulp) : "") + "\n";
    return writeAtomically(path, t);
}

Status writeHistogramCsv(const PairResult& pair, const std::string& path) {
    std::string t = "log10_abs_low,log10_abs_high,count\n";
    const ErrorHistogram& h = pair.metrics.histogram;
    t += "exact,exact," + std::to_string(h.exact) + "\n";
    for (int k = 0; k < kHistBins; ++k)
        t += num(ErrorHistogram::binLow(k)) + "," + num(ErrorHistogram::binLow(k + 1)) + "," +
             std::to_string(h.counts[size_t(k)]) + "\n";
    t += "nonfinite,nonfinite," + std::to_string(h.nonFinite) + "\n";
    return writeAtomically(path, t);
}

} // namespace ks::data::compare
