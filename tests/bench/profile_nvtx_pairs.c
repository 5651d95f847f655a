/* NVTX push/pop cost: N pairs on one thread; prints the thread's CPU time per pair in ns
 * (CLOCK_THREAD_CPUTIME_ID, user + kernel: page faults on the spool count, time spent waiting for
 * a core on a busy machine does not). Built and run by bench_profile.sh with and without our
 * injection library. */
#include <nvtx3/nvToolsExt.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
    const long pairs = argc > 1 ? atol(argv[1]) : 1000000;
    nvtxRangePushA("warm-up"); /* loads the injection library (if any) outside the timing */
    nvtxRangePop();
    double best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
        const double t0 = now();
        for (long i = 0; i < pairs; ++i) {
            nvtxRangePushA("forward");
            nvtxRangePop();
        }
        const double ns = (now() - t0) / pairs;
        if (ns < best) best = ns;
    }
    printf("%.1f\n", best);
    return 0;
}
