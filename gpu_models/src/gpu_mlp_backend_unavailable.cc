// The GPU backend of a build without CUDA (BAYESTUNE_CUDA=OFF, or no toolkit at configure time).
#include "gpu_mlp_backend.h"
#include "trainer_error.h"

namespace bayestune {

bool BuiltWithCuda() {
  return false;
}

GpuProbe ProbeGpu() {
  return {false, "this bayestune-mlp was built without CUDA (no toolkit at configure time)"};
}

std::unique_ptr<MlpBackend> MakeGpuMlpBackend(const MlpBackendSetup&) {
  throw TrainerError(TrainerExitCode::kDeviceError, "no usable GPU: " + ProbeGpu().reason);
}

}  // namespace bayestune
