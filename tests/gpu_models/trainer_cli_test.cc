// bayestune-mlp's flags, exit codes and messages, running the built binary.
#include <catch2/catch.hpp>
#include <fstream>

#include "gpu_mlp_backend.h"
#include "trainer_test_support.h"

using namespace bayestune;
using testing::RunTrainer;

namespace {

constexpr int kBadFlags = 2, kDataError = 3, kDeviceError = 4, kDiverged = 5;

}  // namespace

TEST_CASE("unknown, malformed and out-of-range flags exit 2 saying what is valid",
          "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("bad_flags");
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> said;
  };
  const std::vector<Case> cases = {
      {{"--n_layer=5"}, {"--n_layer", "valid flags", "--n_layers", "--momentum", "--job-dir"}},
      {{"--epochs=2", "stray"}, {"stray", "valid flags"}},
      {{"--n_layers=abc"}, {"--n_layers", "abc"}},
      {{"--n_layers=101"}, {"--n_layers", "101", "1 to 100"}},
      {{"--n_layers=0"}, {"--n_layers", "1 to 100"}},
      {{"--n_layers=3.5"}, {"--n_layers", "not an integer", "1 to 100"}},
      {{"--seed=-1"}, {"--seed", "0 to"}},
      {{"--momentum=1.5"}, {"--momentum", "0 to 1"}},
      {{"--momentum=-0.1"}, {"--momentum", "0 to 1"}},
      {{"--learning_rate=nan"}, {"--learning_rate", "above 0"}},
      {{"--learning_rate=0"}, {"--learning_rate", "above 0"}},
      {{"--weight_decay=-1"}, {"--weight_decay", "0 or more"}},
      {{"--batch_size=0"}, {"--batch_size", "1 to 65536"}},
      {{"--activation=sigmoid"}, {"--activation", "sigmoid", "relu", "tanh"}},
      {{"--device=tpu"}, {"--device", "auto", "cpu", "gpu"}},
      {{"--epochs=1", "--epochs=2"}, {"--epochs"}},
      {{"--hidden_units"}, {"--hidden_units"}},
      {{"--optimizer=rmsprop"}, {"--optimizer", "rmsprop", "sgd", "adam"}},
      {{"--optimizer=adam", "--beta1=1"}, {"--beta1", "0 to below 1"}},
      {{"--optimizer=adam", "--beta2=-0.5"}, {"--beta2", "0 to below 1"}},
      {{"--optimizer=adam", "--epsilon=0"}, {"--epsilon", "above 0"}},
      {{"--threads=0"}, {"--threads", "1 to 64"}},
      {{"--threads=65"}, {"--threads", "1 to 64"}},
      {{"--threads=two"}, {"--threads", "not an integer"}},
      // A flag of the other optimizer is an error, not silently ignored.
      {{"--optimizer=adam", "--momentum=0.5"},
       {"--momentum is a flag of --optimizer=sgd", "--optimizer=adam", "--beta1"}},
      {{"--beta1=0.8"}, {"--beta1 is a flag of --optimizer=adam", "--optimizer=sgd"}},
      {{"--optimizer=sgd", "--epsilon=1e-6"}, {"--epsilon", "--optimizer=adam"}},
  };
  for (const Case& c : cases) {
    const auto run = RunTrainer(dir, c.args);
    INFO("args: " << c.args[0] << "\nstdout:\n" << run.out << "\nstderr:\n" << run.err);
    CHECK(run.exit_code == kBadFlags);
    CHECK_THAT(run.err, Catch::StartsWith("bayestune-mlp: error: "));
    for (const std::string& text : c.said)
      CHECK_THAT(run.err, Catch::Contains(text));
    CHECK(testing::FilesStartingWith(dir, "events.out.tfevents").empty());
  }
}

