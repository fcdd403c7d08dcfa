#include "grpc_test_support.h"

#include "test_study_yaml.h"

namespace bayestune::testing {

std::string TestTuningYaml(int max_trials, bool early_stopping) {
  return StudyYamlHead(max_trials, 4,
                       std::string("    algorithm: RANDOM_SEARCH\n"
                                   "    enableTrialEarlyStopping: ") +
                           (early_stopping ? "true" : "false") + "\n") +
         "      - parameterName: lr\n"
         "        type: DOUBLE\n"
         "        minValue: 0.001\n"
         "        maxValue: 0.1\n"
         "        scaleType: UNIT_LOG_SCALE\n"
         "      - parameterName: layers\n"
         "        type: INTEGER\n"
         "        minValue: 1\n"
         "        maxValue: 8\n"
         "      - parameterName: optimizer\n"
         "        type: CATEGORICAL\n"
         "        categoricalValues: [adam, sgd]\n";
}

proto::StudyClientOptions PlainClientOptions(const ServeProcess& server) {
  proto::StudyClientOptions options;
  options.server_address = server.address();
  options.call_timeout = std::chrono::seconds(30);
  return options;
}

std::unique_ptr<ServeProcess> StartServer(const TempFolder& dir,
                                          const std::vector<std::string>& extra,
                                          const std::string& listen) {
  std::vector<std::string> args = {"--db", dir.File("studies.db")};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ServeProcess>(args, dir.File("serve.log"), listen);
}

}  // namespace bayestune::testing
