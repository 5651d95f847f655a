// Every metric against the same metric computed in NumPy (make_metric_cases.py), including NaN,
// Inf, denormal and zero-reference cases; plus matching rules, tolerance presets, execution
// order and the heatmap's max-downsampling.
#include "Fixtures.h"
#include "TestSupport.h"

#include "data/compare/Comparison.h"
#include "data/reference/ReferenceReader.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>

using namespace ks::data;
using namespace ks::data::compare;

namespace {

double jsonDouble(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string s = v;
        return s == "inf" ? std::numeric_limits<double>::infinity()
                          : -std::numeric_limits<double>::infinity();
    }
    return v.get<double>();
}

// Sums are accumulated in a different order than NumPy's pairwise sums.
void checkClose(double got, double want, const char* what) {
    INFO(what << ": got " << got << " want " << want);
    if (std::isinf(want)) {
        CHECK(got == want);
    } else {
        CHECK(got == Approx(want).epsilon(1e-9).margin(1e-300));
    }
}

std::map<std::string, Tensor> byName(std::vector<Tensor> v) {
    std::map<std::string, Tensor> m;
    for (auto& t : v) m.emplace(t.name, std::move(t));
    return m;
}

} // namespace

TEST_CASE("metrics match NumPy", "[compare][metrics]") {
    const std::string dir = ks::test::cachedFixture("metrics", "compare/make_metric_cases.py");
    auto run = readReferenceFile(dir + "/run.npz");
    auto ref = readReferenceFile(dir + "/ref.npz");
    REQUIRE(run.ok());
    REQUIRE(ref.ok());
    auto runs = byName(std::move(run.value()));
    auto refs = byName(std::move(ref.value()));
    std::ifstream in(dir + "/expected.json");
    const auto expected = nlohmann::json::parse(in);
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        const std::string name = it.key();
        const auto& e = it.value();
        INFO("case " << name);
        for (unsigned threads : {1u, 2u, 3u}) {
            INFO("threads " << threads);
            MetricOptions o;
            o.tolerance = {e["rtol"].get<double>(), e["atol"].get<double>()};
            o.equalNan = e["equal_nan"].get<bool>();
            o.topK = 10;
            o.threads = threads;
            const Metrics m = computeMetrics(runs.at(name), refs.at(name), o);
            CHECK(m.numel == e["numel"].get<int64_t>());
            CHECK(m.finite == e["finite"].get<int64_t>());
            CHECK(m.maxAbs == e["max_abs"].get<double>());
            CHECK(m.maxAbsIndex == e["max_abs_index"].get<int64_t>());
            CHECK(m.maxRel == e["max_rel"].get<double>());
            CHECK(m.maxRelIndex == e["max_rel_index"].get<int64_t>());
            checkClose(m.meanAbs, e["mean_abs"].get<double>(), "mean abs");
            checkClose(m.rms, e["rms"].get<double>(), "rms");
            CHECK(m.hasUlp == e["has_ulp"].get<bool>());
            CHECK(m.maxUlp == e["max_ulp"].get<uint64_t>());
            checkClose(m.meanUlp, e["mean_ulp"].get<double>(), "mean ulp");
            checkClose(m.cosine, e["cosine"].get<double>(), "cosine");
            checkClose(m.sqnrDb, jsonDouble(e["sqnr_db"]), "sqnr");
            CHECK(m.nanRun == e["nan_run"].get<int64_t>());
            CHECK(m.nanRef == e["nan_ref"].get<int64_t>());
            CHECK(m.infRun == e["inf_run"].get<int64_t>());
            CHECK(m.infRef == e["inf_ref"].get<int64_t>());
            CHECK(m.nonFiniteMismatch == e["nonfinite_mismatch"].get<int64_t>());
            CHECK(m.mismatched == e["mismatched"].get<int64_t>());
            CHECK(m.histogram.counts == e["hist"].get<std::vector<uint64_t>>());
            CHECK(m.histogram.exact == e["hist_exact"].get<uint64_t>());
            CHECK(m.histogram.nonFinite == e["hist_nonfinite"].get<uint64_t>());
            std::vector<int64_t> worst;
            for (const auto& w : m.worst) worst.push_back(w.index);
            CHECK(worst == e["worst"].get<std::vector<int64_t>>());
        }
    }
}

