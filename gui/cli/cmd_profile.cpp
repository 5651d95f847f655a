// kernscope-cli record [options] -- CMD [ARGS...]: profiles any program into one run file.
// NVTX ranges and marks, captured tensors (and GPU activity with a driver) come from our
// injection library inside the program through a spool folder (ProfileSpool.h); CPU samples come
// from `perf record` around the program, converted by the perf-script importer and moved onto
// the same clock (CLOCK_MONOTONIC_RAW, origin = when the program was started). docs/PROFILING.md.
#include "ArgParser.h"
#include "Commands.h"
#include "ProfileGpu.h"
#include "ProfileRunner.h"
#include "ProfileSpool.h"

#include "data/Checked.h"
#include "data/RunFile.h"
#include "data/import/StackImport.h"
#include "engine/SystemInfo.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/statvfs.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

extern char** environ;

namespace ks::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEpilog =
    "Runs CMD with our NVTX injection library (ranges, marks, domains, categories, thread names,\n"
    "tensors from kernscope/capture.h), under `perf record` for CPU samples with call stacks\n"
    "when perf is installed and permitted, and with the CUPTI collector when a CUDA driver is\n"
    "present. Ctrl-C or --duration stops the program (SIGINT to its process group, SIGTERM after\n"
    "3 s, SIGKILL after 6 s) and still saves the run.\n"
    "Exit code: the program's own exit code; 128+N when it was killed by signal N; 0 when\n"
    "--duration stopped it; 130 after Ctrl-C; 127 when CMD cannot be run; 2 on bad options or\n"
    "when the run file cannot be written. The run file is written in every case but the last.\n";

struct Options {
    int sampleHz = 1000;
    bool samples = true, gpu = true;
    std::optional<double> duration;
    std::string output = "run.ksr.h5";
    std::vector<std::string> command;
};

std::string dirOf(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

// libkernscope-inject.so: $KS_INJECT_LIBRARY, beside this executable, in the installed private
// library folder, or the build tree's copy (both relative to this executable).
std::optional<std::string> findInjectionLibrary() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("KS_INJECT_LIBRARY")) candidates.push_back(env);
    std::error_code ec;
    const std::string exeDir = dirOf(fs::read_symlink("/proc/self/exe", ec).string());
    candidates.push_back(exeDir + "/libkernscope-inject.so");
    candidates.push_back(exeDir + "/../lib/kernscope/libkernscope-inject.so");
#ifdef KS_INJECT_INSTALL_SUBDIR
    candidates.push_back(exeDir + "/" KS_INJECT_INSTALL_SUBDIR "/libkernscope-inject.so");
    candidates.push_back(exeDir + "/" KS_INJECT_BUILD_SUBDIR "/libkernscope-inject.so");
#endif
    for (const auto& c : candidates)
        if (!c.empty() && fs::exists(c, ec)) return fs::absolute(c, ec).string();
    return std::nullopt;
}

std::string lastLine(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    const size_t start = last.find_first_not_of(" \t");
    return start == std::string::npos ? "" : last.substr(start);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// perf works here: checked by recording `true`, so a missing binary, a kernel without perf
// events or a restrictive perf_event_paranoid turn into one status line before the program runs.
std::optional<std::string> perfProblem(const std::string& perf, const std::string& spool) {
    const std::string err = spool + "/perf-probe.err";
    const int status =
        runToCompletion({perf, "record", "-q", "-k", "monotonic_raw", "-e", "cpu-clock", "-o",
                         spool + "/probe.data", "--", "/bin/true"},
                        "/dev/null", err);
    fs::remove(spool + "/probe.data");
    if (status == 0) return std::nullopt;
    std::string why = lastLine(err);
    if (why.empty()) why = "perf record failed (wait status " + std::to_string(status) + ")";
    std::ifstream paranoid("/proc/sys/kernel/perf_event_paranoid");
    int level = 0;
    if (paranoid >> level) why += " (perf_event_paranoid = " + std::to_string(level) + ")";
    return why;
}

// Every "comm pid/tid time: ..." header line of `perf script` output: tid -> (pid, comm).
std::map<uint32_t, std::pair<uint32_t, std::string>> perfThreads(const std::string& text) {
    std::map<uint32_t, std::pair<uint32_t, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#') continue;
        std::istringstream tokens(line);
        std::string token, comm;
        while (tokens >> token) {
            const size_t slash = token.find('/');
            auto pid = data::parseInteger<uint32_t>(token.substr(0, slash));
            auto tid = slash == std::string::npos
                           ? std::nullopt
                           : data::parseInteger<uint32_t>(token.substr(slash + 1));
            if (pid && tid) {
                out.emplace(*tid, std::make_pair(*pid, comm));
                break;
            }
            comm += (comm.empty() ? "" : " ") + token;
        }
    }
    return out;
}

