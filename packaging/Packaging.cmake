# Install rules and the Debian package (CPack DEB), included by the top-level CMakeLists.txt after
# the targets exist. Man pages and bash completion are made at build time from the programs' own
# --help (packaging/helpdoc.py), the PNG icons from the SVG (packaging/tools/RenderIcon.cpp), so
# none of them can drift from what they describe.
#
#   cmake --build build && (cd build && cpack)      ->  build/kernscope_<version>_<arch>.deb
#   packaging/dev.sh package                         ->  the same, then lintian
include(GNUInstallDirs)

set(KS_APP_ID io.github.kernscope.Kernscope)
set(KS_GEN_DIR ${PROJECT_BINARY_DIR}/packaging)
# KS_INSTALL_PRIVATE_LIBDIR: set in the top-level CMakeLists.txt (kernscope-cli needs it too).
# Debian's python3 imports pure modules from /usr/lib/python3/dist-packages.
set(KS_INSTALL_PYTHONDIR lib/python3/dist-packages)
set(KS_INSTALL_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/kernscope)
if(EXISTS /usr/bin/python3)
    set(KS_HELPDOC_PYTHON /usr/bin/python3)
else()
    find_program(KS_HELPDOC_PYTHON python3 REQUIRED)
endif()
set(KS_HELPDOC ${PROJECT_SOURCE_DIR}/packaging/helpdoc.py)

# ---------------------------------------------------------------------------------- programs
install(TARGETS kernscope-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET kernscope)
    install(TARGETS kernscope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The injection library that `kernscope-cli record -- CMD` loads into the profiled program, and
# the header programs include to name their own tensors and ranges.
foreach(lib kernscope-inject kernscope-inject-cuda)
    if(TARGET ${lib})
        install(TARGETS ${lib} LIBRARY DESTINATION ${KS_INSTALL_PRIVATE_LIBDIR}
                RUNTIME DESTINATION ${KS_INSTALL_PRIVATE_LIBDIR})
    endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/cupti_collector/include/kernscope)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/cupti_collector/include/kernscope
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/python/kernscope_ref.py
        DESTINATION ${KS_INSTALL_PYTHONDIR})

# ------------------------------------------------------- man pages and completion from --help
set(KS_MAN_DIR ${KS_GEN_DIR}/man)
set(KS_COMPLETION_DIR ${KS_GEN_DIR}/completion)
set(KS_GENERATED_FILES)

