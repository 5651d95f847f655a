#include "data/RuntimeLibrary.h"

#include <dlfcn.h>

namespace ks::data {

namespace {

void* tryOpen(const std::string& path, std::string* why) {
    dlerror(); // clear a stale message
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library && why->empty()) {
        const char* text = dlerror();
        *why = text ? text : path + ": not found";
    }
    return library;
}

} // namespace

void* openRuntimeLibrary(const std::vector<std::string>& names,
                         const std::vector<std::string>& folders, std::string* error) {
    std::string firstFailure; // ld.so's own message for the first name: the one worth reading
    for (const std::string& name : names) {
        if (void* library = tryOpen(name, &firstFailure)) return library;
        for (const std::string& folder : folders)
            if (!folder.empty())
                if (void* library = tryOpen(folder + "/" + name, &firstFailure)) return library;
    }
    if (error) {
        *error = firstFailure;
        std::string searched;
        for (const std::string& folder : folders)
            if (!folder.empty()) searched += (searched.empty() ? "" : ", ") + folder;
        if (!searched.empty()) *error += "; also looked in " + searched;
    }
    return nullptr;
}

void* SymbolBinder::symbol(const char* name) {
    void* address = m_library ? dlsym(m_library, name) : nullptr;
    if (!address && m_error.empty()) m_error = m_libraryName + ": no symbol " + name;
    return address;
}

} // namespace ks::data
