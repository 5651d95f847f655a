/* A C program with NVTX v3 ranges for tests/profile: prints "tid NAME ID" lines so the test
 * knows which thread id to expect where, then:
 *   main thread "main-thread": range "main" > "setup" (+ mark "ready"), a domain "io" range
 *   "io::load" with category 7 named "disk" and a registered string message, the hot function
 *   "hot" (a CPU-bound loop of ~0.4 s), a start/end range "async" ended on a worker;
 *   two workers "worker-0"/"worker-1": "work" > "inner", each with a mark "tick";
 *   a forked child: "child" > "child-inner". */
#include <nvtx3/nvToolsExt.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static nvtxRangeId_t g_async;

static unsigned tid(void) { return (unsigned)syscall(SYS_gettid); }

__attribute__((noinline)) static double hot_loop(long n) {
    volatile double acc = 0;
    for (long i = 0; i < n; ++i) acc += (double)(i % 7) * 0.5;
    return acc;
}

static void* worker(void* arg) {
    int index = (int)(intptr_t)arg;
    char name[32];
    snprintf(name, sizeof name, "worker-%d", index);
    nvtxNameOsThreadA(tid(), name);
    printf("tid %s %u\n", name, tid());
    fflush(stdout);
    nvtxRangePushA("work");
    nvtxRangePushA("inner");
    hot_loop(2000000);
    nvtxMarkA("tick");
    nvtxRangePop();
    nvtxRangePop();
    if (index == 1) nvtxRangeEnd(g_async);
    return NULL;
}

int main(void) {
    nvtxNameOsThreadA(tid(), "main-thread");
    printf("tid main %u\npid main %d\n", tid(), (int)getpid());
    fflush(stdout);
    nvtxRangePushA("main");
    nvtxRangePushA("setup");
    nvtxMarkA("ready");
    nvtxRangePop();

    nvtxDomainHandle_t io = nvtxDomainCreateA("io");
    nvtxDomainNameCategoryA(io, 7, "disk");
    nvtxStringHandle_t load = nvtxDomainRegisterStringA(io, "load");
    nvtxEventAttributes_t attr = {0};
    attr.version = NVTX_VERSION;
    attr.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    attr.category = 7;
    attr.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
    attr.message.registered = load;
    nvtxDomainRangePushEx(io, &attr);
    hot_loop(1000000);
    nvtxDomainRangePop(io);

    g_async = nvtxRangeStartA("async");
    pthread_t t[2];
    for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i);
    for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);

    nvtxRangePushA("hot");
    double r = hot_loop(150000000);
    nvtxRangePop();

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        printf("tid child %u\npid child %d\n", tid(), (int)getpid());
        fflush(stdout);
        nvtxRangePushA("child");
        nvtxRangePushA("child-inner");
        hot_loop(3000000);
        nvtxRangePop();
        nvtxRangePop();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    nvtxRangePop(); /* main */
    return r < 0 ? 3 : 0;
}
