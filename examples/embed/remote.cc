// bayestune's gRPC service embedded in a program, and its client: a server over a SQLite study
// database on 127.0.0.1 (any free port), and a client that creates a study from tuning.yaml text,
// asks for trials and reports them, as a worker on another machine would. Exits 1 when the study
// goes wrong. Usage: embed_remote DATABASE_FILE
#include <bayestune/optimizer/errors.h>
#include <bayestune/proto/study_client.h>
#include <bayestune/proto/study_server.h>
#include <bayestune/store/sqlite_study_repository.h>

#include <chrono>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace bayestune;
  if (argc != 2) {
    std::cerr << "usage: embed_remote DATABASE_FILE\n";
    return 2;
  }
  const std::string yaml =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: MINIMIZE\n"
      "    hyperparameterMetricTag: loss\n"
      "    maxTrials: 6\n"
      "    params:\n"
      "      - {parameterName: x, type: DOUBLE, minValue: -2, maxValue: 2}\n";
  try {
    proto::StudyServer server(SqliteStudyRepository::Open(argv[1]),
                              {.listen_address = "127.0.0.1:0"});
    const int port = server.Start();
    proto::StudyClient client({.server_address = "127.0.0.1:" + std::to_string(port)});
    client.CreateStudyFromYaml("remote-toy", yaml);
    bool done = false;
    int finished = 0;
    while (!done) {
      for (const Trial& trial : client.SuggestTrials("remote-toy", 2, "embed-remote", &done)) {
        const double x = trial.parameters.at("x").AsDouble();
        client.AddMeasurements("remote-toy", trial.id,
                               {{.metric = "loss", .step = 1, .value = (x - 0.5) * (x - 0.5)}});
        client.CompleteTrial("remote-toy", trial.id);
        ++finished;
      }
    }
    const auto optimal = client.ListOptimalTrials("remote-toy");
    server.Shutdown(std::chrono::seconds(1));
    if (finished != 6 || optimal.size() != 1 || !optimal[0].final_value) {
      std::cerr << "embed_remote: expected 6 finished trials and one best, got " << finished
                << " and " << optimal.size() << "\n";
      return 1;
    }
    std::cout << "remote study: " << finished << " trials over gRPC on port " << port
              << ", best loss " << *optimal[0].final_value << "\n";
  } catch (const std::exception& e) {
    std::cerr << "embed_remote: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
