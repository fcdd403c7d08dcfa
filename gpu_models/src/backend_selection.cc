#include "backend_selection.h"

#include "gpu_mlp_backend.h"

namespace bayestune {

std::unique_ptr<MlpBackend> SelectMlpBackend(DeviceChoice device, const MlpBackendSetup& setup,
                                             std::ostream& log) {
  if (device == DeviceChoice::kGpu) return MakeGpuMlpBackend(setup);
  if (device == DeviceChoice::kAuto) {
    const GpuProbe probe = ProbeGpu();
    if (probe.usable) return MakeGpuMlpBackend(setup);
    log << "no usable GPU (" << probe.reason << "): training on the CPU" << std::endl;
  }
  return MakeCpuMlpBackend(setup);
}

}  // namespace bayestune