# ks_help_docs(PROGRAM SUMMARY SEE_ALSO [COMMANDS]): PROGRAM.1.gz and its bash completion.
function(ks_help_docs program summary see_also)
    set(commands_flag)
    if(ARGN STREQUAL "COMMANDS")
        set(commands_flag --commands)
    endif()
    set(man ${KS_MAN_DIR}/${program}.1.gz)
    set(completion ${KS_COMPLETION_DIR}/${program})
    add_custom_command(
        OUTPUT ${man} ${completion}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${KS_MAN_DIR} ${KS_COMPLETION_DIR}
        COMMAND ${KS_HELPDOC_PYTHON} ${KS_HELPDOC} man --binary $<TARGET_FILE:${program}>
                --name ${program} --version ${PROJECT_VERSION} --summary ${summary}
                --see-also ${see_also} --out ${man} ${commands_flag}
        COMMAND ${KS_HELPDOC_PYTHON} ${KS_HELPDOC} bash --binary $<TARGET_FILE:${program}>
                --name ${program} --out ${completion} ${commands_flag}
        DEPENDS ${program} ${KS_HELPDOC}
        COMMENT "Man page and bash completion of ${program} from its --help"
        VERBATIM)
    install(FILES ${man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install(FILES ${completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
    set(KS_GENERATED_FILES ${KS_GENERATED_FILES} ${man} ${completion} PARENT_SCOPE)
endfunction()

ks_help_docs(kernscope-cli
             "record, inspect, compare and convert Kernscope runs without a window"
             "kernscope(1)" COMMANDS)
if(TARGET kernscope)
    ks_help_docs(kernscope "GPU/CPU profiler and numerical diff viewer for machine-learning code"
                 "kernscope-cli(1)")
endif()

# ------------------------------------------------------------------------- desktop integration
if(TARGET kernscope)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/${KS_APP_ID}.desktop
            DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/${KS_APP_ID}.metainfo.xml
            DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/kernscope-mime.xml
            DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages RENAME kernscope.xml)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/kernscope.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
            RENAME ${KS_APP_ID}.svg)

    # PNG icons of the usual hicolor sizes, rendered from the SVG.
    set(KS_ICON_SIZES 16 22 24 32 48 64 128 256)
    set(KS_ICON_DIR ${KS_GEN_DIR}/icons)
    add_executable(ks-render-icon ${PROJECT_SOURCE_DIR}/packaging/tools/RenderIcon.cpp)
    target_link_libraries(ks-render-icon PRIVATE Qt6::Gui Qt6::Svg)
    set(KS_ICON_FILES)
    foreach(size ${KS_ICON_SIZES})
        list(APPEND KS_ICON_FILES ${KS_ICON_DIR}/${size}x${size}/apps/${KS_APP_ID}.png)
    endforeach()
    add_custom_command(
        OUTPUT ${KS_ICON_FILES}
        COMMAND ks-render-icon ${PROJECT_SOURCE_DIR}/resources/icons/kernscope.svg ${KS_ICON_DIR}
                ${KS_APP_ID} ${KS_ICON_SIZES}
        DEPENDS ks-render-icon ${PROJECT_SOURCE_DIR}/resources/icons/kernscope.svg
        COMMENT "Application icons from resources/icons/kernscope.svg"
        VERBATIM)
    list(APPEND KS_GENERATED_FILES ${KS_ICON_FILES})
    install(DIRECTORY ${KS_ICON_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor)
endif()

# ------------------------------------------------------------------------------ documentation
# Debian wants the copyright file as it is and a changelog in its own format, gzip -9n.
string(TIMESTAMP KS_CHANGELOG_DATE "%a, %d %b %Y 00:00:00 +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in ${KS_GEN_DIR}/changelog @ONLY)
add_custom_command(
    OUTPUT ${KS_GEN_DIR}/changelog.gz
    COMMAND ${KS_HELPDOC_PYTHON} ${KS_HELPDOC} gzip ${KS_GEN_DIR}/changelog
            ${KS_GEN_DIR}/changelog.gz
    DEPENDS ${KS_GEN_DIR}/changelog ${KS_HELPDOC}
    VERBATIM)
list(APPEND KS_GENERATED_FILES ${KS_GEN_DIR}/changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright ${KS_GEN_DIR}/changelog.gz
        DESTINATION ${KS_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/data/RUNFILE.md
        DESTINATION ${KS_INSTALL_DOCDIR})

add_custom_target(ks_package_files ALL DEPENDS ${KS_GENERATED_FILES})

# ------------------------------------------------------------------------------- CPack (DEB)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kernscope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The Kernscope developers")
set(CPACK_PACKAGE_CONTACT "The Kernscope developers <kernscope@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "GPU/CPU profiler and numerical diff viewer for machine-learning code")
# The extended description (CPack puts the summary above it as the synopsis).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Kernscope answers two questions about a training or inference run in one
window: where does the time go, and is it numerically right?
.
It records runs with an embedded engine (CPU, or CUDA when a GPU and the
CUDA libraries are present) or imports other tools' profiles, keeps each run
in one HDF5 file (*.ksr.h5), and shows timelines of kernels, copies, API
calls and CPU ranges, nsys-style kernel statistics, CPU flame graphs and
error heatmaps of tensors against NumPy/PyTorch references.
.
This package contains the window (kernscope), the command line
(kernscope-cli), the Python helper module kernscope_ref and the desktop
integration. CUDA is not required; it is used when installed.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/kernscope/kernscope")
# Depends come from what the binaries link (dpkg-shlibdeps). CUDA libraries installed outside
# dpkg (NVIDIA's toolkit in /usr/local/cuda) carry no dependency information and stay out.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-numpy, python3-h5py")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch, linux-perf")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_THREADS 0)
include(CPack)
