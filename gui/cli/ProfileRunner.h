#pragma once
// Runs the profiled command for `record -- CMD`: in its own process group (so one signal stops
// the program, its children and perf together), with a prepared environment, and waits for it
// while honouring --duration and the recorder's own SIGINT/SIGTERM/SIGHUP.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ks::cli {

// The path execvp would run for `program` (searched in PATH when it has no '/'), or nullopt.
std::optional<std::string> findExecutable(const std::string& program, const std::string& path);

enum class StopReason { None, Duration, Signal };

struct ChildResult {
    bool exited = false; // true: exitCode is valid; false: killed by termSignal
    int exitCode = 0;
    int termSignal = 0;
    StopReason stoppedBy = StopReason::None;
    int recorderSignal = 0; // the signal the recorder got, when stoppedBy == Signal
    int64_t endMonoNs = 0;
};

struct LaunchOptions {
    std::vector<std::string> argv;        // argv[0] is an executable path
    std::vector<std::string> environment; // "NAME=value"
    std::string workingDirectory;         // "" = current
    std::optional<double> durationSeconds;
    std::string stdoutPath, stderrPath; // "" = inherit; else redirected to these files
};

// Starts the command; errors (cannot fork, cannot exec) are returned as text.
class ChildProcess {
public:
    static std::optional<ChildProcess> start(const LaunchOptions& options, std::string& error);
    // Waits for the child. On --duration or a recorder signal: SIGINT to the group, SIGTERM after
    // 3 s, SIGKILL after 6 s.
    ChildResult wait();
    int pid() const { return m_pid; }

private:
    int m_pid = -1;
    std::optional<double> m_duration;
    int64_t m_startMonoNs = 0;
};

// Runs a helper command to completion (perf probe, perf script), output into files.
// Returns the wait status, or -1 when it could not be started.
int runToCompletion(const std::vector<std::string>& argv, const std::string& stdoutPath,
                    const std::string& stderrPath);

int64_t monotonicNowNs(); // CLOCK_MONOTONIC_RAW: the clock of perf -k monotonic_raw and the spool
int64_t realtimeNowNs();
std::string signalName(int signal); // "SIGSEGV"

} // namespace ks::cli
