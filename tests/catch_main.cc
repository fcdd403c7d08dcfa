// The tests' main: Catch2's, after giving this test process GPU slot locks of its own.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

int main(int argc, char* argv[]) {
  // Runners claim GPU slots machine-wide (SlotClaims). Tests use fake GPU ids and run in
  // parallel: each test process, with the runners and workers it starts, gets its own lock folder.
  if (std::getenv("BAYESTUNE_GPU_LOCK_DIR") == nullptr) {
    const char* tmp = std::getenv("BAYESTUNE_TEST_TMP");
    const std::string dir =
        std::string(tmp != nullptr ? tmp : "/tmp") + "/gpu-locks-" + std::to_string(::getpid());
    ::setenv("BAYESTUNE_GPU_LOCK_DIR", dir.c_str(), 1);
  }
  return Catch::Session().run(argc, argv);
}
