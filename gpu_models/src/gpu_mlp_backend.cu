// The CUDA + cuBLAS backend: the arithmetic of cpu_mlp_backend.cc, step for step, on device 0.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "gpu_mlp_backend.h"
#include "trainer_error.h"

namespace bayestune {
namespace {

constexpr int kThreads = 256;

[[noreturn]] void ThrowDeviceError(const std::string& message) {
  throw TrainerError(TrainerExitCode::kDeviceError, message);
}

std::string CudaErrorText(cudaError_t status) {
  return std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")";
}

void CheckCuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    ThrowDeviceError(std::string("CUDA error: ") + call + ": " + CudaErrorText(status));
}

// cuBLAS, opened when a GPU backend is made rather than linked: a program linked with cuBLAS
// spends about 0.4 s of CPU at every start registering its kernels, CPU-only runs included.
struct CublasApi {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  decltype(&cublasSgemv_v2) sgemv = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
  decltype(&cublasGetStatusName) status_name = nullptr;
};

template <typename Function>
void LoadSymbol(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  if (!function) ThrowDeviceError(std::string("cuBLAS lacks ") + name + ": " + dlerror());
}

// Loads cuBLAS once: the library's soname through the usual search (LD_LIBRARY_PATH, the loader
// cache), else the toolkit this program was built with.
const CublasApi& Cublas() {
  static const CublasApi api = [] {
    void* library = dlopen(BAYESTUNE_CUBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    std::string error = library ? "" : dlerror();
    if (!library) {
      library =
          dlopen(BAYESTUNE_CUDA_LIBRARY_DIR "/" BAYESTUNE_CUBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    }
    if (!library) {
      ThrowDeviceError("cannot load cuBLAS (" + error + "); put the CUDA toolkit's libraries (" +
                       BAYESTUNE_CUBLAS_LIBRARY + ") on LD_LIBRARY_PATH");
    }
    CublasApi loaded;
    LoadSymbol(library, "cublasCreate_v2", loaded.create);
    LoadSymbol(library, "cublasDestroy_v2", loaded.destroy);
    LoadSymbol(library, "cublasSetStream_v2", loaded.set_stream);
    LoadSymbol(library, "cublasSetMathMode", loaded.set_math_mode);
    LoadSymbol(library, "cublasSgemm_v2", loaded.sgemm);
    LoadSymbol(library, "cublasSgemv_v2", loaded.sgemv);
    LoadSymbol(library, "cublasGetStatusString", loaded.status_string);
    LoadSymbol(library, "cublasGetStatusName", loaded.status_name);
    return loaded;
  }();
  return api;
}

void CheckCublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    ThrowDeviceError(std::string("cuBLAS error: ") + call + ": " + Cublas().status_string(status) +
                     " (" + Cublas().status_name(status) + ")");
  }
}

#define BAYESTUNE_CUDA(call) CheckCuda((call), #call)
#define BAYESTUNE_CUBLAS(call) CheckCublas((call), #call)
// Kernel launches report bad configurations at once and faults at the next synchronising call.
#define BAYESTUNE_LAUNCHED(kernel) CheckCuda(cudaGetLastError(), kernel)

unsigned Blocks(std::int64_t n) {
  return static_cast<unsigned>(std::max<std::int64_t>(1, (n + kThreads - 1) / kThreads));
}

// Memory on the device, freed with its owner.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count) BAYESTUNE_CUDA(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)));
  }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  std::size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

struct StreamDestroyer {
  void operator()(cudaStream_t stream) const { cudaStreamDestroy(stream); }
};
struct CublasDestroyer {
  void operator()(cublasHandle_t handle) const { Cublas().destroy(handle); }
};
using StreamHandle = std::unique_ptr<std::remove_pointer_t<cudaStream_t>, StreamDestroyer>;
using CublasHandle = std::unique_ptr<std::remove_pointer_t<cublasHandle_t>, CublasDestroyer>;

// ---- kernels ------------------------------------------------------------------------------------

