#pragma once
// Images drawn by kernscope-cli (flame graphs) need a QGuiApplication; without a display the
// renderer works offscreen. Only with the renderer (KS_BUILD_GUI=ON).
#ifdef KS_HAVE_RENDER
#include <QGuiApplication>

#include <cstdlib>
#include <memory>

namespace ks::cli {

// The application for rendering, or nullptr when one already exists.
inline std::unique_ptr<QGuiApplication> renderApplication() {
    if (QCoreApplication::instance()) return nullptr;
    if (!std::getenv("QT_QPA_PLATFORM") && !std::getenv("DISPLAY") &&
        !std::getenv("WAYLAND_DISPLAY"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static int argc = 1;
    static char name[] = "kernscope-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QGuiApplication>(argc, argv);
}

} // namespace ks::cli
#endif
