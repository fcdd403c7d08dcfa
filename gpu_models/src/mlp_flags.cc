#include "mlp_flags.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "trainer_error.h"

namespace bayestune {

const char* ActivationName(Activation activation) {
  return activation == Activation::kRelu ? "relu" : "tanh";
}

const char* DeviceChoiceName(DeviceChoice device) {
  switch (device) {
    case DeviceChoice::kCpu:
      return "cpu";
    case DeviceChoice::kGpu:
      return "gpu";
    case DeviceChoice::kAuto:
      break;
  }
  return "auto";
}

const char* OptimizerName(OptimizerKind optimizer) {
  return optimizer == OptimizerKind::kAdam ? "adam" : "sgd";
}

namespace {

constexpr double kAdamDefaultLearningRate = 0.001;
// Debian's OpenBLAS is built with MAX_THREADS=64: more threads would not be used.
constexpr int kMaxThreads = 64;

// Checks that, unlike CLI::Range, reject NaN and non-integers for integer flags, and say the
// valid range both in the error and in --help.
CLI::Validator NumberIn(double low, double high, bool low_inclusive, const std::string& range,
                        bool high_inclusive = true) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) {
          return "'" + text + "' is not a number; valid: " + range;
        }
        const bool above_low = low_inclusive ? value >= low : value > low;
        const bool below_high = high_inclusive ? value <= high : value < high;
        if (!(above_low && below_high)) return "'" + text + "' is out of range; valid: " + range;
        return {};
      },
      range);
}

CLI::Validator IntegerIn(std::int64_t low, std::int64_t high) {
  const std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        std::int64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (text.empty() || error == std::errc::invalid_argument || stop != end) {
          return "'" + text + "' is not an integer; valid: " + range;
        }
        if (error == std::errc::result_out_of_range || value < low || value > high) {
          return "'" + text + "' is out of range; valid: " + range;
        }
        return {};
      },
      range);
}

// The default of --threads: OMP_NUM_THREADS (the runner sets it for CPU trials: the machine's
// cores shared among the trials that run at once), its first number when it is a list as OpenMP
// allows ("4,2"); else 1. More than kMaxThreads is capped; anything but a positive integer is an
// error, as a flag would be.
void ThreadsFromEnvironment(MlpOptions& o) {
  const char* variable = std::getenv("OMP_NUM_THREADS");
  const std::string text = variable ? variable : "";
  if (text.empty()) return;
  const std::string first = text.substr(0, text.find(','));
  std::int64_t value = 0;
  const char* end = first.data() + first.size();
  const auto [stop, error] = std::from_chars(first.data(), end, value);
  if (first.empty() || error == std::errc::invalid_argument || stop != end || value < 1) {
    throw TrainerError(TrainerExitCode::kBadFlags,
                       "OMP_NUM_THREADS='" + text +
                           "' is not a positive integer; it sets the default of --threads: set "
                           "it to a number of threads, unset it, or give --threads=N");
  }
  if (error == std::errc::result_out_of_range || value > kMaxThreads) {
    o.threads = kMaxThreads;
    o.threads_source = "OMP_NUM_THREADS=" + text + ", at most " + std::to_string(kMaxThreads);
    return;
  }
  o.threads = static_cast<int>(value);
  o.threads_source = "OMP_NUM_THREADS";
}

// A flag of one optimizer given with the other: an error rather than a flag silently ignored
// (a study would tune a parameter that does nothing). A conditional study passes a child
// parameter only with its parent's value, so it never gets here.
void CheckOptimizerFlags(const CLI::App& app, const MlpOptions& o) {
  const bool adam = o.optimizer == OptimizerKind::kAdam;
  const std::vector<std::string> foreign =
      adam ? std::vector<std::string>{"--momentum"}
           : std::vector<std::string>{"--beta1", "--beta2", "--epsilon"};
  for (const std::string& flag : foreign) {
    if (app.count(flag) == 0) continue;
    throw TrainerError(
        TrainerExitCode::kBadFlags,
        flag + " is a flag of --optimizer=" + (adam ? "sgd" : "adam") +
            ", and this run uses --optimizer=" + OptimizerName(o.optimizer) +
            (adam ? " (its flags: --beta1, --beta2, --epsilon)" : " (its flag: --momentum)") +
            "; drop " + flag + " or give --optimizer=" + (adam ? "sgd" : "adam"));
  }
}

std::string ValidFlags(const CLI::App& app) {
  std::string names;
  for (const CLI::Option* option : app.get_options()) {
    if (!names.empty()) names += ", ";
    names += option->get_name();
  }
  return names;
}

}  // namespace

