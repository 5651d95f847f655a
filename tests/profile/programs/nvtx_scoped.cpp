// A C++ program using the NVTX v3 C++ wrappers (nvtx3.hpp) for tests/profile: a custom domain
// "app" with scoped ranges step > forward/backward, a mark, then exits with the code given as
// its first argument (default 0) or crashes with SIGSEGV when the argument is "segv", or sleeps
// in a range "wait" for a minute when it is "sleep", or opens 100,000 ranges "loop" for "many".
#include <nvtx3/nvtx3.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

struct app_domain {
    static constexpr char const* name{"app"};
};

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "0";
    for (int step = 0; step < 3; ++step) {
        nvtx3::scoped_range_in<app_domain> s{"step"};
        { nvtx3::scoped_range_in<app_domain> f{"forward"}; }
        { nvtx3::scoped_range_in<app_domain> b{"backward"}; }
        nvtx3::mark_in<app_domain>("step-done");
    }
    nvtx3::scoped_range outer{"after"};
    if (std::strcmp(mode, "segv") == 0) {
        std::fflush(stdout);
        std::raise(SIGSEGV);
    }
    if (std::strcmp(mode, "many") == 0)
        for (int i = 0; i < 100000; ++i) nvtx3::scoped_range loop{"loop"};
    if (std::strcmp(mode, "sleep") == 0) {
        nvtx3::scoped_range wait{"wait"};
        std::this_thread::sleep_for(std::chrono::seconds(60));
    }
    return std::atoi(mode);
}
