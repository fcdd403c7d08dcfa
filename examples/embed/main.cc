// Tunes a toy "training run" with bayestune's optimizer embedded as a library: a study built in
// code, kept in memory, driven through the Study API. Exits 1 when the study goes wrong.
#include <bayestune/optimizer/errors.h>
#include <bayestune/optimizer/in_memory_study_repository.h>
#include <bayestune/optimizer/study.h>

#include <cmath>
#include <iostream>
#include <memory>

namespace {

// The "validation loss" of a model trained with these hyperparameters: best near lr = 3e-3,
// 4 layers, the "adam" optimizer.
double ToyLoss(const bayestune::ParameterValues& p) {
  const double lr = std::log10(p.at("learning_rate").AsDouble()) - std::log10(3e-3);
  const double layers = static_cast<double>(p.at("layers").AsInteger()) - 4.0;
  const double optimizer = p.at("optimizer").AsString() == "adam" ? 0.0 : 0.3;
  return 0.2 + lr * lr + 0.02 * layers * layers + optimizer;
}

}  // namespace

int main() {
  using namespace bayestune;
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "val_loss";
  spec.max_trials = 24;
  spec.seed = 7;
  spec.parameters = {
      ParameterSpec::Double("learning_rate", 1e-5, 1e-1, ScaleType::kLog),
      ParameterSpec::Integer("layers", 1, 8),
      ParameterSpec::Categorical("optimizer", {"sgd", "adam", "rmsprop"}),
  };
  try {
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "toy",
                             {.create_if_missing = true, .spec = spec});
    double first = NAN;
    while (!study->IsDone()) {
      for (const Trial& trial : study->Suggest(2, "embed-example")) {
        // A real program would train here and report measurements as it goes.
        const double loss = ToyLoss(trial.parameters);
        study->AddMeasurement(trial.id, {.metric = "val_loss", .step = 1, .value = loss});
        study->Complete(trial.id);
        if (std::isnan(first)) first = loss;
      }
    }
    const auto best = study->BestTrial();
    const StudyProgress progress = study->Progress();
    if (!best || progress.succeeded != spec.max_trials) {
      std::cerr << "embed_example: the study did not complete its " << spec.max_trials
                << " trials\n";
      return 1;
    }
    std::cout << "best of " << progress.succeeded << " trials: trial " << best->id << ", val_loss "
              << *best->final_value << ", first trial " << first << "\n";
    for (const auto& [name, value] : best->parameters)
      std::cout << "  " << name << " = " << value.ToString() << "\n";
    if (!(*best->final_value < first) || *best->final_value > 0.3) {
      std::cerr << "embed_example: the optimizer found nothing better than " << first << "\n";
      return 1;
    }
  } catch (const Error& e) {
    std::cerr << "embed_example: " << ErrorCodeName(e.code()) << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
