/* Records three tensors through kernscope/capture.h: "x" (f32 2x3, contiguous), "w" (f64 3x2
 * given as the transpose view of a 2x3 array through strides) and "step1/ids" (i32, 5 elements,
 * step 1). Prints the return codes so the test can check them (0 under kernscope, 1 outside). */
#include <kernscope/capture.h>

#include <stdio.h>

int main(void) {
    float x[6] = {0.5f, -1.25f, 2.0f, 3.5f, -4.0f, 1e-3f};
    double base[6] = {1, 2, 3, 4, 5, 6}; /* 2x3; w = base^T (3x2) */
    int32_t ids[5] = {7, -3, 0, 42, 1000000};
    const int64_t xs[2] = {2, 3}, ws[2] = {3, 2}, wstrides[2] = {1, 3}, is[1] = {5};
    int a = ks_capture_tensor("x", KS_F32, 2, xs, NULL, x, 0, "input");
    int b = ks_capture_tensor("w", KS_F64, 2, ws, wstrides, base, 0, "param");
    int c = ks_capture_tensor("step1/ids", KS_I32, 1, is, NULL, ids, 1, "output");
    int bad = ks_capture_tensor("bad", (ks_dtype)99, 1, is, NULL, ids, 0, NULL);
    printf("capture %d %d %d bad %d\n", a, b, c, bad);
    return 0;
}
