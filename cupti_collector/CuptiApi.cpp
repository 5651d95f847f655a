#include "cupti_collector/CuptiApi.h"

#include "data/RuntimeLibrary.h"

#include <cstdlib>
#include <mutex>
#include <vector>

namespace ks::cupti {

namespace {

// Where a toolkit keeps CUPTI: lib64 next to the runtime, or extras/CUPTI/lib64 in older layouts.
void addToolkitFolders(std::vector<std::string>& folders, const std::string& root) {
    folders.push_back(root + "/lib64");
    folders.push_back(root + "/extras/CUPTI/lib64");
}

std::vector<std::string> cuptiFolders() {
    std::vector<std::string> folders;
    if (const char* home = std::getenv("CUDA_HOME"); home && *home)
        addToolkitFolders(folders, home);
    addToolkitFolders(folders, "/usr/local/cuda");
#ifdef KS_CUPTI_LIBRARY_DIR
    folders.push_back(KS_CUPTI_LIBRARY_DIR); // the toolkit this was built with
#endif
    return folders;
}

} // namespace

const CuptiApi* CuptiApi::get(std::string* error) {
    static CuptiApi api;
    static std::string loadError;
    static std::once_flag once;
    std::call_once(once, [] {
        // CUPTI's soname carries the CUDA major version it was built for.
        const std::string soname = "libcupti.so." + std::to_string(CUDA_VERSION / 1000);
        std::string why;
        void* library = data::openRuntimeLibrary({soname, "libcupti.so"}, cuptiFolders(), &why);
        if (!library) {
            loadError = "libcupti not found (" + why + ")";
            return;
        }
        data::SymbolBinder binder(library, soname);
        binder.bind(api.getResultString, "cuptiGetResultString");
        binder.bind(api.setThreadIdType, "cuptiSetThreadIdType");
        binder.bind(api.activityRegisterCallbacks, "cuptiActivityRegisterCallbacks");
        binder.bind(api.activityEnable, "cuptiActivityEnable");
        binder.bind(api.activityDisable, "cuptiActivityDisable");
        binder.bind(api.activityFlushAll, "cuptiActivityFlushAll");
        binder.bind(api.activityGetNumDroppedRecords, "cuptiActivityGetNumDroppedRecords");
        binder.bind(api.activityGetNextRecord, "cuptiActivityGetNextRecord");
        binder.bind(api.getTimestamp, "cuptiGetTimestamp");
        binder.bind(api.getCallbackName, "cuptiGetCallbackName");
        if (!binder.ok()) {
            api = CuptiApi{};
            loadError = "libcupti unusable (" + binder.error() + ")";
        }
    });
    if (!api.activityEnable) {
        if (error) *error = loadError;
        return nullptr;
    }
    return &api;
}

} // namespace ks::cupti
