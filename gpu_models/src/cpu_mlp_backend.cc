#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "cpu_blas.h"
#include "mlp_backend.h"

namespace bayestune {
namespace {

using MatrixMap = Eigen::Map<Eigen::MatrixXf>;
using ConstMatrixMap = Eigen::Map<const Eigen::MatrixXf>;
using VectorMap = Eigen::Map<Eigen::VectorXf>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXf>;

// The arithmetic of gpu_mlp_backend.cu, step for step, with Eigen; its matrix products run in
// OpenBLAS (cpu_blas.h) on setup.cpu_threads threads.
class CpuMlpBackend final : public MlpBackend {
 public:
  explicit CpuMlpBackend(const MlpBackendSetup& setup)
      : architecture_(setup.architecture),
        optimizer_(setup.optimizer),
        data_(*setup.data),
        parameters_(setup.initial_parameters),
        gradient_(parameters_.size(), 0.0f),
        velocity_(parameters_.size(), 0.0f),
        threads_(SetCpuBlasThreads(setup.cpu_threads)) {
    if (optimizer_.kind == OptimizerKind::kAdam) second_moment_.assign(parameters_.size(), 0.0f);
    const int batch = optimizer_.batch_size;
    const int hidden = architecture_.hidden_units;
    for (int l = 0; l <= architecture_.n_layers; ++l)
      layers_.push_back(architecture_.layer(l));
    batch_x_.resize(static_cast<std::size_t>(architecture_.input_features) * batch);
    batch_y_.resize(static_cast<std::size_t>(batch));
    const std::size_t hidden_batch = static_cast<std::size_t>(hidden) * batch;
    activations_.assign(architecture_.n_layers, std::vector<float>(hidden_batch));
    residual_.resize(hidden_batch);
    scratch_.resize(hidden_batch);
    d_hidden_.resize(hidden_batch);
    logits_.resize(static_cast<std::size_t>(architecture_.classes) * batch);
  }

  std::string device_description() const override {
    return "cpu (" + std::to_string(threads_) + (threads_ == 1 ? " thread" : " threads") +
           "; matrix products: " + DescribeCpuBlas() + "; the rest: Eigen " +
           std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
           std::to_string(EIGEN_MINOR_VERSION) + ", " + Eigen::SimdInstructionSetsInUse() +
           ", one thread)";
  }

  PassTotals TrainEpoch(std::span<const std::int64_t> order) override {
    PassTotals totals;
    for (std::size_t start = 0; start < order.size(); start += optimizer_.batch_size) {
      const auto batch =
          order.subspan(start, std::min<std::size_t>(optimizer_.batch_size, order.size() - start));
      Gather(batch);
      Forward(batch_x_.data(), batch_y_.data(), static_cast<int>(batch.size()), true, totals);
      Backward(batch_x_.data(), static_cast<int>(batch.size()));
      Step();
    }
    return totals;
  }

  PassTotals Evaluate() override {
    PassTotals totals;
    const Dataset& validation = data_.validation;
    for (std::int64_t start = 0; start < validation.size(); start += optimizer_.batch_size) {
      const int count = static_cast<int>(
          std::min<std::int64_t>(optimizer_.batch_size, validation.size() - start));
      Forward(validation.sample(start), validation.labels.data() + start, count, false, totals);
    }
    return totals;
  }

  double LossAndGradient(std::span<const std::int64_t> batch,
                         std::vector<float>& gradient) override {
    PassTotals totals;
    Gather(batch);
    Forward(batch_x_.data(), batch_y_.data(), static_cast<int>(batch.size()), true, totals);
    Backward(batch_x_.data(), static_cast<int>(batch.size()));
    gradient = gradient_;
    return totals.mean_loss();
  }

  std::vector<float> parameters() const override { return parameters_; }
  void set_parameters(std::span<const float> parameters) override {
    parameters_.assign(parameters.begin(), parameters.end());
  }

