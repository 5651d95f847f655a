#pragma once
// Optional vendor libraries (CUPTI, cuBLAS) opened with dlopen when first needed, so that no
// Kernscope binary names them in DT_NEEDED: the binaries start on machines without CUDA and use it
// when present. A library once opened stays loaded for the life of the process.
#include <string>
#include <type_traits>
#include <vector>

namespace ks::data {

// The first of `names` that loads, each tried through ld.so's own search (LD_LIBRARY_PATH,
// RUNPATH, ld.so.cache) and then in each of `folders`; names come first so a versioned soname
// wins over an unversioned one found earlier on the path. Null with `error` saying what was tried.
void* openRuntimeLibrary(const std::vector<std::string>& names,
                         const std::vector<std::string>& folders, std::string* error);

// Resolves function pointers from an opened library, remembering the first missing symbol.
class SymbolBinder {
public:
    SymbolBinder(void* library, std::string libraryName)
        : m_library(library), m_libraryName(std::move(libraryName)) {}

    template <class Fn> void bind(Fn& fn, const char* name) {
        static_assert(std::is_pointer_v<Fn>);
        fn = reinterpret_cast<Fn>(symbol(name));
    }
    bool ok() const { return m_error.empty(); }
    // "<library>: no symbol <name>" for the first symbol not found.
    const std::string& error() const { return m_error; }

private:
    void* symbol(const char* name);

    void* m_library;
    std::string m_libraryName;
    std::string m_error;
};

} // namespace ks::data
