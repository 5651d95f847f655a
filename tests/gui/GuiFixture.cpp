#include "GuiFixture.h"
#include "TestSupport.h"
#include "data/RunFile.h"
#include "data/SyntheticRun.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QThread>

#include <catch2/catch.hpp>

#include <unistd.h>

namespace ks::test {

void ensureApp() {
    if (QApplication::instance()) return;
    static int argc = 1;
    static char name[] = "test_gui";
    static char* argv[] = {name, nullptr};
    qputenv("QT_QPA_PLATFORM", "offscreen");
    // Each test process gets its own settings file: CTest runs test cases in parallel.
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                       QString::fromStdString(scratchDir("settings-" + std::to_string(getpid()))));
    // Never destroyed: a static QApplication is torn down after the platform plugin's own
    // statics, and shown widgets leave input devices whose destructors then crash at exit.
    static QApplication* app = new QApplication(argc, argv);
    (void)app;
    QApplication::setOrganizationName(QStringLiteral("KernscopeTests"));
    QApplication::setApplicationName(QStringLiteral("test_gui"));
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return done();
}

data::Run makeGuiRun(size_t kernels) {
    data::SyntheticOptions o;
    o.kernels = kernels;
    o.streams = 3;
    o.names = 12;
    o.memcpyEvery = 20;
    o.kernelsPerStep = 500;
    data::Run run = data::makeSyntheticRun(o);
    // H100-like properties so the occupancy column has numbers.
    run.devices.max_threads_per_sm[0] = 2048;
    run.devices.registers_per_sm[0] = 65536;
    run.devices.shared_memory_per_sm[0] = 233472;
    run.devices.cc_minor[0] = 0;
    // Sampled stacks on a second thread: main -> train -> {forward, backward}.
    const uint32_t worker = 2;
    run.nameThread(worker, "sampler");
    auto frame = [&](uint32_t parent, const char* name) {
        run.stacks.frame.push_back(run.strings.intern(name));
        run.stacks.parent.push_back(parent);
        return uint32_t(run.stacks.size() - 1);
    };
    const uint32_t mainF = frame(data::kNoParent, "main");
    const uint32_t train = frame(mainF, "train (libtrain.so)");
    const uint32_t fwd = frame(train, "forward (libtrain.so)");
    const uint32_t bwd = frame(train, "backward (libtrain.so)");
    for (int i = 0; i < 100; ++i) {
        run.samples.add(1000 + i * 1000, worker, i < 30 ? fwd : i < 90 ? bwd : train);
    }
    run.tensors.push_back(
        data::makeF32Tensor("step0/fc1/output", {4, 8}, std::vector<float>(32, 1.5f)));
    run.tensors.back().role = "output";
    run.tensors.back().op = "linear";
    run.tensors.push_back(data::makeF32Tensor("step0/fc2/output", {3}, {0.0f, 0.0f, 1.0f}));
    run.tensors.back().role = "output";
    run.tensors.back().op = "linear";
    run.tensors.back().order = 1;
    return run;
}

std::string writeGuiRun(const std::string& dir, size_t kernels) {
    const std::string path = dir + "/fixture.ksr.h5";
    const auto status = data::writeRun(makeGuiRun(kernels), path);
    REQUIRE(status.ok());
    return path;
}

} // namespace ks::test