struct Samples {
    data::Run run; // samples, stacks, thread names, on the recording's clock
    std::string problem;
};

// perf.data -> `perf script` -> the perf-script importer -> times moved onto our clock, each
// sample weighted by its period (fixed: -c), threads given their processes.
Samples convertPerfData(const std::string& perf, const std::string& spool, int64_t originMono,
                        uint64_t periodNs) {
    Samples s;
    const std::string text = spool + "/perf.script", err = spool + "/perf-script.err";
    const int status = runToCompletion({perf, "script", "-i", spool + "/perf.data", "--ns", "-F",
                                        "comm,pid,tid,time,period,event,ip,sym,dso"},
                                       text, err);
    if (status != 0) {
        s.problem = "CPU samples unavailable: perf script failed: " + lastLine(err);
        return s;
    }
    const std::string script = readFile(text);
    auto parsed = data::parsePerfScript(script, text);
    if (!parsed) {
        s.problem = "CPU samples unavailable: " + parsed.error().message;
        return s;
    }
    s.run = std::move(parsed.value());
    const int64_t shift = s.run.info.origin_unix_ns - originMono; // perf's origin on our clock
    const uint32_t event = s.run.strings.intern("cpu-clock");
    for (size_t i = 0; i < s.run.samples.size(); ++i) {
        s.run.samples.time_ns[i] += shift;
        s.run.samples.weight[i] = periodNs;
        s.run.samples.event[i] = event;
    }
    std::map<uint32_t, std::string> processNames;
    for (const auto& [tid, who] : perfThreads(script)) {
        s.run.setThreadProcess(tid, who.first);
        if (tid == who.first) processNames[who.first] = who.second;
    }
    for (const auto& [pid, name] : processNames) {
        s.run.processes.id.push_back(pid);
        s.run.processes.parent.push_back(0);
        s.run.processes.name.push_back(s.run.strings.intern(name));
        s.run.processes.command_line.push_back(0);
    }
    return s;
}

// Processes seen by perf only are kept; the injection library's view (parent, command line)
// replaces perf's where both saw the process.
void mergeProcesses(data::Run& run, const data::ProcessTable& fromPerf) {
    for (size_t i = 0; i < fromPerf.size(); ++i) {
        bool known = false;
        for (uint32_t id : run.processes.id) known |= id == fromPerf.id[i];
        if (known) continue;
        run.processes.id.push_back(fromPerf.id[i]);
        run.processes.parent.push_back(fromPerf.parent[i]);
        run.processes.name.push_back(fromPerf.name[i]);
        run.processes.command_line.push_back(fromPerf.command_line[i]);
    }
}

// The time stamp counter is a usable event clock when it ticks at a constant rate in every
// power state (x86 "constant_tsc" and "nonstop_tsc"): then the spool records raw TSC values.
bool invariantTsc() {
#if defined(__x86_64__)
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("flags", 0) == 0)
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
#endif
    return false;
}

uint64_t readTsc() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return 0;
#endif
}

