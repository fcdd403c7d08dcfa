#include "bayestune/trial_runner/gpu_detection.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace bayestune;

namespace {

GpuDetectionOptions OnlyNvidiaSmi(const std::string& program) {
  GpuDetectionOptions options;
  options.use_cuda_visible_devices = false;
  options.use_nvml = false;
  options.use_cuda_driver = false;
  options.nvidia_smi = program;
  return options;
}

}  // namespace

TEST_CASE("GPUs from nvidia-smi -L", "[gpu_detection]") {
  const auto dir = test::MakeTempDir("smi");
  test::WriteFile(dir / "nvidia-smi",
                  "#!/bin/sh\n"
                  "[ \"$1\" = -L ] || exit 9\n"
                  "echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)'\n"
                  "echo 'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb)'\n"
                  "echo '  MIG 1g.10gb     Device  0: (UUID: MIG-cccc)'\n",
                  true);
  const DetectedGpus found = DetectGpus(OnlyNvidiaSmi((dir / "nvidia-smi").string()));
  CHECK(found.source == "nvidia-smi");
  CHECK(found.ids == std::vector<int>{0, 1});
}

TEST_CASE("no GPU when nvidia-smi is missing or fails", "[gpu_detection]") {
  const auto dir = test::MakeTempDir("smi");
  test::WriteFile(dir / "nvidia-smi", "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n",
                  true);
  DetectedGpus found = DetectGpus(OnlyNvidiaSmi((dir / "nvidia-smi").string()));
  CHECK(found.source == "none");
  CHECK(found.ids.empty());
  REQUIRE(found.notes.size() == 1);
  CHECK(found.notes[0].find("failed") != std::string::npos);

  found = DetectGpus(OnlyNvidiaSmi((dir / "missing-smi").string()));
  CHECK(found.ids.empty());
  CHECK(found.notes.at(0).find("not found") != std::string::npos);
}

TEST_CASE("the runner's own CUDA_VISIBLE_DEVICES restricts the GPUs", "[gpu_detection]") {
  GpuDetectionOptions options = OnlyNvidiaSmi("");
  options.use_cuda_visible_devices = true;
  setenv("CUDA_VISIBLE_DEVICES", "2,3", 1);
  DetectedGpus found = DetectGpus(options);
  CHECK(found.ids == std::vector<int>{2, 3});
  CHECK(found.source == "CUDA_VISIBLE_DEVICES");

  setenv("CUDA_VISIBLE_DEVICES", "", 1);
  found = DetectGpus(options);
  CHECK(found.ids.empty());
  CHECK(found.source == "CUDA_VISIBLE_DEVICES");

  setenv("CUDA_VISIBLE_DEVICES", "GPU-aaaa", 1);
  found = DetectGpus(options);
  CHECK(found.source == "none");
  CHECK(found.notes.at(0).find("not a list of GPU numbers") != std::string::npos);
  unsetenv("CUDA_VISIBLE_DEVICES");
}
