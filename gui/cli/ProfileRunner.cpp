#include "ProfileRunner.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace ks::cli {
namespace {

volatile sig_atomic_t g_recorderSignal = 0;

void onRecorderSignal(int signal) {
    g_recorderSignal = signal;
}

std::vector<char*> cStrings(const std::vector<std::string>& items) {
    std::vector<char*> out;
    for (const auto& s : items) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// In the child, after fork: only async-signal-safe calls.
void redirect(const char* path, int fd) {
    if (!path || !*path) return;
    const int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f >= 0 && f != fd) {
        dup2(f, fd);
        close(f);
    }
}

void sleepMs(int ms) {
    timespec ts{ms / 1000, long(ms % 1000) * 1'000'000};
    nanosleep(&ts, nullptr);
}

} // namespace

int64_t monotonicNowNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t realtimeNowNs() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string signalName(int signal) {
    const char* abbrev = sigabbrev_np(signal);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::optional<std::string> findExecutable(const std::string& program, const std::string& path) {
    auto runnable = [](const std::string& p) {
        struct stat st;
        return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (program.empty()) return std::nullopt;
    if (program.find('/') != std::string::npos)
        return runnable(program) ? std::optional<std::string>(program) : std::nullopt;
    for (size_t pos = 0; pos <= path.size();) {
        size_t colon = path.find(':', pos);
        if (colon == std::string::npos) colon = path.size();
        std::string dir = path.substr(pos, colon - pos);
        if (dir.empty()) dir = ".";
        const std::string candidate = dir + "/" + program;
        if (runnable(candidate)) return candidate;
        pos = colon + 1;
    }
    return std::nullopt;
}

std::optional<ChildProcess> ChildProcess::start(const LaunchOptions& options, std::string& error) {
    if (options.argv.empty()) {
        error = "no command";
        return std::nullopt;
    }
    struct sigaction sa {};
    sa.sa_handler = onRecorderSignal;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);
    g_recorderSignal = 0;

    auto argv = cStrings(options.argv);
    auto envp = cStrings(options.environment);
    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return std::nullopt;
    }
    ChildProcess child;
    child.m_duration = options.durationSeconds;
    child.m_startMonoNs = monotonicNowNs();
    const pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        close(pipeFds[0]);
        close(pipeFds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        setpgid(0, 0);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &dfl, nullptr);
        redirect(options.stdoutPath.c_str(), 1);
        redirect(options.stderrPath.c_str(), 2);
        int err = 0;
        if (!options.workingDirectory.empty() && chdir(options.workingDirectory.c_str()) != 0)
            err = errno;
        else {
            execve(argv[0], argv.data(), envp.data());
            err = errno;
        }
        (void)!write(pipeFds[1], &err, sizeof err);
        _exit(127);
    }
    setpgid(pid, pid); // also from here, so the group exists before any signal is sent
    close(pipeFds[1]);
    int err = 0;
    const ssize_t n = read(pipeFds[0], &err, sizeof err);
    close(pipeFds[0]);
    if (n == sizeof err) {
        waitpid(pid, nullptr, 0);
        error = options.argv[0] + ": " + std::strerror(err);
        return std::nullopt;
    }
    child.m_pid = pid;
    return child;
}

ChildResult ChildProcess::wait() {
    ChildResult result;
    int64_t stopAt = -1; // when we sent SIGINT
    int escalation = 0;
    for (;;) {
        int status = 0;
        const pid_t got = waitpid(m_pid, &status, WNOHANG);
        if (got == m_pid) {
            result.endMonoNs = monotonicNowNs();
            result.exited = WIFEXITED(status);
            result.exitCode = result.exited ? WEXITSTATUS(status) : 0;
            result.termSignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
            break;
        }
        if (got < 0 && errno != EINTR) {
            result.endMonoNs = monotonicNowNs();
            result.exited = true;
            result.exitCode = 127;
            break;
        }
        const int64_t now = monotonicNowNs();
        if (stopAt < 0) {
            if (g_recorderSignal) {
                result.stoppedBy = StopReason::Signal;
                result.recorderSignal = g_recorderSignal;
            } else if (m_duration && double(now - m_startMonoNs) >= *m_duration * 1e9) {
                result.stoppedBy = StopReason::Duration;
            }
            if (result.stoppedBy != StopReason::None) {
                kill(-m_pid, SIGINT);
                stopAt = now;
            }
        } else if (escalation == 0 && now - stopAt > 3'000'000'000) {
            kill(-m_pid, SIGTERM);
            escalation = 1;
        } else if (escalation == 1 && now - stopAt > 6'000'000'000) {
            kill(-m_pid, SIGKILL);
            escalation = 2;
        }
        sleepMs(5);
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &dfl, nullptr);
    return result;
}

int runToCompletion(const std::vector<std::string>& argv, const std::string& stdoutPath,
                    const std::string& stderrPath) {
    auto args = cStrings(argv);
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        redirect(stdoutPath.c_str(), 1);
        redirect(stderrPath.c_str(), 2);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

} // namespace ks::cli
