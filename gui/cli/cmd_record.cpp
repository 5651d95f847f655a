// kernscope-cli record: runs a model in the embedded engine and writes one run file with the
// trace (CPU ranges, CPU "kernels" or CUPTI GPU activity), loss/accuracy counters and tensors.
#include "Commands.h"
#include "GpuCollection.h"

#include "data/RunFile.h"
#include "data/reference/ReferenceReader.h"
#include "engine/Backend.h"
#include "engine/GradCheck.h"
#include "engine/Trainer.h"
#include "engine/Transformer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <unistd.h>

namespace ks::cli {
namespace {

using namespace ks::engine;

constexpr const char* kUsage =
    "usage: kernscope-cli record [--model linear-relu|mlp|transformer] [--layers 784,256,10]\n"
    "         [--vocab V] [--context T] [--width D] [--heads H] [--blocks L]\n"
    "         [--dtype fp32|fp16|bf16] [--loss-scale X|dynamic] [--weight-decay X]\n"
    "         [--backend auto|cpu|cuda] [--steps N] [--batch N] [--optimizer sgd|adam|adamw]\n"
    "         [--lr X] [--seed N] [--inputs FILE.npz|.safetensors|.h5] [--dump-steps 0,last]\n"
    "         [--gradcheck] [-o RUN.ksr.h5]\n"
    "\n"
    "Trains a model in the embedded engine and records a run file: CPU ranges (train > step N >\n"
    "forward/loss/backward/optimizer_step > layer), every op as a kernel (CPU backend) or the GPU\n"
    "activity (CUDA backend, via CUPTI), loss/accuracy counters and the tensors of the dumped\n"
    "steps (step{N}/{layer}/{output|weight|grad_weight|...}).\n"
    "Defaults: --model mlp --layers 784,256,10 (linear-relu: 784,256) --backend auto --steps 200\n"
    "(linear-relu: 1) --batch 128 --optimizer sgd (momentum 0.9) --lr 0.01 (adam: 0.001)\n"
    "--seed 1 --dump-steps 0,last -o run.ksr.h5\n"
    "--inputs: tensors x, y and optionally fc1.weight, fc1.bias, ... (PyTorch names/layout).\n"
    "Transformer (nanoGPT layout and names): defaults --vocab 256 --context 32 --width 64\n"
    "--heads 4 --blocks 2 --batch 8 --steps 20 --optimizer adamw (--weight-decay 0.1) --dtype\n"
    "fp32; fp16 uses dynamic loss scaling unless --loss-scale X. --inputs: idx, targets (int64\n"
    "[N, context]) and optionally transformer.wte.weight, ... lm_head.weight.\n"
    "--gradcheck: also checks every gradient of a small model against central differences and\n"
    "stores the pairs (mlp: 16-12-5 in float32 and float64; transformer: the engine's own\n"
    "forward/backward on the chosen backend, 2 blocks of width 8, in float64 where the backend\n"
    "has it, and float32).\n"
    "Test-only: --test-broken-backward (transformer: attention softmax backward skipped; mlp:\n"
    "ReLU backward mask taken from the gradient),\n"
    "--test-nan MODULE (a NaN written into that module's forward output).\n";

bool parseInt(const std::string& s, long long lo, long long hi, long long& out) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno || end == s.c_str() || *end || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool parseIntList(const std::string& s, std::vector<int>& out, bool allowLast) {
    out.clear();
    size_t pos = 0;
    while (pos <= s.size()) {
        const size_t comma = s.find(',', pos);
        const std::string item = s.substr(pos, comma == std::string::npos ? comma : comma - pos);
        long long v = 0;
        if (allowLast && item == "last")
            out.push_back(-1);
        else if (parseInt(item, 0, 1 << 20, v))
            out.push_back(int(v));
        else
            return false;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return !out.empty();
}

std::string utcNow() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Progress on stderr, shown only once the run has taken more than a second.
class Progress {
public:
    void update(int done, int total, double loss) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_start).count();
        if (elapsed < 1.0 || (done < total && now - m_last < std::chrono::milliseconds(100)))
            return;
        m_last = now;
        m_shown = true;
        constexpr int kWidth = 30;
        const int filled = int(double(done) / total * kWidth);
        std::fprintf(stderr, "\r[%s%s] %d/%d steps  loss %.4f  %.1f s",
                     std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                     done, total, loss, elapsed);
        std::fflush(stderr);
    }
    void finish() {
        if (m_shown) std::fprintf(stderr, "\n");
    }

private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last{};
    bool m_shown = false;
};

// The transformer's gradient check on the training backend: float64 where the backend has it,
// and float32; prints one line per mode and stores the pairs. False when a mode fails its bound.
bool runTransformerGradCheck(const TrainConfig& trained, Backend& backend, data::Run& run) {
    TrainConfig small = trained;
    small.vocab = 11;
    small.context = 5;
    small.width = 8;
    small.heads = 2;
    small.blocks = 2;
    small.batch = 2;
    bool ok = true;
    for (bool f64 : {false, true}) {
        if (f64 && !backend.ops64()) {
            std::printf("gradcheck float64: the %s backend has no float64 ops (skipped)\n",
                        backend.name().c_str());
            continue;
        }
        auto r = gradCheckTransformer(small, backend, f64);
        if (!r) {
            std::fprintf(stderr, "kernscope-cli record: gradcheck: %s\n",
                         r.error().message.c_str());
            return false;
        }
        addGradCheckTensors(r.value(), run, int64_t(run.tensors.size()));
        std::printf("gradcheck %s (transformer, %s): max abs diff %.3g, max rel diff %.3g over "
                    "%lld elements, h = %.3g: %s (goal < %.0e)\n",
                    f64 ? "float64" : "float32", backend.name().c_str(), r->maxAbs, r->maxRel,
                    (long long)r->checked, r->h, r->passed() ? "PASS" : "FAIL", r->goal());
        ok = ok && r->passed();
    }
    return ok;
}

} // namespace