 private:
  ConstMatrixMap Weights(int l) const {
    return ConstMatrixMap(parameters_.data() + layers_[l].weight_offset, layers_[l].rows,
                          layers_[l].cols);
  }
  ConstVectorMap Bias(int l) const {
    return ConstVectorMap(parameters_.data() + layers_[l].bias_offset, layers_[l].rows);
  }
  void Gather(std::span<const std::int64_t> batch) {
    const int features = architecture_.input_features;
    for (std::size_t j = 0; j < batch.size(); ++j) {
      std::memcpy(batch_x_.data() + j * features, data_.train.sample(batch[j]),
                  sizeof(float) * features);
      batch_y_[j] = data_.train.labels[batch[j]];
    }
  }

  // act(h) into `a`, elementwise.
  void Activate(const MatrixMap& h, MatrixMap& a) const {
    if (architecture_.activation == Activation::kRelu) {
      a = h.cwiseMax(0.0f);
    } else {
      a = h.array().tanh().matrix();
    }
  }

  // Runs the network on `count` samples; adds their loss and correct predictions to `totals`.
  // With `keep_gradient`, logits_ ends up holding d(mean loss)/d(logits).
  void Forward(const float* x, const std::int32_t* labels, int count, bool keep_gradient,
               PassTotals& totals) {
    const int hidden = architecture_.hidden_units;
    const float scale = architecture_.residual_scale();
    MatrixMap h(residual_.data(), hidden, count);
    h.noalias() = Weights(0) * ConstMatrixMap(x, architecture_.input_features, count);
    h.colwise() += Bias(0);
    MatrixMap a0(activations_[0].data(), hidden, count);
    Activate(h, a0);
    for (int l = 1; l < architecture_.n_layers; ++l) {
      // h += s * (W_l act(h) + b_l)
      h.noalias() +=
          scale * (Weights(l) * ConstMatrixMap(activations_[l - 1].data(), hidden, count));
      h.colwise() += scale * Bias(l);
      MatrixMap a(activations_[l].data(), hidden, count);
      Activate(h, a);
    }
    const int out = architecture_.n_layers;
    const int classes = architecture_.classes;
    MatrixMap logits(logits_.data(), classes, count);
    logits.noalias() = Weights(out) * ConstMatrixMap(activations_[out - 1].data(), hidden, count);
    logits.colwise() += Bias(out);
    const float inverse_count = 1.0f / static_cast<float>(count);
    for (int j = 0; j < count; ++j) {
      float* column = logits_.data() + static_cast<std::size_t>(j) * classes;
      int argmax = 0;
      for (int c = 1; c < classes; ++c) {
        if (column[c] > column[argmax]) argmax = c;
      }
      const float max_logit = column[argmax];
      float sum = 0.0f;
      for (int c = 0; c < classes; ++c)
        sum += std::exp(column[c] - max_logit);
      const int label = labels[j];
      totals.loss_sum += static_cast<double>(std::log(sum) + max_logit - column[label]);
      totals.correct += argmax == label;
      totals.samples += 1;
      if (keep_gradient) {
        for (int c = 0; c < classes; ++c) {
          column[c] =
              (std::exp(column[c] - max_logit) / sum - (c == label ? 1.0f : 0.0f)) * inverse_count;
        }
      }
    }
  }

  // dh (+)= g * act'(h), with act' read off a = act(h).
  void AddActivationGradient(const float* g, int l, int count, bool accumulate) {
    const int hidden = architecture_.hidden_units;
    MatrixMap dh(d_hidden_.data(), hidden, count);
    ConstMatrixMap gm(g, hidden, count);
    ConstMatrixMap a(activations_[l].data(), hidden, count);
    if (architecture_.activation == Activation::kRelu) {
      const auto product = (gm.array() * (a.array() > 0.0f).cast<float>()).matrix();
      if (accumulate) {
        dh += product;
      } else {
        dh = product;
      }
    } else {
      const auto product = (gm.array() * (1.0f - a.array().square())).matrix();
      if (accumulate) {
        dh += product;
      } else {
        dh = product;
      }
    }
  }