ParsedMlpFlags ParseMlpFlags(int argc, const char* const* argv) {
  ParsedMlpFlags parsed;
  MlpOptions& o = parsed.options;
  CLI::App app(
      "Trains an MLP classifier with SGD or Adam (CUDA + cuBLAS on a GPU, Eigen and OpenBLAS on "
      "the CPU) and writes its validation accuracy, loss, train_accuracy, param_count and "
      "train_seconds to TensorBoard event files in --job-dir after every epoch. Flags take "
      "--name=value or --name value. docs/gpu_models.md has the details.",
      "bayestune-mlp");
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(30);
  const double kHuge = 1e30;
  app.add_option("--n_layers", o.n_layers,
                 "hidden layers of hidden_units each; layers 2.. are residual")
      ->check(IntegerIn(1, 100));
  std::string optimizer = OptimizerName(o.optimizer);
  app.add_option("--optimizer", optimizer,
                 "sgd (with --momentum) or adam (--beta1, --beta2, --epsilon)")
      ->check(CLI::IsMember({"sgd", "adam"}));
  app.add_option("--learning_rate", o.learning_rate,
                 "step size; default 0.01 with sgd, 0.001 with adam")
      ->check(NumberIn(0, 10, false, "above 0, at most 10"))
      ->capture_default_str();
  app.add_option("--momentum", o.momentum, "sgd only: momentum")
      ->check(NumberIn(0, 1, true, "0 to 1"));
  app.add_option("--beta1", o.beta1, "adam only: decay of the gradient's mean")
      ->check(NumberIn(0, 1, true, "0 to below 1", false));
  app.add_option("--beta2", o.beta2, "adam only: decay of the squared gradient's mean")
      ->check(NumberIn(0, 1, true, "0 to below 1", false));
  app.add_option("--epsilon", o.epsilon, "adam only: added to the denominator")
      ->check(NumberIn(0, 1, false, "above 0, at most 1"));
  app.add_option("--hidden_units", o.hidden_units, "width of every hidden layer")
      ->check(IntegerIn(1, 8192));
  app.add_option("--batch_size", o.batch_size, "samples per optimizer step")
      ->check(IntegerIn(1, 65536));
  app.add_option("--epochs", o.epochs, "passes over the training set")->check(IntegerIn(1, 100000));
  app.add_option("--weight_decay", o.weight_decay, "L2 penalty added to every gradient")
      ->check(NumberIn(0, kHuge, true, "0 or more"));
  std::string activation = ActivationName(o.activation);
  app.add_option("--activation", activation, "relu or tanh")
      ->check(CLI::IsMember({"relu", "tanh"}));
  app.add_option("--seed", o.seed, "seeds the initial weights and the batch order")
      ->check(IntegerIn(0, std::numeric_limits<std::int64_t>::max()));
  app.add_option("--job-dir,--job_dir", o.job_dir,
                 "folder for the TensorBoard event file (none when empty)");
  std::string device = DeviceChoiceName(o.device);
  app.add_option("--device", device, "auto (the GPU when one is usable), cpu or gpu")
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}));
  app.add_option("--threads", o.threads,
                 "CPU threads of the matrix products; default: $OMP_NUM_THREADS, else 1")
      ->check(IntegerIn(1, kMaxThreads));
  app.add_option("--data", o.data,
                 "a folder of MNIST IDX files or a digits-format CSV file; default: "
                 "$BAYESTUNE_MLP_DATA, else the digits dataset installed with the trainer "
                 "(share/bayestune/digits.csv.gz) or of its source tree");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    parsed.help = app.help();
    return parsed;
  } catch (const CLI::ExtrasError& error) {
    throw TrainerError(TrainerExitCode::kBadFlags, std::string(error.what()) + "; valid flags: " +
                                                       ValidFlags(app) + " (as --name=value)");
  } catch (const CLI::ParseError& error) {
    throw TrainerError(TrainerExitCode::kBadFlags,
                       std::string(error.what()) + " (run with --help for every flag)");
  }
  o.optimizer = optimizer == "adam" ? OptimizerKind::kAdam : OptimizerKind::kSgd;
  CheckOptimizerFlags(app, o);
  if (app.count("--learning_rate") == 0 && o.optimizer == OptimizerKind::kAdam) {
    o.learning_rate = kAdamDefaultLearningRate;
  }
  if (app.count("--threads") > 0) {
    o.threads_source = "--threads";
  } else {
    ThreadsFromEnvironment(o);
  }
  o.activation = activation == "tanh" ? Activation::kTanh : Activation::kRelu;
  o.device = device == "cpu"   ? DeviceChoice::kCpu
             : device == "gpu" ? DeviceChoice::kGpu
                               : DeviceChoice::kAuto;
  return parsed;
}

}  // namespace bayestune
