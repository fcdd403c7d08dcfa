#include "gpu_pool.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "bayestune/optimizer/errors.h"

using namespace bayestune;

TEST_CASE("one trial per GPU: each trial gets a GPU of its own", "[gpu_pool]") {
  GpuPool pool({0, 1, 2, 3}, 1, 1, 8);
  CHECK_FALSE(pool.cpu_only());
  CHECK(pool.Capacity() == 4);
  CHECK(pool.FreeSlots() == 4);
  std::set<int> held;
  for (int i = 0; i < 4; ++i) {
    auto gpus = pool.Acquire();
    REQUIRE(gpus);
    REQUIRE(gpus->size() == 1);
    CHECK(held.insert(gpus->front()).second);
  }
  CHECK(pool.FreeSlots() == 0);
  CHECK_FALSE(pool.Acquire());
  pool.Release({2});
  CHECK(pool.FreeSlots() == 1);
  CHECK(pool.Acquire() == std::vector<int>{2});
}

TEST_CASE("one trial at a time still goes round every GPU", "[gpu_pool]") {
  GpuPool pool({3, 5, 7}, 1, 1, 1);
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    auto gpus = *pool.Acquire();
    order.push_back(gpus.front());
    pool.Release(gpus);
  }
  CHECK(order == std::vector<int>{3, 5, 7, 3, 5, 7});
}

TEST_CASE("gpusPerTrial 2 hands out distinct pairs", "[gpu_pool]") {
  GpuPool pool({0, 1, 2, 3}, 2, 1, 8);
  CHECK(pool.Capacity() == 2);
  auto a = *pool.Acquire();
  auto b = *pool.Acquire();
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  std::set<int> all{a.begin(), a.end()};
  all.insert(b.begin(), b.end());
  CHECK(all.size() == 4);
  CHECK_FALSE(pool.Acquire());
}

TEST_CASE("trialsPerGpu 2 packs two trials on a GPU, spreading them first", "[gpu_pool]") {
  GpuPool pool({0, 1, 2, 3}, 1, 2, 8);
  CHECK(pool.Capacity() == 8);
  std::map<int, int> load;
  for (int i = 0; i < 4; ++i)
    ++load[pool.Acquire()->front()];
  CHECK(load.size() == 4);  // the first four go to four different GPUs
  for (int i = 0; i < 4; ++i)
    ++load[pool.Acquire()->front()];
  for (const auto& [gpu, n] : load)
    CHECK(n == 2);
  CHECK_FALSE(pool.Acquire());
}

TEST_CASE("odd shapes: 3 GPUs, 2 per trial, 2 trials per GPU", "[gpu_pool]") {
  GpuPool pool({0, 1, 2}, 2, 2, 8);
  CHECK(pool.Capacity() == 3);
  CHECK(pool.FreeSlots() == 3);
  std::map<int, int> load;
  for (int i = 0; i < 3; ++i) {
    auto gpus = pool.Acquire();
    REQUIRE(gpus);
    CHECK(gpus->size() == 2);
    CHECK((*gpus)[0] != (*gpus)[1]);
    for (int g : *gpus)
      ++load[g];
  }
  for (const auto& [gpu, n] : load)
    CHECK(n == 2);
  CHECK(pool.FreeSlots() == 0);
}

TEST_CASE("no GPU, or gpusPerTrial 0, means CPU trials up to the CPU limit", "[gpu_pool]") {
  for (auto pool : {GpuPool({}, 1, 1, 2), GpuPool({0, 1}, 0, 1, 2)}) {
    CHECK(pool.cpu_only());
    CHECK(pool.Capacity() == 2);
    CHECK(pool.Acquire() == std::vector<int>{});
    CHECK(pool.Acquire() == std::vector<int>{});
    CHECK_FALSE(pool.Acquire());
    pool.Release({});
    CHECK(pool.FreeSlots() == 1);
  }
}

TEST_CASE("bad GPU settings name the field", "[gpu_pool]") {
  CHECK_THROWS_WITH(GpuPool({0, 0}, 1, 1, 1),
                    Catch::Contains("runner.gpus") && Catch::Contains("listed twice"));
  CHECK_THROWS_WITH(GpuPool({-1}, 1, 1, 1), Catch::Contains("runner.gpus"));
  CHECK_THROWS_WITH(GpuPool({0, 1}, 3, 1, 1),
                    Catch::Contains("runner.gpusPerTrial is 3") && Catch::Contains("only 2"));
  CHECK_THROWS_AS(GpuPool({0}, -1, 1, 1), InvalidArgument);
  CHECK_THROWS_WITH(GpuPool({0}, 1, 0, 1), Catch::Contains("runner.trialsPerGpu"));
}