__global__ void ProbeKernel(int* flag) {
  *flag = 42;
}

// x[:, j] = features[:, indices[j]], y[j] = labels[indices[j]] (samples are columns).
__global__ void GatherBatch(const float* features, const std::int32_t* labels,
                            const std::int32_t* indices, int count, int num_features, float* x,
                            std::int32_t* y) {
  const std::int64_t n = static_cast<std::int64_t>(count) * num_features;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t j = i / num_features;
    const std::int64_t f = i - j * num_features;
    const std::int64_t sample = indices[j];
    x[i] = features[sample * num_features + f];
    if (f == 0) y[j] = labels[sample];
  }
}

// h += bias_scale * bias (per row; h: rows x count), then a = act(h).
__global__ void AddBiasActivate(float* h, const float* bias, float bias_scale, int rows,
                                std::int64_t n, bool relu, float* a) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float value = h[i] + bias_scale * bias[i % rows];
    h[i] = value;
    a[i] = relu ? fmaxf(value, 0.0f) : tanhf(value);
  }
}

// dh (+)= g * act'(h), with act' read off a = act(h).
__global__ void AddActivationGradient(float* d_hidden, const float* g, const float* a,
                                      std::int64_t n, bool relu, bool accumulate) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float derivative = relu ? (a[i] > 0.0f ? 1.0f : 0.0f) : 1.0f - a[i] * a[i];
    const float product = g[i] * derivative;
    d_hidden[i] = accumulate ? d_hidden[i] + product : product;
  }
}

// One thread a sample: adds the bias to its logits, then the softmax cross-entropy loss and
// whether the arg max is the label go into the sums; with keep_gradient the logits become
// d(mean loss)/d(logits) = (softmax - one_hot) / count.
__global__ void SoftmaxCrossEntropy(float* logits, const float* bias, const std::int32_t* labels,
                                    int classes, int count, bool keep_gradient, double* loss_sum,
                                    unsigned long long* correct) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= count) return;
  float* column = logits + static_cast<std::int64_t>(j) * classes;
  int argmax = 0;
  for (int c = 0; c < classes; ++c) {
    column[c] += bias[c];
    if (column[c] > column[argmax]) argmax = c;
  }
  const float max_logit = column[argmax];
  float sum = 0.0f;
  for (int c = 0; c < classes; ++c)
    sum += expf(column[c] - max_logit);
  const int label = labels[j];
  atomicAdd(loss_sum, static_cast<double>(logf(sum) + max_logit - column[label]));
  if (argmax == label) atomicAdd(correct, 1ull);
  if (keep_gradient) {
    const float inverse_count = 1.0f / static_cast<float>(count);
    for (int c = 0; c < classes; ++c) {
      column[c] = (expf(column[c] - max_logit) / sum - (c == label ? 1.0f : 0.0f)) * inverse_count;
    }
  }
}

// v = momentum * v + (g + weight_decay * w);  w -= learning_rate * v
__global__ void SgdStep(float* w, float* v, const float* g, std::int64_t n, float learning_rate,
                        float momentum, float weight_decay) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float velocity = momentum * v[i] + g[i] + weight_decay * w[i];
    v[i] = velocity;
    w[i] -= learning_rate * velocity;
  }
}

// Adam (optimizer_settings.h): g' = g + weight_decay * w; m = beta1 m + (1 - beta1) g';
// v = beta2 v + (1 - beta2) g'^2; w -= step_size * m / (sqrt(v) * inverse_sqrt_bias_correction2 +
// epsilon), with step t's scales computed on the host (AdamScales).
__global__ void AdamStep(float* w, float* m, float* v, const float* g, std::int64_t n, float beta1,
                         float beta2, float epsilon, float weight_decay, float step_size,
                         float inverse_sqrt_bias_correction2) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float gradient = g[i] + weight_decay * w[i];
    const float first = beta1 * m[i] + (1.0f - beta1) * gradient;
    const float second = beta2 * v[i] + (1.0f - beta2) * gradient * gradient;
    m[i] = first;
    v[i] = second;
    w[i] -= step_size * first / (sqrtf(second) * inverse_sqrt_bias_correction2 + epsilon);
  }
}

