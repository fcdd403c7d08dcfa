#pragma once

#include <memory>
#include <ostream>

#include "mlp_backend.h"
#include "mlp_options.h"

namespace bayestune {

// The backend --device asks for: cpu; gpu (TrainerError(kDeviceError) when none is usable); auto:
// the GPU when one is usable, else the CPU, saying why on `log`.
std::unique_ptr<MlpBackend> SelectMlpBackend(DeviceChoice device, const MlpBackendSetup& setup,
                                             std::ostream& log);

}  // namespace bayestune
