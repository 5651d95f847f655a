"""The timing loop of the PyTorch side of the engine benchmarks (bench_engine_torch.py,
bench_engine_transformer_torch.py): the same as bench_engine_timing.h on the engine side."""
import time


def best_median_ms(step, warmup, steps, rounds):
    """(wall, cpu): the lowest over `rounds` rounds of the median ms of `steps` timed calls
    step(i), each round after `warmup` untimed calls; cpu is the process's CPU time (all
    threads), the steadier measure of a one-thread run on a busy machine."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        for i in range(warmup):
            step(i)
        wall, cpu = [], []
        for i in range(steps):
            t0, c0 = time.perf_counter(), time.process_time()
            step(i)
            cpu.append((time.process_time() - c0) * 1e3)
            wall.append((time.perf_counter() - t0) * 1e3)
        wall.sort()
        cpu.sort()
        best_wall = min(best_wall, wall[len(wall) // 2])
        best_cpu = min(best_cpu, cpu[len(cpu) // 2])
    return best_wall, best_cpu
