/* kernscope/capture.h: hand a tensor from your program to a Kernscope run.
 *
 * Under `kernscope-cli record -- PROGRAM`, ks_capture_tensor() copies the tensor into the run
 * (/tensors/<name>), where the Tensors page and `kernscope-cli compare` find it. Outside
 * Kernscope it does nothing and returns KS_CAPTURE_INACTIVE: ship it in production code.
 *
 * How it finds Kernscope: the recorder sets KS_CAPTURE_LIBRARY to its injection library
 * (libkernscope-inject.so). The first call looks up `kernscope_capture_tensor_v1` there (or in
 * the process, when the library is already loaded) and remembers the answer; later calls cost
 * one pointer test when inactive. Header-only, C99 or C++, needs only <dlfcn.h> (glibc >= 2.34
 * has dlopen in libc; older ones link -ldl).
 *
 * Rust (FFI) and Python (ctypes) call the exported symbol directly:
 *   lib = ctypes.CDLL(os.environ["KS_CAPTURE_LIBRARY"])   # absent: not under Kernscope
 *   lib.kernscope_capture_tensor_v1(name, dtype, ndim, shape, strides, data, step, role)
 * with the same arguments as ks_capture_tensor below.
 *
 * The call is synchronous: the bytes are copied (gathered through `strides`) into a file in the
 * recorder's spool folder before it returns, so the buffer may be reused at once. It is
 * thread-safe. Return: 0 captured, KS_CAPTURE_INACTIVE, or a negative KS_CAPTURE_E_* error.
 */
#ifndef KERNSCOPE_CAPTURE_H
#define KERNSCOPE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <dlfcn.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types (values are part of the ABI). */
typedef enum ks_dtype {
    KS_F16 = 0, KS_BF16 = 1, KS_F32 = 2, KS_F64 = 3,
    KS_I8 = 4, KS_I16 = 5, KS_I32 = 6, KS_I64 = 7,
    KS_U8 = 8, KS_U16 = 9, KS_U32 = 10, KS_U64 = 11, KS_BOOL = 12
} ks_dtype;

#define KS_CAPTURE_OK 0
#define KS_CAPTURE_INACTIVE 1       /* not running under kernscope-cli record */
#define KS_CAPTURE_E_ARGUMENT (-1)  /* null name/data, bad dtype, ndim > 32, negative size */
#define KS_CAPTURE_E_TOO_LARGE (-2) /* more than 2^40 bytes, or the spool limit is reached */
#define KS_CAPTURE_E_IO (-3)        /* the spool file could not be written */

/* name:    path below /tensors, e.g. "step0/fc1/output" ('/' separates groups)
 * shape:   ndim sizes (ndim 0 = a scalar; shape may then be NULL)
 * strides: ndim strides in ELEMENTS, or NULL for a C-contiguous tensor
 * step:    training step (attribute `step`); role: "input", "param", "output", "grad" or NULL */
typedef int (*ks_capture_tensor_fn)(const char* name, int dtype, int ndim, const int64_t* shape,
                                    const int64_t* strides, const void* data, int64_t step,
                                    const char* role);

/* Resolves the entry point once per translation unit; NULL when not under Kernscope. */
static inline ks_capture_tensor_fn ks_capture_resolve_(void) {
    static int resolved = 0;
    static ks_capture_tensor_fn fn = 0;
    if (!resolved) {
        const char* path = getenv("KS_CAPTURE_LIBRARY");
        if (path && *path) {
            void* lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
            if (lib) *(void**)(&fn) = dlsym(lib, "kernscope_capture_tensor_v1");
        }
        resolved = 1;
    }
    return fn;
}

static inline int ks_capture_tensor(const char* name, ks_dtype dtype, int ndim,
                                    const int64_t* shape, const int64_t* strides,
                                    const void* data, int64_t step, const char* role) {
    ks_capture_tensor_fn fn = ks_capture_resolve_();
    if (!fn) return KS_CAPTURE_INACTIVE;
    return fn(name, (int)dtype, ndim, shape, strides, data, step, role);
}

#ifdef __cplusplus
}
#endif

#endif /* KERNSCOPE_CAPTURE_H */
