#include "bayestune/gpu_models/mlp_flags.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <map>

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

// A number check that, unlike CLI::Range, also rejects NaN, with the valid range in its message.
CLI::Validator NumberIn(double low, double high, bool low_inclusive, const std::string& range) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a number";
        const bool above_low = low_inclusive ? value >= low : value > low;
        if (!(above_low && value <= high)) {
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
      ->check(CLI::Range(1, 100));
  app.add_option("--momentum", o.momentum, "SGD momentum")->check(NumberIn(0, 1, true, "0 to 1"));
  app.add_option("--learning_rate", o.learning_rate, "SGD learning rate")
      ->check(NumberIn(0, 10, false, "above 0, at most 10"));
  app.add_option("--hidden_units", o.hidden_units, "width of every hidden layer")
      ->check(CLI::Range(1, 8192));
  app.add_option("--batch_size", o.batch_size, "samples per SGD step")->check(CLI::Range(1, 65536));
  app.add_option("--epochs", o.epochs, "passes over the training set")
      ->check(CLI::Range(1, 100000));
  app.add_option("--weight_decay", o.weight_decay, "L2 penalty added to every gradient")
      ->check(NumberIn(0, kHuge, true, "0 or more"));
  const std::map<std::string, Activation> activations{{"relu", Activation::kRelu},
                                                      {"tanh", Activation::kTanh}};
  app.add_option("--activation", o.activation, "relu or tanh")
      ->transform(CLI::CheckedTransformer(activations))
      ->default_str(ActivationName(o.activation));
  app.add_option("--seed", o.seed, "seeds the initial weights and the batch order");
  app.add_option("--job-dir,--job_dir", o.job_dir,
                 "folder for the TensorBoard event file (none when empty)");
  const std::map<std::string, DeviceChoice> devices{
      {"auto", DeviceChoice::kAuto}, {"cpu", DeviceChoice::kCpu}, {"gpu", DeviceChoice::kGpu}};
  app.add_option("--device", o.device, "auto (the GPU when usable), cpu or gpu")
      ->transform(CLI::CheckedTransformer(devices))
      ->default_str(DeviceChoiceName(o.device));
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
  return parsed;
}

}  // namespace bayestune
