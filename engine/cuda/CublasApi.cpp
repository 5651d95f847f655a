#include "CublasApi.h"

#include <dlfcn.h>
#include <mutex>

namespace ks::engine::cuda {

const CublasApi* CublasApi::get(std::string* error) {
    static CublasApi api;
    static std::string loadError;
    static std::once_flag once;
    std::call_once(once, [] {
        const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
        // The executable's RUNPATH (it links cudart from the same folder), then the toolkit's.
        void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
#ifdef KS_CUDA_LIBRARY_DIR
        if (!lib)
            lib = dlopen((std::string(KS_CUDA_LIBRARY_DIR) + "/" + soname).c_str(),
                         RTLD_NOW | RTLD_LOCAL);
#endif
        if (!lib) {
            const char* why = dlerror();
            loadError = "dlopen " + soname + ": " + (why ? why : "not found");
            return;
        }
        bool ok = true;
        auto bind = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
            if (!fn && ok) {
                ok = false;
                loadError = soname + ": no symbol " + name;
            }
        };
        bind(api.create, "cublasCreate_v2");
        bind(api.destroy, "cublasDestroy_v2");
        bind(api.setStream, "cublasSetStream_v2");
        bind(api.setMathMode, "cublasSetMathMode");
        bind(api.sgemm, "cublasSgemm_v2");
        bind(api.statusName, "cublasGetStatusName");
        bind(api.statusString, "cublasGetStatusString");
        if (!ok) api = CublasApi{};
    });
    if (!api.create) {
        if (error) *error = loadError;
        return nullptr;
    }
    return &api;
}

} // namespace ks::engine::cuda