// libkernscope-inject-cuda.so beside libkernscope-inject.so (CUDA builds only).
std::optional<std::string> findCudaInjectionLibrary(const std::string& nvtxLibrary) {
#ifdef KS_HAVE_CUPTI
    const std::string path = dirOf(nvtxLibrary) + "/libkernscope-inject-cuda.so";
    std::error_code ec;
    if (fs::exists(path, ec)) return path;
#else
    (void)nvtxLibrary;
#endif
    return std::nullopt;
}

// The status lines about GPU activity: none when some process delivered it.
std::vector<std::string> gpuStatus(const Options& o, bool haveCudaLibrary, const GpuMerge& merged) {
    if (!o.gpu) return {"GPU activity not collected (--no-gpu)"};
#ifndef KS_HAVE_CUPTI
    (void)haveCudaLibrary;
    (void)merged;
    return {"GPU activity unavailable: this kernscope-cli was built without CUDA"};
#else
    if (!haveCudaLibrary)
        return {"GPU activity unavailable: libkernscope-inject-cuda.so not found"};
    if (merged.processes > 0 || !merged.problems.empty()) return merged.problems;
    void* cuda = dlopen("libcuda.so.1", RTLD_LAZY);
    if (!cuda) return {"GPU activity unavailable: no CUDA driver (libcuda.so.1 not found)"};
    dlclose(cuda);
    return {"GPU activity unavailable: the program made no CUDA calls"};
#endif
}

// KS_SPOOL_DIR, else /dev/shm with at least 1 GiB free, else `tmp`.
std::string spoolBase(const std::string& tmp) {
    if (const char* dir = std::getenv("KS_SPOOL_DIR")) return dir;
    struct statvfs st {};
    if (access("/dev/shm", W_OK) == 0 && statvfs("/dev/shm", &st) == 0 &&
        uint64_t(st.f_bavail) * st.f_frsize >= (1ull << 30))
        return "/dev/shm";
    return tmp;
}

std::optional<std::string> makeScratch(const std::string& base) {
    std::string dir = base + "/kernscope-record.XXXXXX";
    if (!mkdtemp(dir.data())) return std::nullopt;
    return dir;
}

std::string utcNow() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::string describeEnd(const ChildResult& r, const Options& o, int& exitCode) {
    std::string how = r.exited ? "exited with code " + std::to_string(r.exitCode)
                               : "killed by signal " + std::to_string(r.termSignal) + " (" +
                                     signalName(r.termSignal) + ")";
    exitCode = r.exited ? r.exitCode : 128 + r.termSignal;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", o.duration.value_or(0));
    if (r.stoppedBy == StopReason::Duration) {
        exitCode = 0;
        return std::string("stopped after --duration ") + secs + " s; program " + how;
    }
    if (r.stoppedBy == StopReason::Signal) {
        exitCode = 130;
        return "stopped by " + signalName(r.recorderSignal) + "; program " + how;
    }
    return "program " + how;
}

std::optional<int> parseOptions(const Args& args, Options& o) {
    const auto dash = std::find(args.begin(), args.end(), "--");
    o.command.assign(dash + 1, args.end());
    std::string hz, duration;
    bool noSamples = false, noGpu = false;
    ArgParser p("record", "profile any program: record [options] -- CMD [ARGS...]");
    p.option("--sample-hz", &hz, "N", "CPU samples per second and thread (default 1000)");
    p.flag("--no-samples", &noSamples, "do not run perf: no CPU samples");
    p.flag("--no-gpu", &noGpu, "do not start the CUPTI collector in the program");
    p.option("--duration", &duration, "S", "stop the program after S seconds, keep the run");
    p.option("--output", &o.output, "RUN.ksr.h5", "the run file (default run.ksr.h5)");
    p.alias("-o", "--output");
    p.epilog(kEpilog);
    if (auto code = p.parse(Args(args.begin(), dash))) return code;
    if (!hz.empty()) {
        auto v = data::parseInteger<int>(hz);
        if (!v || *v < 1 || *v > 50'000) return p.fail("--sample-hz must be 1..50000, not " + hz);
        o.sampleHz = *v;
    }
    if (!duration.empty()) {
        auto v = data::parseFinite(duration);
        if (!v || *v <= 0 || *v > 1e7) return p.fail("--duration must be > 0 seconds");
        o.duration = *v;
    }
    o.samples = !noSamples;
    o.gpu = !noGpu;
    if (o.command.empty()) return p.fail("no command after --");
    return std::nullopt;
}

} // namespace