TEST_CASE("flags take --name=value and --name value, and --help lists them with defaults",
          "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("flag_forms");
  const auto run = RunTrainer(dir, {"--n_layers", "2", "--epochs=1", "--hidden_units=8",
                                    "--device=cpu", "--activation", "tanh", "--seed=3"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("2 hidden layer(s) of 8 tanh units"));
  CHECK_THAT(run.out, Catch::Contains("seed 3"));
  CHECK_THAT(run.out, Catch::Contains("epoch 1/1"));

  const auto help = RunTrainer(dir, {"--help"});
  CHECK(help.exit_code == 0);
  for (const char* flag :
       {"--n_layers", "--momentum", "--learning_rate", "--hidden_units", "--batch_size", "--epochs",
        "--weight_decay", "--activation", "--seed", "--job-dir", "--device", "--data",
        "--optimizer", "--beta1", "--beta2", "--epsilon", "--threads"}) {
    CHECK_THAT(help.out, Catch::Contains(flag));
  }
  // --n_layers: its range and its default, as CLI11 2.1 ("1 to 100=10") or 2.4 ("1 to 100 [10]")
  // prints them.
  const std::size_t line = help.out.find("--n_layers");
  REQUIRE(line != std::string::npos);
  const std::string n_layers = help.out.substr(line, help.out.find('\n', line) - line);
  CHECK_THAT(n_layers, Catch::Contains("1 to 100"));
  CHECK((n_layers.find("=10") != std::string::npos || n_layers.find("[10]") != std::string::npos));
}

TEST_CASE("missing or malformed data exits 3 naming the file", "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("bad_data");
  auto run = RunTrainer(dir, {"--data=" + (dir / "nowhere").string()});
  CHECK(run.exit_code == kDataError);
  CHECK_THAT(run.err, Catch::Contains("nowhere") && Catch::Contains("--data"));

  run = RunTrainer(dir, {}, {"BAYESTUNE_MLP_DATA=" + (dir / "elsewhere.csv").string()});
  CHECK(run.exit_code == kDataError);
  CHECK_THAT(run.err, Catch::Contains("elsewhere.csv") && Catch::Contains("BAYESTUNE_MLP_DATA"));

  std::ofstream(dir / "bad.csv") << "1,2,3\n";
  run = RunTrainer(dir, {"--data=bad.csv"});
  CHECK(run.exit_code == kDataError);
  CHECK_THAT(run.err, Catch::Contains("bad.csv:1"));

  std::filesystem::create_directories(dir / "empty_mnist");
  run = RunTrainer(dir, {"--data=empty_mnist"});
  CHECK(run.exit_code == kDataError);
  CHECK_THAT(run.err, Catch::Contains("empty_mnist") && Catch::Contains("train-images-idx3-ubyte"));
}

TEST_CASE("the default dataset is found from any working directory", "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("default_data");
  const auto run = RunTrainer(dir, {"--epochs=1", "--n_layers=1", "--device=cpu"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("examples/data/digits.csv.gz: 1437 train, 360 validation"));
}

TEST_CASE("a diverging run stops with exit 5 and says so", "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("diverged");
  const auto run = RunTrainer(dir, {"--learning_rate=10", "--momentum=0.99", "--device=cpu",
                                    "--job-dir=" + (dir / "job").string()});
  INFO(run.out << run.err);
  CHECK(run.exit_code == kDiverged);
  CHECK_THAT(run.err, Catch::Contains("diverged") && Catch::Contains("nan") &&
                          Catch::Contains("--learning_rate"));
  // Nothing but the file_version record: a diverged epoch reports no metrics.
  const auto events = testing::FilesStartingWith(dir / "job", "events.out.tfevents");
  REQUIRE(events.size() == 1);
  CHECK(testing::ReadTfRecords(events[0]).size() == 1);
}

TEST_CASE("without a usable GPU, --device=gpu exits 4 and auto falls back to the CPU",
          "[gpu_models][cli]") {
  if (ProbeGpu().usable) {
    WARN("a GPU is usable here: the GPU tests (gpu_models_gpu_tests) cover it");
    return;
  }
  const auto dir = testing::FreshTestDir("no_gpu");
  auto run = RunTrainer(dir, {"--device=gpu", "--epochs=1"});
  CHECK(run.exit_code == kDeviceError);
  CHECK_THAT(run.err, Catch::Contains("no usable GPU"));

  run = RunTrainer(dir, {"--device=auto", "--epochs=1", "--n_layers=1"});
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("no usable GPU") && Catch::Contains("training on the CPU"));
  CHECK_THAT(run.out, Catch::Contains("device: cpu"));
}

TEST_CASE("the adam optimizer trains with Adam's flags and its own default learning rate",
          "[gpu_models][cli][adam]") {
  const auto dir = testing::FreshTestDir("adam_flags");
  auto run = RunTrainer(dir, {"--optimizer=adam", "--epochs=1", "--n_layers=1", "--device=cpu"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out,
             Catch::Contains("Adam learning_rate 0.001 beta1 0.9 beta2 0.999 epsilon 1e-08"));
  run =
      RunTrainer(dir, {"--optimizer", "adam", "--learning_rate=0.003", "--beta1=0.5", "--beta2=0.9",
                       "--epsilon=1e-6", "--epochs=1", "--n_layers=1", "--device=cpu"});
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out,
             Catch::Contains("Adam learning_rate 0.003 beta1 0.5 beta2 0.9 epsilon 1e-06"));
  run = RunTrainer(
      dir, {"--optimizer=sgd", "--momentum=0.5", "--epochs=1", "--n_layers=1", "--device=cpu"});
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("SGD learning_rate 0.01 momentum 0.5"));
}

TEST_CASE("the CPU threads come from --threads, else OMP_NUM_THREADS, else 1",
          "[gpu_models][cli]") {
  const auto dir = testing::FreshTestDir("threads");
  const std::vector<std::string> quick = {"--epochs=1", "--n_layers=1", "--device=cpu"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), quick.begin(), quick.end());
    return args;
  };
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> environment;
    std::string threads_line;
    std::string device_line;
  };
  const std::vector<Case> cases = {
      {with({}), {}, "threads: 1 (default)", "device: cpu (1 thread;"},
      {with({"--threads=2"}), {}, "threads: 2 (--threads)", "device: cpu (2 threads;"},
      {with({}), {"OMP_NUM_THREADS=2"}, "threads: 2 (OMP_NUM_THREADS)", "device: cpu (2 threads;"},
      {with({}),
       {"OMP_NUM_THREADS=3,1"},
       "threads: 3 (OMP_NUM_THREADS)",
       "device: cpu (3 threads;"},
      {with({"--threads=1"}),
       {"OMP_NUM_THREADS=2"},
       "threads: 1 (--threads)",
       "device: cpu (1 thread;"},
      {with({}),
       {"OMP_NUM_THREADS=1000"},
       "threads: 64 (OMP_NUM_THREADS=1000, at most 64)",
       "device: cpu (64 threads;"},
  };
  for (const Case& c : cases) {
    const auto run = RunTrainer(dir, c.args, c.environment);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains(c.threads_line));
    CHECK_THAT(run.out, Catch::Contains(c.device_line));
    CHECK_THAT(run.out, Catch::Contains("OpenBLAS"));
  }
  const auto bad = RunTrainer(dir, quick, {"OMP_NUM_THREADS=many"});
  CHECK(bad.exit_code == kBadFlags);
  CHECK_THAT(bad.err, Catch::Contains("OMP_NUM_THREADS='many'") && Catch::Contains("--threads"));
}