// ---- the device ---------------------------------------------------------------------------------

std::string DescribeDevice0() {
  cudaDeviceProp properties;
  BAYESTUNE_CUDA(cudaGetDeviceProperties(&properties, 0));
  char bus_id[32] = "?";
  BAYESTUNE_CUDA(cudaDeviceGetPCIBusId(bus_id, sizeof(bus_id), 0));
  char uuid[48];
  const auto* u = reinterpret_cast<const unsigned char*>(properties.uuid.bytes);
  std::snprintf(uuid, sizeof(uuid),
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                u[14], u[15]);
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  char text[512];
  std::snprintf(text, sizeof(text),
                "gpu 0 of CUDA_VISIBLE_DEVICES=%s: %s, PCI bus id %s, %s, compute capability "
                "%d.%d, %.1f GiB, %d SMs (cuBLAS FP32 GEMMs)",
                visible ? visible : "(unset)", properties.name, bus_id, uuid, properties.major,
                properties.minor, static_cast<double>(properties.totalGlobalMem) / (1 << 30),
                properties.multiProcessorCount);
  return text;
}

template <typename T>
DeviceBuffer<T> Upload(const std::vector<T>& host) {
  DeviceBuffer<T> device(host.size());
  if (!host.empty()) {
    BAYESTUNE_CUDA(
        cudaMemcpy(device.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  return device;
}

// ---- the backend --------------------------------------------------------------------------------

class GpuMlpBackend final : public MlpBackend {
 public:
  explicit GpuMlpBackend(const MlpBackendSetup& setup)
      : architecture_(setup.architecture), optimizer_(setup.optimizer) {
    BAYESTUNE_CUDA(cudaSetDevice(0));
    description_ = DescribeDevice0();
    cudaStream_t stream = nullptr;
    BAYESTUNE_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    stream_holder_.reset(stream);
    stream_ = stream;
    cublasHandle_t handle = nullptr;
    BAYESTUNE_CUBLAS(Cublas().create(&handle));
    cublas_holder_.reset(handle);
    cublas_ = handle;
    BAYESTUNE_CUBLAS(Cublas().set_stream(cublas_, stream_));
    BAYESTUNE_CUBLAS(Cublas().set_math_mode(cublas_, CUBLAS_DEFAULT_MATH));  // FP32, no TF32

    for (int l = 0; l <= architecture_.n_layers; ++l)
      layers_.push_back(architecture_.layer(l));
    const std::size_t batch = optimizer_.batch_size;
    const std::size_t hidden = architecture_.hidden_units;
    parameters_ = Upload(setup.initial_parameters);
    gradient_ = DeviceBuffer<float>(parameters_.size());
    velocity_ = DeviceBuffer<float>(parameters_.size());
    BAYESTUNE_CUDA(cudaMemset(velocity_.get(), 0, velocity_.size() * sizeof(float)));
    if (optimizer_.kind == OptimizerKind::kAdam) {
      second_moment_ = DeviceBuffer<float>(parameters_.size());
      BAYESTUNE_CUDA(cudaMemset(second_moment_.get(), 0, second_moment_.size() * sizeof(float)));
    }
    train_features_ = Upload(setup.data->train.features);
    train_labels_ = Upload(setup.data->train.labels);
    validation_features_ = Upload(setup.data->validation.features);
    validation_labels_ = Upload(setup.data->validation.labels);
    validation_size_ = setup.data->validation.size();
    order_ =
        DeviceBuffer<std::int32_t>(std::max<std::size_t>(setup.data->train.labels.size(), batch));
    host_order_.resize(order_.size());
    batch_x_ = DeviceBuffer<float>(batch * architecture_.input_features);
    batch_y_ = DeviceBuffer<std::int32_t>(batch);
    for (int l = 0; l < architecture_.n_layers; ++l)
      activations_.emplace_back(hidden * batch);
    residual_ = DeviceBuffer<float>(hidden * batch);
    scratch_ = DeviceBuffer<float>(hidden * batch);
    logits_ = DeviceBuffer<float>(batch * architecture_.classes);
    d_hidden_ = DeviceBuffer<float>(hidden * batch);
    ones_ = Upload(std::vector<float>(batch, 1.0f));
    loss_sum_ = DeviceBuffer<double>(1);
    correct_ = DeviceBuffer<unsigned long long>(1);
    BAYESTUNE_CUDA(cudaDeviceSynchronize());
  }

  std::string device_description() const override { return description_; }

  PassTotals TrainEpoch(std::span<const std::int64_t> order) override {
    UploadOrder(order);
    ResetTotals();
    for (std::size_t start = 0; start < order.size(); start += optimizer_.batch_size) {
      const int count =
          static_cast<int>(std::min<std::size_t>(optimizer_.batch_size, order.size() - start));
      Gather(order_.get() + start, count);
      Forward(batch_x_.get(), batch_y_.get(), count, true);
      Backward(batch_x_.get(), count);
      Step();
    }
    return ReadTotals(static_cast<std::int64_t>(order.size()));
  }

  PassTotals Evaluate() override {
    ResetTotals();
    const int features = architecture_.input_features;
    for (std::int64_t start = 0; start < validation_size_; start += optimizer_.batch_size) {
      const int count =
          static_cast<int>(std::min<std::int64_t>(optimizer_.batch_size, validation_size_ - start));
      Forward(validation_features_.get() + start * features, validation_labels_.get() + start,
              count, false);
    }
    return ReadTotals(validation_size_);
  }

  double LossAndGradient(std::span<const std::int64_t> batch,
                         std::vector<float>& gradient) override {
    UploadOrder(batch);
    ResetTotals();
    Gather(order_.get(), static_cast<int>(batch.size()));
    Forward(batch_x_.get(), batch_y_.get(), static_cast<int>(batch.size()), true);
    Backward(batch_x_.get(), static_cast<int>(batch.size()));
    gradient.resize(gradient_.size());
    BAYESTUNE_CUDA(cudaMemcpyAsync(gradient.data(), gradient_.get(),
                                   gradient.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                   stream_));
    return ReadTotals(static_cast<std::int64_t>(batch.size())).mean_loss();
  }

  // Copies go through stream_, which does not wait for the legacy default stream.
  std::vector<float> parameters() const override {
    std::vector<float> host(parameters_.size());
    BAYESTUNE_CUDA(cudaMemcpyAsync(host.data(), parameters_.get(), host.size() * sizeof(float),
                                   cudaMemcpyDeviceToHost, stream_));
    BAYESTUNE_CUDA(cudaStreamSynchronize(stream_));
    return host;
  }

  void set_parameters(std::span<const float> parameters) override {
    if (parameters.size() != parameters_.size()) {
      throw std::invalid_argument("set_parameters: " + std::to_string(parameters.size()) +
                                  " values for " + std::to_string(parameters_.size()) +
                                  " parameters");
    }
    BAYESTUNE_CUDA(cudaMemcpyAsync(parameters_.get(), parameters.data(),
                                   parameters.size() * sizeof(float), cudaMemcpyHostToDevice,
                                   stream_));
    BAYESTUNE_CUDA(cudaStreamSynchronize(stream_));
  }

 private:
  float* Weights(int l) const { return parameters_.get() + layers_[l].weight_offset; }
  float* Bias(int l) const { return parameters_.get() + layers_[l].bias_offset; }
  float* WeightGradient(int l) const { return gradient_.get() + layers_[l].weight_offset; }
  float* BiasGradient(int l) const { return gradient_.get() + layers_[l].bias_offset; }

  void UploadOrder(std::span<const std::int64_t> order) {
    if (order.size() > host_order_.size()) {
      throw std::invalid_argument("more samples than the training set holds");
    }
    std::copy(order.begin(), order.end(), host_order_.begin());  // int64 -> int32
    // host_order_ stays untouched until the next upload, which follows a synchronisation.
    BAYESTUNE_CUDA(cudaMemcpyAsync(order_.get(), host_order_.data(),
                                   order.size() * sizeof(std::int32_t), cudaMemcpyHostToDevice,
                                   stream_));
  }

  void ResetTotals() {
    BAYESTUNE_CUDA(cudaMemsetAsync(loss_sum_.get(), 0, sizeof(double), stream_));
    BAYESTUNE_CUDA(cudaMemsetAsync(correct_.get(), 0, sizeof(unsigned long long), stream_));
  }

  PassTotals ReadTotals(std::int64_t samples) {
    PassTotals totals;
    unsigned long long correct = 0;
    BAYESTUNE_CUDA(cudaMemcpyAsync(&totals.loss_sum, loss_sum_.get(), sizeof(double),
                                   cudaMemcpyDeviceToHost, stream_));
    BAYESTUNE_CUDA(cudaMemcpyAsync(&correct, correct_.get(), sizeof(correct),
                                   cudaMemcpyDeviceToHost, stream_));
    BAYESTUNE_CUDA(cudaStreamSynchronize(stream_));
    totals.correct = static_cast<std::int64_t>(correct);
    totals.samples = samples;
    return totals;
  }

  void Gather(const std::int32_t* indices, int count) {
    const int features = architecture_.input_features;
    GatherBatch<<<Blocks(static_cast<std::int64_t>(count) * features), kThreads, 0, stream_>>>(
        train_features_.get(), train_labels_.get(), indices, count, features, batch_x_.get(),
        batch_y_.get());
    BAYESTUNE_LAUNCHED("GatherBatch");
  }

  // c = alpha * op(a) op(b) + beta * c, column-major.
  void Gemm(cublasOperation_t transpose_a, cublasOperation_t transpose_b, int m, int n, int k,
            float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c,
            int ldc) {
    BAYESTUNE_CUBLAS(Cublas().sgemm(cublas_, transpose_a, transpose_b, m, n, k, &alpha, a, lda, b,
                                    ldb, &beta, c, ldc));
  }

  // sums = alpha * (rows x count matrix) times a vector of ones.
  void RowSums(const float* matrix, int rows, int count, float alpha, float* sums) {
    const float zero = 0.0f;
    BAYESTUNE_CUBLAS(Cublas().sgemv(cublas_, CUBLAS_OP_N, rows, count, &alpha, matrix, rows,
                                    ones_.get(), 1, &zero, sums, 1));
  }

  void Forward(const float* x, const std::int32_t* labels, int count, bool keep_gradient) {
    const int hidden = architecture_.hidden_units;
    const int features = architecture_.input_features;
    const bool relu = architecture_.activation == Activation::kRelu;
    const float scale = architecture_.residual_scale();
    const std::int64_t n = static_cast<std::int64_t>(hidden) * count;
    float* h = residual_.get();
    // h = W_0 x + b_0; a_0 = act(h)
    Gemm(CUBLAS_OP_N, CUBLAS_OP_N, hidden, count, features, 1.0f, Weights(0), hidden, x, features,
         0.0f, h, hidden);
    AddBiasActivate<<<Blocks(n), kThreads, 0, stream_>>>(h, Bias(0), 1.0f, hidden, n, relu,
                                                         activations_[0].get());
    BAYESTUNE_LAUNCHED("AddBiasActivate");
    for (int l = 1; l < architecture_.n_layers; ++l) {
      // h += s (W_l a_{l-1} + b_l); a_l = act(h)
      Gemm(CUBLAS_OP_N, CUBLAS_OP_N, hidden, count, hidden, scale, Weights(l), hidden,
           activations_[l - 1].get(), hidden, 1.0f, h, hidden);
      AddBiasActivate<<<Blocks(n), kThreads, 0, stream_>>>(h, Bias(l), scale, hidden, n, relu,
                                                           activations_[l].get());
      BAYESTUNE_LAUNCHED("AddBiasActivate");
    }
    const int out = architecture_.n_layers;
    const int classes = architecture_.classes;
    Gemm(CUBLAS_OP_N, CUBLAS_OP_N, classes, count, hidden, 1.0f, Weights(out), classes,
         activations_[out - 1].get(), hidden, 0.0f, logits_.get(), classes);
    SoftmaxCrossEntropy<<<Blocks(count), kThreads, 0, stream_>>>(logits_.get(), Bias(out), labels,
                                                                 classes, count, keep_gradient,
                                                                 loss_sum_.get(), correct_.get());
    BAYESTUNE_LAUNCHED("SoftmaxCrossEntropy");
  }

  // dh (+)= g * act'(a_l)
  void AddActivationGradientOf(int l, int count, bool accumulate) {
    const std::int64_t n = static_cast<std::int64_t>(architecture_.hidden_units) * count;
    AddActivationGradient<<<Blocks(n), kThreads, 0, stream_>>>(
        d_hidden_.get(), scratch_.get(), activations_[l].get(), n,
        architecture_.activation == Activation::kRelu, accumulate);
    BAYESTUNE_LAUNCHED("AddActivationGradient");
  }

  // Fills gradient_ from the logits' gradient that Forward left.
  void Backward(const float* x, int count) {
    const int hidden = architecture_.hidden_units;
    const int features = architecture_.input_features;
    const int classes = architecture_.classes;
    const int out = architecture_.n_layers;
    const float scale = architecture_.residual_scale();
    float* dh = d_hidden_.get();
    float* g = scratch_.get();
    // Output layer: dW = dlogits a^T, db = row sums, dh = (W^T dlogits) * act'.
    Gemm(CUBLAS_OP_N, CUBLAS_OP_T, classes, hidden, count, 1.0f, logits_.get(), classes,
         activations_[out - 1].get(), hidden, 0.0f, WeightGradient(out), classes);
    RowSums(logits_.get(), classes, count, 1.0f, BiasGradient(out));
    Gemm(CUBLAS_OP_T, CUBLAS_OP_N, hidden, count, classes, 1.0f, Weights(out), classes,
         logits_.get(), classes, 0.0f, g, hidden);
    AddActivationGradientOf(out - 1, count, false);
    for (int l = out - 1; l >= 1; --l) {
      // h_l = h_{l-1} + s (W_l a_{l-1} + b_l): the residual passes dh on unchanged.
      Gemm(CUBLAS_OP_N, CUBLAS_OP_T, hidden, hidden, count, scale, dh, hidden,
           activations_[l - 1].get(), hidden, 0.0f, WeightGradient(l), hidden);
      RowSums(dh, hidden, count, scale, BiasGradient(l));
      Gemm(CUBLAS_OP_T, CUBLAS_OP_N, hidden, count, hidden, scale, Weights(l), hidden, dh, hidden,
           0.0f, g, hidden);
      AddActivationGradientOf(l - 1, count, true);
    }
    Gemm(CUBLAS_OP_N, CUBLAS_OP_T, hidden, features, count, 1.0f, dh, hidden, x, features, 0.0f,
         WeightGradient(0), hidden);
    RowSums(dh, hidden, count, 1.0f, BiasGradient(0));
  }

  void Step() {
    const std::int64_t n = static_cast<std::int64_t>(parameters_.size());
    ++steps_;
    if (optimizer_.kind == OptimizerKind::kSgd) {
      SgdStep<<<Blocks(n), kThreads, 0, stream_>>>(parameters_.get(), velocity_.get(),
                                                   gradient_.get(), n, optimizer_.learning_rate,
                                                   optimizer_.momentum, optimizer_.weight_decay);
      BAYESTUNE_LAUNCHED("SgdStep");
      return;
    }
    const AdamStepScales scales = AdamScales(optimizer_, steps_);
    AdamStep<<<Blocks(n), kThreads, 0, stream_>>>(
        parameters_.get(), velocity_.get(), second_moment_.get(), gradient_.get(), n,
        optimizer_.beta1, optimizer_.beta2, optimizer_.epsilon, optimizer_.weight_decay,
        scales.step_size, scales.inverse_sqrt_bias_correction2);
    BAYESTUNE_LAUNCHED("AdamStep");
  }

  MlpArchitecture architecture_;
  OptimizerSettings optimizer_;
  std::int64_t steps_ = 0;  // optimizer steps taken (Adam's t)
  std::string description_;
  StreamHandle stream_holder_;
  CublasHandle cublas_holder_;
  cudaStream_t stream_ = nullptr;  // stream_holder_'s, for brevity
  cublasHandle_t cublas_ = nullptr;
  std::vector<DenseLayerLayout> layers_;
  DeviceBuffer<float> parameters_, gradient_;
  DeviceBuffer<float> velocity_;       // sgd: the momentum buffer; adam: the first moment
  DeviceBuffer<float> second_moment_;  // adam only
  DeviceBuffer<float> train_features_, validation_features_;
  DeviceBuffer<std::int32_t> train_labels_, validation_labels_;
  std::int64_t validation_size_ = 0;
  DeviceBuffer<std::int32_t> order_;
  std::vector<std::int32_t> host_order_;
  DeviceBuffer<float> batch_x_;
  DeviceBuffer<std::int32_t> batch_y_;
  std::vector<DeviceBuffer<float>> activations_;  // a_l = act(h_l), hidden x batch, each layer
  DeviceBuffer<float> residual_;                  // h, the residual stream, hidden x batch
  DeviceBuffer<float> scratch_;                   // W^T times a gradient, hidden x batch
  DeviceBuffer<float> d_hidden_;                  // d(loss)/dh, hidden x batch
  DeviceBuffer<float> logits_;                    // classes x batch, then their gradient
  DeviceBuffer<float> ones_;                      // batch ones, for the bias gradients' row sums
  DeviceBuffer<double> loss_sum_;
  DeviceBuffer<unsigned long long> correct_;
};

}  // namespace

bool BuiltWithCuda() {
  return true;
}

GpuProbe ProbeGpu() {
  GpuProbe probe;
  int count = 0;
  if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess) {
    probe.reason = CudaErrorText(status);
    return probe;
  }
  if (count == 0) {
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    probe.reason = std::string("CUDA sees no device (CUDA_VISIBLE_DEVICES=") +
                   (visible ? visible : "(unset)") + ")";
    return probe;
  }
  // A kernel of this build must run there (a card older than the architectures it was built
  // for has no image for it).
  int* flag = nullptr;
  int value = 0;
  cudaError_t status = cudaSetDevice(0);
  if (status == cudaSuccess) status = cudaMalloc(reinterpret_cast<void**>(&flag), sizeof(int));
  if (status == cudaSuccess) {
    ProbeKernel<<<1, 1>>>(flag);
    status = cudaGetLastError();
    if (status == cudaSuccess) {
      status = cudaMemcpy(&value, flag, sizeof(int), cudaMemcpyDeviceToHost);
    }
    cudaFree(flag);
  }
  if (status != cudaSuccess) {
    probe.reason = "device 0 cannot run this build's kernels: " + CudaErrorText(status);
    return probe;
  }
  if (value != 42) {
    probe.reason = "device 0 ran a test kernel but returned a wrong value";
    return probe;
  }
  probe.usable = true;
  return probe;
}

std::unique_ptr<MlpBackend> MakeGpuMlpBackend(const MlpBackendSetup& setup) {
  const GpuProbe probe = ProbeGpu();
  if (!probe.usable) ThrowDeviceError("no usable GPU: " + probe.reason);
  return std::make_unique<GpuMlpBackend>(setup);
}

}  // namespace bayestune