  // Fills gradient_ from the logits' gradient that Forward left.
  void Backward(const float* x, int count) {
    const int hidden = architecture_.hidden_units;
    const int out = architecture_.n_layers;
    const float scale = architecture_.residual_scale();
    ConstMatrixMap d_logits(logits_.data(), architecture_.classes, count);
    ConstMatrixMap last(activations_[out - 1].data(), hidden, count);
    WeightGradient(out).noalias() = d_logits * last.transpose();
    BiasGradient(out) = d_logits.rowwise().sum();
    MatrixMap g(scratch_.data(), hidden, count);
    g.noalias() = Weights(out).transpose() * d_logits;
    AddActivationGradient(scratch_.data(), out - 1, count, false);
    MatrixMap dh(d_hidden_.data(), hidden, count);
    for (int l = out - 1; l >= 1; --l) {
      // h_l = h_{l-1} + s (W_l a_{l-1} + b_l): the residual passes dh on unchanged.
      ConstMatrixMap input(activations_[l - 1].data(), hidden, count);
      WeightGradient(l).noalias() = scale * (dh * input.transpose());
      BiasGradient(l) = scale * dh.rowwise().sum();
      g.noalias() = scale * (Weights(l).transpose() * dh);
      AddActivationGradient(scratch_.data(), l - 1, count, true);
    }
    ConstMatrixMap input(x, architecture_.input_features, count);
    WeightGradient(0).noalias() = dh * input.transpose();
    BiasGradient(0) = dh.rowwise().sum();
  }

  MatrixMap WeightGradient(int l) {
    return MatrixMap(gradient_.data() + layers_[l].weight_offset, layers_[l].rows, layers_[l].cols);
  }
  VectorMap BiasGradient(int l) {
    return VectorMap(gradient_.data() + layers_[l].bias_offset, layers_[l].rows);
  }

  void Step() {
    const auto size = static_cast<Eigen::Index>(parameters_.size());
    VectorMap w(parameters_.data(), size);
    VectorMap v(velocity_.data(), size);
    VectorMap g(gradient_.data(), size);
    ++steps_;
    if (optimizer_.kind == OptimizerKind::kSgd) {
      v = optimizer_.momentum * v + g + optimizer_.weight_decay * w;
      w -= optimizer_.learning_rate * v;
      return;
    }
    // Adam: v (velocity_) is the first moment, `second` the second.
    VectorMap second(second_moment_.data(), size);
    const AdamStepScales scales = AdamScales(optimizer_, steps_);
    g += optimizer_.weight_decay * w;
    v = optimizer_.beta1 * v + (1.0f - optimizer_.beta1) * g;
    second = optimizer_.beta2 * second + (1.0f - optimizer_.beta2) * g.cwiseAbs2();
    w.array() -=
        scales.step_size * v.array() /
        (second.array().sqrt() * scales.inverse_sqrt_bias_correction2 + optimizer_.epsilon);
  }

  MlpArchitecture architecture_;
  OptimizerSettings optimizer_;
  const TrainingData& data_;
  std::vector<DenseLayerLayout> layers_;
  std::vector<float> parameters_, gradient_;
  std::vector<float> velocity_;       // sgd: the momentum buffer; adam: the first moment
  std::vector<float> second_moment_;  // adam only
  std::int64_t steps_ = 0;            // optimizer steps taken
  int threads_ = 1;
  std::vector<float> batch_x_;
  std::vector<std::int32_t> batch_y_;
  std::vector<std::vector<float>> activations_;  // a_l = act(h_l), hidden x batch, each layer
  std::vector<float> residual_;                  // h, the residual stream, hidden x batch
  std::vector<float> scratch_;                   // W^T times a gradient, hidden x batch
  std::vector<float> d_hidden_;                  // d(loss)/dh, hidden x batch
  std::vector<float> logits_;                    // classes x batch, then their gradient
};

}  // namespace

std::unique_ptr<MlpBackend> MakeCpuMlpBackend(const MlpBackendSetup& setup) {
  return std::make_unique<CpuMlpBackend>(setup);
}

}  // namespace bayestune
