"""NumPy work for tests/profile: two threads multiply matrices for about a second; prints its
pid and thread ids so the test can check the samples' attribution."""
import os
import threading

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def work(seconds_of_work):
    a = np.random.default_rng(1).random((300, 300))
    for _ in range(seconds_of_work):
        a = (a @ a) / 300.0


def main():
    print("pid", os.getpid(), flush=True)
    t = threading.Thread(target=work, args=(120,), name="matmul")
    t.start()
    work(120)
    t.join()
    print("tids", threading.get_native_id(), t.native_id, flush=True)


if __name__ == "__main__":
    main()
