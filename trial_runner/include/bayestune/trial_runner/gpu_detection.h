#pragma once

#include <string>
#include <vector>

namespace bayestune {

struct GpuDetectionOptions {
  bool use_cuda_visible_devices = true;   // honour the runner's own CUDA_VISIBLE_DEVICES
  bool use_nvml = true;                   // dlopen libnvidia-ml.so.1
  bool use_cuda_driver = true;            // dlopen libcuda.so.1
  std::string nvidia_smi = "nvidia-smi";  // run with -L; empty: skip
  double nvidia_smi_timeout_seconds = 10;
};

struct DetectedGpus {
  std::vector<int> ids;  // in PCI bus order (CUDA_DEVICE_ORDER=PCI_BUS_ID)
  // Where the ids came from: "CUDA_VISIBLE_DEVICES", "NVML", "CUDA driver", "nvidia-smi" or
  // "none".
  std::string source;
  std::vector<std::string> notes;  // what was tried and why it gave nothing, for a warning
};

// The GPUs of this machine, found at run time with no link-time dependency: the runner's own
// CUDA_VISIBLE_DEVICES when it lists integer ids (an empty value means no GPU), else NVML, else the
// CUDA driver API (both through dlopen), else `nvidia-smi -L`, else none.
DetectedGpus DetectGpus(const GpuDetectionOptions& options = {});

}  // namespace bayestune