int cmdProfile(const Args& args) {
    Options o;
    if (auto code = parseOptions(args, o)) return *code;
    const char* pathEnv = std::getenv("PATH");
    const auto program = findExecutable(o.command[0], pathEnv ? pathEnv : "");
    if (!program) {
        std::fprintf(stderr, "kernscope-cli record: %s: command not found or not executable\n",
                     o.command[0].c_str());
        return 127;
    }
    const auto library = findInjectionLibrary();
    if (!library) {
        std::fprintf(stderr, "kernscope-cli record: libkernscope-inject.so not found (set "
                             "KS_INJECT_LIBRARY)\n");
        return 2;
    }
    // Two scratch folders: the event spool in memory (/dev/shm) when there is room, since writing
    // to fresh tmpfs pages costs the program less than to a disk file system; perf's files (which
    // can be large) under $TMPDIR.
    const std::string tmp = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    const auto spoolDir = makeScratch(spoolBase(tmp));
    const auto perfDir = makeScratch(tmp);
    if (!spoolDir || !perfDir) {
        std::fprintf(stderr, "kernscope-cli record: cannot create a folder in %s\n", tmp.c_str());
        return 2;
    }
    const std::string spool = *spoolDir, work = *perfDir;
    auto removeScratch = [&] {
        if (std::getenv("KS_KEEP_SPOOL")) return;
        std::error_code ec;
        fs::remove_all(spool, ec);
        fs::remove_all(work, ec);
    };
    std::vector<std::string> status;

    // CPU samples: perf around the program, when it works here.
    std::optional<std::string> perf;
    if (o.samples) {
        if (auto found = findExecutable("perf", pathEnv ? pathEnv : "")) {
            if (auto problem = perfProblem(*found, work))
                status.push_back("CPU samples unavailable: " + *problem);
            else
                perf = *found;
        } else {
            status.push_back(
                "CPU samples unavailable: perf not found in PATH (install linux-perf)");
        }
    }
    const uint64_t periodNs = uint64_t(1'000'000'000 / o.sampleHz);

    LaunchOptions launch;
    if (perf)
        launch.argv = {*perf, "record",
                       "-q",  "-g",
                       "-k",  "monotonic_raw",
                       "-e",  "cpu-clock",
                       "-c",  std::to_string(periodNs),
                       "-o",  work + "/perf.data",
                       "--"};
    launch.argv.push_back(*program);
    launch.argv.insert(launch.argv.end(), o.command.begin() + 1, o.command.end());
    static const char* ours[] = {
        "NVTX_INJECTION64_PATH=", "CUDA_INJECTION64_PATH=", "KS_PROFILE_DIR=",
        "KS_CAPTURE_LIBRARY=",    "KS_PROFILE_CLOCK=",      "KS_PROFILE_ORIGIN_UNIX_NS="};
    for (char** e = environ; *e; ++e) {
        bool replaced = false;
        for (const char* prefix : ours) replaced |= std::string_view(*e).starts_with(prefix);
        if (!replaced) launch.environment.push_back(*e);
    }
    launch.environment.push_back("NVTX_INJECTION64_PATH=" + *library);
    launch.environment.push_back("KS_PROFILE_DIR=" + spool);
    launch.environment.push_back("KS_CAPTURE_LIBRARY=" + *library);
    const int64_t originUnix = realtimeNowNs();
    const auto cudaLibrary = findCudaInjectionLibrary(*library);
    if (o.gpu && cudaLibrary) {
        launch.environment.push_back("CUDA_INJECTION64_PATH=" + *cudaLibrary);
        launch.environment.push_back("KS_PROFILE_ORIGIN_UNIX_NS=" + std::to_string(originUnix));
    }
    const bool tsc = invariantTsc();
    if (tsc) launch.environment.push_back("KS_PROFILE_CLOCK=tsc");
    launch.durationSeconds = o.duration;

    const uint64_t tscStart = readTsc();
    const int64_t originMono = monotonicNowNs();
    std::string error;
    auto child = ChildProcess::start(launch, error);
    if (!child) {
        removeScratch();
        std::fprintf(stderr, "kernscope-cli record: cannot run %s\n", error.c_str());
        return 127;
    }
    const ChildResult end = child->wait();
    const uint64_t tscEnd = readTsc();
    const int64_t rawEnd = monotonicNowNs();
    const SpoolClock clock =
        tsc ? SpoolClock::fromPairs(originMono, tscStart, originMono, tscEnd, rawEnd)
            : SpoolClock{originMono};

    data::Run run;
    if (perf) {
        Samples s = convertPerfData(*perf, work, originMono, periodNs);
        if (!s.problem.empty()) status.push_back(s.problem);
        run = std::move(s.run);
    }
    const data::ProcessTable perfProcesses = run.processes;
    run.processes = {};
    auto spooled = readSpool(spool, clock, end.endMonoNs - originMono, run);
    if (!spooled) status.push_back("NVTX ranges unavailable: " + spooled.error().message);
    mergeProcesses(run, perfProcesses);
    const SpoolStats stats = spooled ? spooled.value() : SpoolStats{};
    const GpuMerge gpu = mergeGpuParts(spool, run);
    for (auto& line : gpuStatus(o, cudaLibrary.has_value(), gpu)) status.push_back(line);
    if (gpu.processes > 0) run.info.backend = "cuda";

    int exitCode = 0;
    const std::string how = describeEnd(end, o, exitCode);
    status.insert(status.begin(), how);

    run.info.producer = "kernscope-cli record --";
    run.info.created_utc = utcNow();
    run.info.origin_unix_ns = originUnix;
    run.info.clock_domain = "monotonic_raw";
    if (gpu.processes == 0) run.info.backend = "cpu";
    std::string commandLine;
    for (const auto& a : o.command) commandLine += (commandLine.empty() ? "" : " ") + a;
    run.info.command_line = commandLine;
    run.info.model = "program " + fs::path(o.command[0]).filename().string();
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) run.info.hostname = host;
    run.info.cpu_model = engine::cpuModelName();
    run.info.exit_status = how;
    run.info.exit_code = exitCode;
    run.info.wall_ns = end.endMonoNs - originMono;
    run.info.notes = "profiled with kernscope-cli record -- " + commandLine;
    run.collector.dropped_records += stats.dropped + stats.damaged; // GPU parts added theirs
    run.collector.unmatched_markers = stats.unmatched;
    std::string joined;
    for (const auto& s : status) joined += (joined.empty() ? "" : "; ") + s;
    run.collector.status = joined;

    const auto written = data::writeRun(run, o.output);
    removeScratch();
    if (!written) {
        std::fprintf(stderr, "kernscope-cli record: %s\n", written.message().c_str());
        return 2;
    }
    std::fprintf(stderr,
                 "kernscope-cli record: %s; %.2f s, %zu NVTX ranges, %zu CPU samples, %zu "
                 "tensors, %llu records dropped -> %s\n",
                 joined.c_str(), double(run.info.wall_ns) / 1e9, run.ranges.size(),
                 run.samples.size(), run.tensors.size(),
                 (unsigned long long)run.collector.dropped_records, o.output.c_str());
    return exitCode;
}

} // namespace ks::cli