TEST_CASE("ULP distance through ordered integer views", "[compare][metrics]") {
    CHECK(ulpDistance(1.0, std::nextafter(1.0, 2.0), DType::F64) == 1);
    CHECK(ulpDistance(0.0, -0.0, DType::F32) == 0);
    CHECK(ulpDistance(1.0f, std::nextafterf(1.0f, 2.0f), DType::F32) == 1);
    // Across zero: smallest denormals on both sides are two steps apart.
    const double d = std::numeric_limits<float>::denorm_min();
    CHECK(ulpDistance(-d, d, DType::F32) == 2);
    CHECK(ulpDistance(1.0, 1.0 + 1.0 / 1024, DType::F16) == 1);
}

namespace {

Tensor tensor(const std::string& name, std::vector<int64_t> shape, std::vector<float> v,
              int64_t order = 0, std::string op = "", std::string role = "output") {
    Tensor t = makeF32Tensor(name, std::move(shape), v);
    t.order = order;
    t.op = std::move(op);
    t.role = std::move(role);
    return t;
}

} // namespace

TEST_CASE("matching rules pair names and list the unmatched", "[compare][match]") {
    std::vector<Tensor> run = {tensor("step0/fc1/output", {1}, {1}),
                               tensor("step0/fc2/output", {1}, {2}),
                               tensor("step0/extra", {1}, {3})};
    std::vector<Tensor> ref = {tensor("model.fc1.output", {1}, {1}),
                               tensor("custom_name", {1}, {2}), tensor("lonely", {1}, {0})};
    MatchRules rules;
    rules.stripPrefixes = {"step0/", "model."};
    REQUIRE(rules.addRewrite("/=.").ok());
    const std::string mapFile = ks::test::scratchDir("map") + "/map.txt";
    std::ofstream(mapFile) << "# run name -> reference name\nstep0/fc2/output = custom_name\n";
    REQUIRE(rules.loadMapFile(mapFile).ok());
    const Matching m = matchTensors(run, ref, rules);
    REQUIRE(m.pairs.size() == 2);
    CHECK(m.pairs[0] == std::pair<size_t, size_t>(0, 0));
    CHECK(m.pairs[1] == std::pair<size_t, size_t>(1, 1));
    CHECK(m.unmatchedRun == std::vector<std::string>{"step0/extra"});
    CHECK(m.unmatchedRef == std::vector<std::string>{"lonely"});
    CHECK_FALSE(rules.addRewrite("(=x").ok());
    std::ofstream(mapFile) << "one two three\n";
    const Status bad = rules.loadMapFile(mapFile);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.message(), Catch::Contains("map.txt:1"));
}

TEST_CASE("tolerance presets per dtype, per op kind, and per pattern", "[compare][tolerance]") {
    Tensor t = tensor("step0/fc1/output", {1}, {0}, 0, "matmul");
    ToleranceRules rules;
    CHECK(rules.resolve(t).rtol == 1.3e-6);
    CHECK(rules.resolve(t).atol == 1e-5);
    rules.preset = Preset::Op;
    CHECK(rules.resolve(t).rtol == 1e-6);
    t.op = "add";
    CHECK(rules.resolve(t).rtol == 1e-7);
    CHECK(rules.resolve(t).atol == 1e-7);
    t.op = "mul";
    CHECK(rules.resolve(t).atol == 1e-6);
    t.op = "softmax";
    CHECK(rules.resolve(t).rtol == 1e-5);
    t.op = "relu"; // no preset of its own: the dtype's
    CHECK(rules.resolve(t).rtol == 1.3e-6);
    t.role = "grad";
    CHECK(opKindOf(t) == OpKind::Backward);
    CHECK(rules.resolve(t).rtol == 1e-4);
    CHECK(rules.resolve(t).atol == 1e-3);
    REQUIRE(rules.addPattern("fc1=0.5,0.25").ok());
    CHECK(rules.resolve(t).rtol == 0.5);
    CHECK(rules.resolve(t).atol == 0.25);
    CHECK_FALSE(rules.addPattern("fc1=x,1").ok());
    CHECK(dtypeTolerance(DType::F16).rtol == 1e-3);
    CHECK(dtypeTolerance(DType::BF16).rtol == 1.6e-2);
    CHECK(dtypeTolerance(DType::F64).atol == 1e-7);
}

