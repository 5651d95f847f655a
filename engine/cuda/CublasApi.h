#pragma once
// cuBLAS, opened with dlopen the first time the CUDA backend is created. Loading libcublasLt
// costs over a second per process; linking it would charge that to every kernscope-cli run,
// GPU or not.
#include <cublas_v2.h>
#include <string>

namespace ks::engine::cuda {

struct CublasApi {
    decltype(&cublasCreate_v2) create = nullptr;
    decltype(&cublasDestroy_v2) destroy = nullptr;
    decltype(&cublasSetStream_v2) setStream = nullptr;
    decltype(&cublasSetMathMode) setMathMode = nullptr;
    decltype(&cublasSgemm_v2) sgemm = nullptr;
    decltype(&cublasDgemm_v2) dgemm = nullptr;
    decltype(&cublasSgemmStridedBatched) sgemmStrided = nullptr;
    decltype(&cublasDgemmStridedBatched) dgemmStrided = nullptr;
    decltype(&cublasGetStatusName) statusName = nullptr;
    decltype(&cublasGetStatusString) statusString = nullptr;

    // The loaded API, or null with the reason (library or symbol not found).
    static const CublasApi* get(std::string* error);
};

} // namespace ks::engine::cuda
