#pragma once

#include <memory>
#include <string>

#include "mlp_backend.h"

namespace bayestune {

// Whether this build has the CUDA + cuBLAS backend (BAYESTUNE_CUDA, cmake/BayestuneCuda.cmake).
bool BuiltWithCuda();

// Whether a GPU can train: CUDA sees a device (device 0 of what CUDA_VISIBLE_DEVICES shows) and a
// kernel of this build runs on it. Without a driver (CI, this project's build machine) CUDA says
// "CUDA driver version is insufficient for CUDA runtime version": then `usable` is false and
// `reason` says so.
struct GpuProbe {
  bool usable = false;
  std::string reason;  // why not, when not usable
};
GpuProbe ProbeGpu();

// The CUDA + cuBLAS backend on device 0: parameters, gradients, momentum and both datasets live on
// the GPU; GEMMs run in cuBLAS (FP32, no TF32), bias, activation, softmax, loss and the SGD step in
// CUDA kernels. Throws TrainerError(kDeviceError) when there is no usable GPU or a CUDA call fails.
std::unique_ptr<MlpBackend> MakeGpuMlpBackend(const MlpBackendSetup& setup);

}  // namespace bayestune
