#include "bayestune/gpu_models/mlp_flags.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <limits>

#include "bayestune/gpu_models/trainer_error.h"

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

namespace {

// Checks that, unlike CLI::Range, reject NaN and non-integers for integer flags, and say the
// valid range both in the error and in --help.
CLI::Validator NumberIn(double low, double high, bool low_inclusive, const std::string& range) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) {
          return "'" + text + "' is not a number; valid: " + range;
        }
        const bool above_low = low_inclusive ? value >= low : value > low;
        if (!(above_low && value <= high)) return "'" + text + "' is out of range; valid: " + range;
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
      "Trains an MLP classifier (CUDA + cuBLAS on a GPU, Eigen on the CPU) and writes its "
      "validation accuracy, loss and train_accuracy to TensorBoard event files in --job-dir "
      "after every epoch. Flags take --name=value or --name value. docs/gpu_models.md has the "
      "details.",
      "bayestune-mlp");
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(30);
  const double kHuge = 1e30;
  app.add_option("--n_layers", o.n_layers,
                 "hidden layers of hidden_units each; layers 2.. are residual")
      ->check(IntegerIn(1, 100));
  app.add_option("--momentum", o.momentum, "SGD momentum")->check(NumberIn(0, 1, true, "0 to 1"));
  app.add_option("--learning_rate", o.learning_rate, "SGD learning rate")
      ->check(NumberIn(0, 10, false, "above 0, at most 10"));
  app.add_option("--hidden_units", o.hidden_units, "width of every hidden layer")
      ->check(IntegerIn(1, 8192));
  app.add_option("--batch_size", o.batch_size, "samples per SGD step")->check(IntegerIn(1, 65536));
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
  app.add_option("--data", o.data,
                 "a folder of MNIST IDX files or a digits-format CSV file; default: "
                 "$BAYESTUNE_MLP_DATA, else examples/data/digits.csv.gz");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    parsed.help = app.help();
  } catch (const CLI::ExtrasError& error) {
    throw TrainerError(TrainerExitCode::kBadFlags, std::string(error.what()) + "; valid flags: " +
                                                       ValidFlags(app) + " (as --name=value)");
  } catch (const CLI::ParseError& error) {
    throw TrainerError(TrainerExitCode::kBadFlags,
                       std::string(error.what()) + " (run with --help for every flag)");
  }
  o.activation = activation == "tanh" ? Activation::kTanh : Activation::kRelu;
  o.device = device == "cpu"   ? DeviceChoice::kCpu
             : device == "gpu" ? DeviceChoice::kGpu
                               : DeviceChoice::kAuto;
  return parsed;
}

}  // namespace bayestune
