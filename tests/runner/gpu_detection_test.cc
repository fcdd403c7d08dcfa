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
  CHECK(found.ids.empty());
  CHECK_THAT(found.notes.at(0),
             Catch::StartsWith("CUDA_VISIBLE_DEVICES='GPU-aaaa': 'GPU-aaaa' is not the UUID of "
                               "a GPU of this machine (the GPUs' UUIDs cannot be read: "));
  unsetenv("CUDA_VISIBLE_DEVICES");
}

TEST_CASE("a CUDA_VISIBLE_DEVICES of GPU UUIDs restricts the GPUs to those", "[gpu_detection]") {
  // Not a list of numbers, it was ignored, and every GPU found was handed out: GPUs 0 and 1 for
  // a run given GPU 1 by UUID, or none (-1, a MIG instance, a GPU of another machine), with no
  // word when they were found (fieldtest16). As CUDA reads it: up to the first entry that is
  // neither a number nor a UUID (or the unique start of one) of a GPU here.
  const auto dir = test::MakeTempDir("smi");
  test::WriteFile(dir / "nvidia-smi",
                  "#!/bin/sh\n"
                  "[ \"$1\" = -L ] || exit 9\n"
                  "echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa-0000)'\n"
                  "echo 'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb-1111)'\n"
                  "echo '  MIG 1g.10gb     Device  0: (UUID: MIG-cccc)'\n"
                  "echo 'GPU 2: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb-2222)'\n",
                  true);
  GpuDetectionOptions options = OnlyNvidiaSmi((dir / "nvidia-smi").string());
  options.use_cuda_visible_devices = true;
  const auto visible = [&](const char* value) {
    setenv("CUDA_VISIBLE_DEVICES", value, 1);
    DetectedGpus found = DetectGpus(options);
    unsetenv("CUDA_VISIBLE_DEVICES");
    return found;
  };
  DetectedGpus found = visible("GPU-bbbb-1111");
  CHECK(found.ids == std::vector<int>{1});
  CHECK(found.source == "CUDA_VISIBLE_DEVICES, by UUID (nvidia-smi -L)");
  CHECK(visible("GPU-bbbb-2222,GPU-aaaa").ids == std::vector<int>{2, 0});
  CHECK(visible("2,GPU-aaaa-0000").ids == std::vector<int>{2, 0});
  for (const char* none : {"-1", "GPU-ffff", "MIG-cccc", "GPU-bbbb", "none"}) {
    INFO(none);
    found = visible(none);
    CHECK(found.ids.empty());
    CHECK(found.source == "CUDA_VISIBLE_DEVICES");
    REQUIRE(found.notes.size() == 1);
    CHECK_THAT(found.notes[0], Catch::Contains("CUDA sees no GPU from there on; give the GPUs to "
                                               "use by number (--gpus, runner.gpus; nvidia-smi "
                                               "-L lists them)"));
  }
  CHECK_THAT(visible("GPU-bbbb").notes[0],
             Catch::Contains("'GPU-bbbb' is the start of the UUID of several GPUs"));
  CHECK_THAT(visible("MIG-cccc").notes[0],
             Catch::Contains("is a MIG instance, which bayestune cannot hand out by number"));
  // Up to the first entry that is none: GPU 1 alone.
  found = visible("GPU-bbbb-1111,-1,0");
  CHECK(found.ids == std::vector<int>{1});
}
