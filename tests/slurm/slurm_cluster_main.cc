// The main of the tests that need a real Slurm cluster: they skip (exit 77, which ctest reports
// as skipped) where none can start, not root or Slurm not installed, and fail instead under CI
// (CI=true), where scripts/install-deps --test installs Slurm and the tests run as root.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "slurm_test_cluster.h"

int main(int argc, char* argv[]) {
  bool listing = false;
  for (int i = 1; i < argc; ++i)
    listing = listing || std::string_view(argv[i]).starts_with("--list");
  if (!listing) {
    if (auto why = bayestune::testing::SlurmTestCluster::WhyUnavailable()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") {
        std::printf("FAILED: CI must run the Slurm tests, but no test cluster can start: %s\n",
                    why->c_str());
        return 1;
      }
      std::printf("SKIP: no Slurm test cluster: %s\n", why->c_str());
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}
