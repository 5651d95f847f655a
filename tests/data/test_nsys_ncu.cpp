// Nsight Systems and Nsight Compute importers at the unit level: kernel base names, in-memory
// databases that are not databases, ncu CSV quoting, attaching metrics, and the run file's
// version-2 tables and optional columns round-tripping. Real files are checked by
// check_nsys_import.py and check_ncu_import.py (CTest nsys_import_* and ncu_import_*).
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/import/NcuImport.h"
#include "data/import/NsysImport.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ks::data;

TEST_CASE("kernel base names drop return type, namespaces, templates and parameters",
          "[import][ncu]") {
    CHECK(kernelBaseName("void at::native::elementwise_kernel<128, 2, (anonymous)>(int, float*)") ==
          "elementwise_kernel");
    CHECK(kernelBaseName("gemm") == "gemm");
    CHECK(kernelBaseName("ns::gemm<std::pair<int, int>>(x<y>)") == "gemm");
    CHECK(kernelBaseName("") == "");
    CHECK(kernelBaseName("<<<>>>((") == "");
}

TEST_CASE("bytes that are not an nsys database give one-line errors", "[import][nsys]") {
    for (std::string bytes :
         {std::string(), std::string("SQLite format 3\0garbage", 23), std::string(4096, '\x7f')}) {
        auto run = importNsysSqliteBytes(bytes, "mem.sqlite");
        REQUIRE_FALSE(run);
        CHECK(run.error().message.rfind("mem.sqlite: ", 0) == 0);
        CHECK(run.error().message.find('\n') == std::string::npos);
    }
}

TEST_CASE("ncu CSV: chatter skipped, quoted fields, rules, attach by order and name",
          "[import][ncu]") {
    const std::string header =
        "\"ID\",\"Kernel Name\",\"Device\",\"Stream\",\"Section Name\",\"Metric Name\","
        "\"Metric Unit\",\"Metric Value\",\"Rule Name\",\"Rule Type\",\"Rule Description\","
        "\"Estimated Speedup\"\n";
    const std::string text = "==PROF== Connected\nprogram output, 1 2 3\n" + header +
                             "\"0\",\"relu\",\"0\",\"7\",\"SOL\",\"Duration\",\"ns\",\"1,500\"\n"
                             "\"1\",\"void gemm<float>(int)\",\"0\",\"7\",\"SOL\",\"Duration\","
                             "\"ns\",\"n/a\"\n"
                             "\"1\",\"void gemm<float>(int)\",\"0\",\"7\",\"SOL\",\"\",\"\",\"\","
                             "\"Tail\",\"WRN\",\"a \"\"quoted\"\", two-line\nnote\",\"3.5\"\n"
                             "\"2\",\"relu\",\"0\",\"7\",\"SOL\",\"Duration\",\"ns\",\"9\"\n";
    auto metrics = parseNcuCsv(text, "ncu.csv");
    REQUIRE(metrics);
    const KernelMetricTable& m = metrics->kernelMetrics;
    REQUIRE(m.size() == 4);
    CHECK(m.value[0] == 1500.0);
    CHECK(std::isnan(m.value[1]));
    CHECK(metrics->strings.get(m.text[1]) == "n/a");
    CHECK(m.kind[2] == 1);
    CHECK(metrics->strings.get(m.metric[2]) == "Tail");
    CHECK(metrics->strings.get(m.text[2]) == "a \"quoted\", two-line\nnote");
    CHECK(m.value[2] == 3.5);

    // Kernels out of time order in the table: attach goes by start time.
    Run run;
    const std::pair<int64_t, const char*> kernels[] = {
        {300, "relu"}, {100, "relu"}, {200, "gemm"}, {50, "other"}};
    for (auto [start, name] : kernels) {
        run.kernels.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        run.kernels.start_ns.back() = start;
        run.kernels.end_ns.back() = start + 10;
        run.kernels.name.back() = run.strings.intern(name);
    }
    const AttachResult r = attachKernelMetrics(run, *metrics);
    CHECK(r.launches == 3);
    CHECK(r.matched == 3);
    CHECK(run.kernelMetrics.kernel == std::vector<uint32_t>{1, 2, 2, 0});

    // The table and an optional column survive the run file; a second attach would be refused
    // by the CLI, not here.
    run.api.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
    run.api.raw_name.push_back(run.strings.intern("cudaLaunchKernel_v7000"));
    const std::string path = ks::test::scratchDir("nsys_ncu") + "/metrics.ksr.h5";
    REQUIRE(writeRun(run, path));
    auto back = readRun(path);
    REQUIRE(back);
    CHECK(back->kernelMetrics.kernel == run.kernelMetrics.kernel);
    CHECK(back->kernelMetrics.size() == 4);
    CHECK(back->strings.get(back->kernelMetrics.text[2]) == "a \"quoted\", two-line\nnote");
    REQUIRE(back->api.raw_name.size() == 1);
    CHECK(back->strings.get(back->api.raw_name[0]) == "cudaLaunchKernel_v7000");
    CHECK(back->memcpy.src_kind.empty()); // absent optional columns stay empty

    CHECK_FALSE(parseNcuCsv("==PROF== only chatter\n", "x.csv"));
    CHECK_FALSE(parseNcuCsv(header, "x.csv"));
}

TEST_CASE("ncu CSV: byte-order mark, CRLF, NUL in chatter, a last record cut short",
          "[import][ncu]") {
    const std::string header = "\"ID\",\"Kernel Name\",\"Metric Name\",\"Metric Value\"\r\n";
    std::string text = "\xEF\xBB\xBF" + header + std::string("chatter \0 with a NUL\r\n", 22) +
                       "\"0\",\"relu\",\"Duration\",\"1500\"\r\n"
                       "\"1\",\"relu\",\"Duration\",\"15";
    auto metrics = parseNcuCsv(text, "ncu.csv");
    REQUIRE(metrics);
    // Only the complete record is a metric: the cut one is counted, not read as a metric of 15.
    CHECK(metrics->kernelMetrics.value == std::vector<double>{1500.0});
    CHECK(metrics->strings.get(metrics->kernelMetrics.metric.at(0)) == "Duration");
    CHECK(metrics->collector.dropped_records == 1);
    CHECK(metrics->info.notes.find("cut short") != std::string::npos);
}
