#include "CublasApi.h"

#include "data/RuntimeLibrary.h"

#include <mutex>

namespace ks::engine::cuda {

const CublasApi* CublasApi::get(std::string* error) {
    static CublasApi api;
    static std::string loadError;
    static std::once_flag once;
    std::call_once(once, [] {
        const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
        // The executable's RUNPATH (it links cudart from the same folder), then the toolkit's.
        std::vector<std::string> folders;
#ifdef KS_CUDA_LIBRARY_DIR
        folders.push_back(KS_CUDA_LIBRARY_DIR);
#endif
        void* library = data::openRuntimeLibrary({soname}, folders, &loadError);
        if (!library) return;
        data::SymbolBinder symbols(library, soname);
        CublasApi loaded;
        symbols.bind(loaded.create, "cublasCreate_v2");
        symbols.bind(loaded.destroy, "cublasDestroy_v2");
        symbols.bind(loaded.setStream, "cublasSetStream_v2");
        symbols.bind(loaded.setMathMode, "cublasSetMathMode");
        symbols.bind(loaded.sgemm, "cublasSgemm_v2");
        symbols.bind(loaded.dgemm, "cublasDgemm_v2");
        symbols.bind(loaded.sgemmStrided, "cublasSgemmStridedBatched");
        symbols.bind(loaded.dgemmStrided, "cublasDgemmStridedBatched");
        symbols.bind(loaded.statusName, "cublasGetStatusName");
        symbols.bind(loaded.statusString, "cublasGetStatusString");
        if (symbols.ok())
            api = loaded;
        else
            loadError = symbols.error();
    });
    if (!api.create) {
        if (error) *error = loadError;
        return nullptr;
    }
    return &api;
}

} // namespace ks::engine::cuda
