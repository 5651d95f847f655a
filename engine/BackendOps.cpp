// Backend::ops32() for backends without their own TensorOps<float>: the MLP's ops forwarded to
// the backend's float ops; the transformer-only ops fail with a message naming the backend.
#include "Backend.h"

namespace ks::engine {
namespace {

class MlpOnlyOps final : public TensorOps<float> {
public:
    explicit MlpOnlyOps(Backend& backend) : m_be(backend) {}

    Status gemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc) override {
        return m_be.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    Status fill(float* dst, float value, size_t n) override { return m_be.fill(dst, value, n); }
    Status addBias(float* y, const float* bias, int rows, int cols) override {
        return m_be.addBias(y, bias, rows, cols);
    }
    Status sumRows(const float* dy, float* db, int rows, int cols) override {
        return m_be.sumRows(dy, db, rows, cols);
    }
    Status reluForward(const float* x, float* y, size_t n) override {
        return m_be.reluForward(x, y, n);
    }
    Status reluBackward(const float* y, const float* dy, float* dx, size_t n) override {
        return m_be.reluBackward(y, dy, dx, n);
    }
    Status crossEntropyForward(const float* logits, const int32_t* labels, int rows, int cols,
                               float* probs, double* hostLoss, int* hostCorrect) override {
        float loss = 0, correct = 0;
        Status s = m_be.softmaxCrossEntropy(logits, labels, rows, cols, probs, &loss, &correct);
        *hostLoss = loss;
        if (hostCorrect) *hostCorrect = int(correct);
        return s;
    }
    Status crossEntropyBackward(const float* probs, const int32_t* labels, int rows, int cols,
                                float* dlogits) override {
        return m_be.softmaxCrossEntropyBackward(probs, labels, rows, cols, dlogits);
    }
    Status mseForward(const float* pred, const float* target, size_t n, double* hostLoss) override {
        float loss = 0;
        Status s = m_be.mseForward(pred, target, n, &loss);
        *hostLoss = loss;
        return s;
    }
    Status mseBackward(const float* pred, const float* target, size_t n, float* dpred) override {
        return m_be.mseBackward(pred, target, n, dpred);
    }

    Status copy(float*, const float*, size_t) override { return missing("copy"); }
    Status add(float*, const float*, size_t) override { return missing("add"); }
    Status scale(float*, float, size_t) override { return missing("scale"); }
    Status roundTo(float*, size_t, Precision) override { return missing("roundTo"); }
    Status countNonFinite(const float*, size_t, int64_t*) override {
        return missing("countNonFinite");
    }
    Status embeddingForward(const int32_t*, const float*, const float*, float*, int, int,
                            int) override {
        return missing("embeddingForward");
    }
    Status embeddingBackward(const int32_t*, const float*, float*, float*, int, int, int,
                             int) override {
        return missing("embeddingBackward");
    }
    Status layerNormForward(const float*, const float*, const float*, float*, float*, float*, int,
                            int, double) override {
        return missing("layerNormForward");
    }
    Status layerNormBackward(const float*, const float*, const float*, const float*, const float*,
                             float*, float*, float*, int, int) override {
        return missing("layerNormBackward");
    }
    Status causalSoftmaxForward(float*, int, int) override {
        return missing("causalSoftmaxForward");
    }
    Status causalSoftmaxBackward(const float*, const float*, float*, int, int) override {
        return missing("causalSoftmaxBackward");
    }
    Status geluForward(const float*, float*, float*, size_t) override {
        return missing("geluForward");
    }
    Status geluBackward(const float*, const float*, const float*, float*, size_t) override {
        return missing("geluBackward");
    }

private:
    Status missing(const char* op) const {
        return Error{"the " + m_be.name() + " backend has no " + op + " op"};
    }
    Backend& m_be;
};

} // namespace

TensorOps<float>* Backend::ops32() {
    if (!m_mlpOps) m_mlpOps = std::make_unique<MlpOnlyOps>(*this);
    return m_mlpOps.get();
}

} // namespace ks::engine