TEST_CASE("pairs in execution order, first divergence, shape and dtype status", "[compare]") {
    std::vector<Tensor> run = {tensor("c", {2}, {1, 2}, 2), tensor("a", {2}, {1, 2}, 0),
                               tensor("b", {2}, {1, 2.5f}, 1), tensor("d", {3}, {1, 2, 3}, 3)};
    std::vector<Tensor> ref = {tensor("a", {2}, {1, 2}), tensor("b", {2}, {1, 2}),
                               tensor("c", {2}, {1, 3}), tensor("d", {1, 3}, {1, 2, 3})};
    const CompareReport r = compareTensors(run, ref, {});
    REQUIRE(r.pairs.size() == 4);
    CHECK(r.pairs[0].runName == "a");
    CHECK(r.pairs[1].runName == "b");
    CHECK(r.pairs[2].runName == "c");
    CHECK(r.pairs[0].status == PairStatus::Pass);
    CHECK(r.pairs[1].status == PairStatus::Fail);
    CHECK(r.pairs[3].status == PairStatus::ShapeMismatch);
    CHECK(r.firstDivergence == 1);
    CHECK(formatIndex({2, 3}, 5) == "(1, 2)");
    CHECK(formatIndex({4}, 3) == "(3,)");

    Tensor f64;
    f64.name = "a";
    f64.dtype = DType::F64;
    f64.shape = {2};
    f64.bytes.resize(16);
    const double v[2] = {1, 2};
    std::memcpy(f64.bytes.data(), v, 16);
    const CompareReport d = compareTensors({run[1]}, {f64}, {});
    REQUIRE(d.pairs.size() == 1);
    CHECK(d.pairs[0].status == PairStatus::DTypeMismatch);
    CHECK(d.pairs[0].metrics.maxAbs == 0);
    CompareOptions loose;
    loose.allowDTypeMismatch = true;
    CHECK(compareTensors({run[1]}, {f64}, loose).pairs[0].status == PairStatus::Pass);
}

TEST_CASE("heatmap downsampling keeps the maximum of each block", "[compare][heatmap]") {
    // 3-d tensor folded to rows x last dim: (4, 5, 300) -> 20 x 300.
    std::vector<float> a(4 * 5 * 300, 1.0f), r(a.size(), 1.0f);
    a[7 * 300 + 299] = 1.5f; // row 7, last column
    a[1] = std::numeric_limits<float>::quiet_NaN();
    Tensor ta = tensor("x", {4, 5, 300}, a), tr = tensor("x", {4, 5, 300}, r);
    const ErrorGrid g = errorHeatmap(viewOf(ta), viewOf(tr), ta.shape, 100, 8);
    CHECK(g.rows == 20);
    CHECK(g.cols == 300);
    CHECK(g.blockCols == 3);
    CHECK(g.blockRows == 3);
    CHECK(g.width == 100);
    CHECK(g.height == 7);
    CHECK(g.values[size_t(7 / 3) * 100 + 99] == 0.5);
    CHECK(std::isinf(g.values[0]));
    CHECK(g.maxFinite == 0.5);
    size_t nonzero = 0;
    for (double v : g.values) nonzero += v != 0;
    CHECK(nonzero == 2);
}
