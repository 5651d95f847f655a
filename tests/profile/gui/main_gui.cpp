// Catch2 main for the Profile Program… tests: the QApplication lives on main's stack, so it is
// destroyed before the static objects Qt's offscreen platform still refers to at exit.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    return Catch::Session().run(argc, argv);
}