int cmdRecord(const Args& args) {
    // `record [options] -- CMD` profiles any program instead (cmd_profile.cpp).
    if (std::find(args.begin(), args.end(), "--") != args.end()) return cmdProfile(args);
    TrainConfig cfg;
    std::string backendName = "auto", inputs, output = "run.ksr.h5";
    bool gradcheck = false, layersGiven = false, stepsGiven = false, batchGiven = false,
         optimizerGiven = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "kernscope-cli record: %s needs a value\n", a.c_str());
                return false;
            }
            out = args[++i];
            return true;
        };
        auto bad = [&](const std::string& v, const char* what) {
            std::fprintf(stderr, "kernscope-cli record: %s '%s': %s\n", a.c_str(), v.c_str(), what);
            return 2;
        };
        std::string v;
        long long n = 0;
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--gradcheck") {
            gradcheck = true;
        } else if (a == "--model") {
            if (!value(v)) return 2;
            if (v == "mlp")
                cfg.model = ModelKind::Mlp;
            else if (v == "linear-relu")
                cfg.model = ModelKind::LinearRelu;
            else if (v == "transformer")
                cfg.model = ModelKind::Transformer;
            else
                return bad(v, "expected linear-relu, mlp or transformer");
        } else if (a == "--vocab" || a == "--context" || a == "--width" || a == "--heads" ||
                   a == "--blocks") {
            if (!value(v)) return 2;
            if (!parseInt(v, 1, 1 << 20, n)) return bad(v, "expected a positive size");
            int& field = a == "--vocab"     ? cfg.vocab
                         : a == "--context" ? cfg.context
                         : a == "--width"   ? cfg.width
                         : a == "--heads"   ? cfg.heads
                                            : cfg.blocks;
            field = int(n);
        } else if (a == "--dtype") {
            if (!value(v)) return 2;
            const auto p = precisionFromName(v);
            if (!p) return bad(v, "expected fp32, fp16 or bf16");
            cfg.precision = *p;
        } else if (a == "--loss-scale") {
            if (!value(v)) return 2;
            char* end = nullptr;
            const double x = v == "dynamic" ? 0.0 : std::strtod(v.c_str(), &end);
            if (v != "dynamic" && (end == v.c_str() || *end || !(x >= 1 && x <= 1e30)))
                return bad(v, "expected a scale >= 1 or 'dynamic'");
            cfg.lossScale = float(x);
        } else if (a == "--weight-decay") {
            if (!value(v)) return 2;
            char* end = nullptr;
            const double x = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end || !(x >= 0 && x < 1e3))
                return bad(v, "expected a non-negative weight decay");
            cfg.weightDecay = float(x);
        } else if (a == "--test-broken-backward") {
            cfg.testBrokenBackward = true;
        } else if (a == "--test-nan") {
            if (!value(cfg.testNanModule)) return 2;
        } else if (a == "--layers") {
            if (!value(v)) return 2;
            if (!parseIntList(v, cfg.layers, false) || cfg.layers.size() < 2)
                return bad(v, "expected sizes like 784,256,10");
            layersGiven = true;
        } else if (a == "--backend") {
            if (!value(v)) return 2;
            if (v != "auto" && v != "cpu" && v != "cuda")
                return bad(v, "expected auto, cpu or cuda");
            backendName = v;
        } else if (a == "--steps") {
            if (!value(v)) return 2;
            if (!parseInt(v, 1, 100000000, n)) return bad(v, "expected a step count >= 1");
            cfg.steps = int(n);
            stepsGiven = true;
        } else if (a == "--batch") {
            if (!value(v)) return 2;
            if (!parseInt(v, 1, 1 << 20, n)) return bad(v, "expected a batch size >= 1");
            cfg.batch = int(n);
            batchGiven = true;
        } else if (a == "--optimizer") {
            if (!value(v)) return 2;
            if (v == "sgd")
                cfg.optimizer = OptimizerKind::Sgd;
            else if (v == "adam")
                cfg.optimizer = OptimizerKind::Adam;
            else if (v == "adamw")
                cfg.optimizer = OptimizerKind::AdamW;
            else
                return bad(v, "expected sgd, adam or adamw");
            optimizerGiven = true;
        } else if (a == "--lr") {
            if (!value(v)) return 2;
            char* end = nullptr;
            const double lr = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end || !(lr > 0 && lr < 1e6))
                return bad(v, "expected a positive learning rate");
            cfg.lr = float(lr);
        } else if (a == "--seed") {
            if (!value(v)) return 2;
            if (!parseInt(v, 0, (1ll << 62), n)) return bad(v, "expected a non-negative integer");
            cfg.seed = uint64_t(n);
        } else if (a == "--inputs") {
            if (!value(inputs)) return 2;
        } else if (a == "--dump-steps") {
            if (!value(v)) return 2;
            if (v == "none")
                cfg.dumpSteps.clear();
            else if (!parseIntList(v, cfg.dumpSteps, true))
                return bad(v, "expected step numbers and 'last', e.g. 0,last (or none)");
        } else if (a == "-o" || a == "--output") {
            if (!value(output)) return 2;
        } else {
            std::fprintf(stderr, "kernscope-cli record: unknown option '%s'\n%s", a.c_str(),
                         kUsage);
            return 2;
        }
    }
    if (cfg.model == ModelKind::LinearRelu) {
        if (!layersGiven) cfg.layers = {784, 256};
        if (!stepsGiven) cfg.steps = 1;
        if (cfg.layers.size() != 2) {
            std::fprintf(stderr, "kernscope-cli record: linear-relu takes --layers IN,OUT\n");
            return 2;
        }
    }
    const bool transformer = cfg.model == ModelKind::Transformer;
    if (transformer) {
        if (!stepsGiven) cfg.steps = 20;
        if (!batchGiven) cfg.batch = 8;
        if (!optimizerGiven) cfg.optimizer = OptimizerKind::AdamW;
        if (const Status s = checkTransformerConfig(cfg); !s) {
            std::fprintf(stderr, "kernscope-cli record: %s\n", s.message().c_str());
            return 2;
        }
    }
    {
        // Fail before training, not after, when the run file cannot be written there.
        const auto slash = output.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "." : output.substr(0, slash + 1);
        if (access(dir.c_str(), W_OK) != 0) {
            std::fprintf(stderr, "kernscope-cli record: %s: cannot write to folder '%s'\n",
                         output.c_str(), dir.c_str());
            return 2;
        }
    }
    if (!inputs.empty()) {
        auto tensors = data::readReferenceFile(inputs);
        if (!tensors) {
            std::fprintf(stderr, "kernscope-cli record: %s\n", tensors.error().message.c_str());
            return 2;
        }
        cfg.inputs = std::move(tensors.value());
        // Without --batch, a small inputs file is one batch (no rows repeated within a batch).
        for (const auto& t : cfg.inputs)
            if ((t.name == "x" || t.name == "idx") && !t.shape.empty() && !batchGiven)
                cfg.batch = int(std::min<int64_t>(cfg.batch, std::max<int64_t>(t.shape[0], 1)));
    }

    const BackendKind kind = backendName == "cpu"    ? BackendKind::Cpu
                             : backendName == "cuda" ? BackendKind::Cuda
                                                     : BackendKind::Auto;
    std::string note;
    auto backend = createBackend(kind, &note);
    if (!backend) {
        std::fprintf(stderr, "kernscope-cli record: %s\n", backend.error().message.c_str());
        return 2;
    }
    if (!note.empty()) std::fprintf(stderr, "kernscope-cli record: %s\n", note.c_str());
    Backend& be = *backend.value();

    Tracer tracer(true);
    // GPU activity only on the CUDA backend, started before the first upload; without it the
    // run is still complete.
    std::unique_ptr<GpuCollection> gpu;
    std::string why; // kept: the run file says why it has no GPU activity
    if (be.name() == "cuda") {
        gpu = GpuCollection::start(tracer.originUnixNs(), &why);
        if (!gpu) std::fprintf(stderr, "kernscope-cli record: warning: %s\n", why.c_str());
    }
    auto trainer = Trainer::create(cfg, be, tracer);
    if (!trainer) {
        if (gpu) gpu->stopInto(tracer.run());
        std::fprintf(stderr, "kernscope-cli record: %s%s\n",
                     inputs.empty() ? "" : (inputs + ": ").c_str(),
                     trainer.error().message.c_str());
        return 2;
    }

    const auto t0 = std::chrono::steady_clock::now();
    Progress progress;
    const Status status = trainer.value()->run(
        [&](int done, int total, const StepResult& r) { progress.update(done, total, r.loss); });
    progress.finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    data::Run run = tracer.take();
    if (gpu)
        gpu->stopInto(run);
    else if (!why.empty())
        run.collector.status = why;
    if (!status) {
        std::fprintf(stderr, "kernscope-cli record: %s\n", status.message().c_str());
        return 2;
    }

    int exitCode = 0;
    if (gradcheck && transformer) {
        if (!runTransformerGradCheck(cfg, be, run)) exitCode = 1;
    } else if (gradcheck) {
        // The trainer's own mlp code on the training backend (float64 where it has the ops).
        for (bool f64 : {false, true}) {
            if (f64 && !be.ops64()) {
                std::printf("gradcheck float64: the %s backend has no float64 ops (skipped)\n",
                            be.name().c_str());
                continue;
            }
            GradCheckConfig gc;
            gc.seed = cfg.seed;
            gc.float64 = f64;
            gc.testBrokenBackward = cfg.testBrokenBackward;
            const auto checked = gradCheckMlp(gc, be);
            if (!checked) {
                std::fprintf(stderr, "kernscope-cli record: gradcheck: %s\n",
                             checked.error().message.c_str());
                return 2;
            }
            const GradCheckResult& r = checked.value();
            addGradCheckTensors(r, run, int64_t(run.tensors.size()));
            std::printf("gradcheck %s: max abs diff %.3g, max rel diff %.3g over %lld elements "
                        "(%lld skipped at ReLU kinks), h = %.3g: %s (goal < %.0e)\n",
                        f64 ? "float64" : "float32", r.maxAbs, r.maxRel, (long long)r.checked,
                        (long long)r.skipped, r.h, r.passed() ? "PASS" : "FAIL", r.goal());
            if (!r.passed()) exitCode = 1;
        }
    }

    std::string commandLine = "kernscope-cli record";
    for (const auto& a : args) commandLine += " " + a;
    run.info.command_line = commandLine;
    run.info.created_utc = utcNow();
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) run.info.hostname = host;
    run.info.notes = note;
    if (const Status w = data::writeRun(run, output); !w) {
        std::fprintf(stderr, "kernscope-cli record: %s\n", w.message().c_str());
        return 2;
    }

    const auto& h = trainer.value()->history();
    const bool mlp = cfg.model == ModelKind::Mlp;
    char accuracy[64] = "";
    if (mlp) std::snprintf(accuracy, sizeof accuracy, ", accuracy %.3f", h.back().accuracy);
    if (transformer && cfg.precision == Precision::F16)
        std::snprintf(accuracy, sizeof accuracy, ", %lld overflow steps skipped",
                      (long long)trainer.value()->overflowSkips());
    if (trainer.value()->diverged()) {
        std::fprintf(stderr,
                     "kernscope-cli record: step %d: loss is not finite; stopped there (its "
                     "tensors are in %s: compare finds the first op that went wrong)\n",
                     int(h.size()) - 1, output.c_str());
        exitCode = 1;
    }
    std::printf("recorded %s %s on %s: %d steps in %.2f s (%.2f ms/step), loss %.4f -> %.4f%s; "
                "%zu ranges, %zu kernels, %zu tensors -> %s\n",
                modelName(cfg.model), run.info.model.substr(run.info.model.find(' ') + 1).c_str(),
                be.name().c_str(), int(h.size()), seconds, seconds * 1e3 / h.size(), h.front().loss,
                h.back().loss, accuracy, run.ranges.size(), run.kernels.size(), run.tensors.size(),
                output.c_str());
    return exitCode;
}

} // namespace ks::cli
