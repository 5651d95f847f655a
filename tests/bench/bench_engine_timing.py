"""The timing loop of the PyTorch side of the engine benchmarks (bench_engine_torch.py,
bench_engine_transformer_torch.py): the same as bench_engine_timing.h on the engine side."""
import time


def best_median_ms(step, warmup, steps, rounds):
    """The lowest over `rounds` rounds of the median ms of `steps` timed calls step(i), each round
    after `warmup` untimed calls."""
    best = float("inf")
    for _ in range(rounds):
        for i in range(warmup):
            step(i)
        times = []
        for i in range(steps):
            t0 = time.perf_counter()
            step(i)
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        best = min(best, times[len(times) // 2])
    return best
