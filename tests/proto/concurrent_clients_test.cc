// Many clients on one study at once: no trial lost or handed out twice, and the stored study is
// exactly what the clients did.
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "grpc_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

constexpr int kClients = 32;
constexpr int kTrialsPerClient = 50;

// What one client did to one trial.
struct ClientTrial {
  std::string client_id;
  ParameterValues parameters;
  std::vector<double> values;  // at steps 1, 2, 3
  double final_value = 0;
};

// The value a client reports: unique to the client, the trial and the step.
double ValueOf(int client, int round, int step) {
  return client * 1000.0 + round + step / 10.0;
}

}  // namespace

TEST_CASE("32 concurrent clients each run 50 trials without losing or repeating one", "[grpc]") {
  // On tmpfs where there is one: what is tested here does not depend on fsync, which would make
  // the test's 8,000 commits take most of its time.
  TempFolder dir("grpc-concurrent", "/dev/shm");
  auto server = StartServer(dir);
  {
    proto::StudyClient admin(PlainClientOptions(*server));
    admin.CreateStudyFromYaml("shared", TestTuningYaml(kClients * kTrialsPerClient));
  }

  std::mutex mutex;
  std::map<std::int64_t, ClientTrial> done;  // by trial id
  std::vector<std::string> errors;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const std::string client_id = "client-" + std::to_string(c);
      try {
        proto::StudyClient client(PlainClientOptions(*server));
        for (int round = 0; round < kTrialsPerClient; ++round) {
          const auto trials = client.SuggestTrials("shared", 1, client_id);
          if (trials.size() != 1) throw std::runtime_error("no trial for " + client_id);
          const Trial& trial = trials[0];
          if (trial.client_id != client_id) throw std::runtime_error("trial of another client");
          ClientTrial record{client_id, trial.parameters, {}, 0};
          for (int step = 1; step <= 3; ++step) {
            record.values.push_back(ValueOf(c, round, step));
            client.AddMeasurement("shared", trial.id, step, record.values.back());
            if (step == 2 && round % 5 == 0) {
              // Vizier: asking again while the trial is active gives the same trial.
              const auto again = client.SuggestTrials("shared", 1, client_id);
              if (again.size() != 1 || again[0].id != trial.id) {
                throw std::runtime_error(client_id + " got another trial while one was active");
              }
            }
          }
          const Trial completed = client.CompleteTrial("shared", trial.id);
          record.final_value = *completed.final_value;
          std::lock_guard lock(mutex);
          if (!done.emplace(trial.id, record).second) {
            errors.push_back("trial " + std::to_string(trial.id) + " was handed out twice");
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors.push_back(client_id + ": " + e.what());
      }
    });
  }
  for (auto& t : clients)
    t.join();
  for (const auto& e : errors)
    UNSCOPED_INFO(e);
  REQUIRE(errors.empty());
  REQUIRE(done.size() == kClients * kTrialsPerClient);

  proto::StudyClient client(PlainClientOptions(*server));
  const auto trials = client.ListTrials("shared");
  REQUIRE(trials.size() == done.size());
  std::map<std::string, int> per_client;
  for (const Trial& t : trials) {
    const auto found = done.find(t.id);
    REQUIRE(found != done.end());
    const ClientTrial& mine = found->second;
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.client_id == mine.client_id);
    CHECK(t.parameters == mine.parameters);
    REQUIRE(t.measurements.size() == 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(t.measurements[i].step == i + 1);
      CHECK(t.measurements[i].value == mine.values[i]);
    }
    CHECK(t.final_value == mine.values.back());  // LAST: the value at step 3
    CHECK(t.final_step == 3);
    ++per_client[t.client_id];
  }
  CHECK(per_client.size() == kClients);
  for (const auto& [id, count] : per_client)
    CHECK(count == kTrialsPerClient);

  bool study_done = false;
  CHECK(client.SuggestTrials("shared", 1, "late", &study_done).empty());
  CHECK(study_done);
  const v1::Study study = client.GetStudy("shared");
  CHECK(study.progress().succeeded() == kClients * kTrialsPerClient);
  CHECK(study.state() == v1::Study::COMPLETED);
  const auto best = client.ListOptimalTrials("shared");
  REQUIRE(best.size() == 1);
  CHECK(best[0].final_value == ValueOf(kClients - 1, kTrialsPerClient - 1, 3));
  CHECK(server->Stop(SIGTERM) == 0);
}
