/* A CPU-bound program for the sampling-overhead benchmark: a fixed amount of arithmetic on two
 * threads; prints the wall seconds its own work took (CLOCK_MONOTONIC, so perf's start-up is not
 * counted) and the process's CPU seconds (user + kernel, which includes the sampling interrupts,
 * and is steady on a busy machine where wall time is not). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long g_iterations;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) static double spin(long n) {
    volatile double acc = 0;
    for (long i = 0; i < n; ++i) acc += (double)(i % 13) * 0.25;
    return acc;
}

static void* worker(void* arg) {
    (void)arg;
    spin(g_iterations);
    return NULL;
}

int main(int argc, char** argv) {
    g_iterations = argc > 1 ? atol(argv[1]) : 400000000;
    const double t0 = now();
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    spin(g_iterations);
    pthread_join(t, NULL);
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("%.4f %.4f\n", now() - t0, cpu.tv_sec + cpu.tv_nsec * 1e-9);
    return 0;
}
