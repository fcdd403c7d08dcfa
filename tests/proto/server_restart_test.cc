// The server stopped under load: by SIGTERM it finishes the calls in flight and exits 0; killed by
// SIGKILL and restarted on the same database, it has every completion it acknowledged.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "grpc_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

constexpr int kLoadClients = 8;

// Clients that run trials in a loop (suggest, three measurements, complete) until a call fails,
// noting every completion the server acknowledged and how each client's last call failed.
class LoadClients {
 public:
  LoadClients(const ServeProcess& server, const std::string& study) {
    for (int c = 0; c < kLoadClients; ++c) {
      threads_.emplace_back([this, &server, study, c] { Run(server, study, c); });
    }
  }
  ~LoadClients() { Join(); }

  void WaitForCompletions(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return acknowledged_.size() >= count || finished_ == kLoadClients; });
  }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  // Trial id -> the value the server acknowledged completing it with.
  const std::map<std::int64_t, double>& acknowledged() const { return acknowledged_; }
  // Trials whose CompleteTrial call failed (the server went away during it).
  const std::set<std::int64_t>& unacknowledged() const { return unacknowledged_; }
  // Each client's last call's code (UNAVAILABLE when the server went away).
  const std::vector<std::string>& last_codes() const { return last_codes_; }

 private:
  void Run(const ServeProcess& server, const std::string& study, int c) {
    auto options = PlainClientOptions(server);
    options.call_timeout = std::chrono::seconds(20);
    proto::StudyClient client(options);
    const std::string client_id = "load-" + std::to_string(c);
    std::string code;
    for (int round = 0;; ++round) {
      std::int64_t trial_id = 0;
      const double value = c * 10000.0 + round;
      code = StatusCodeOf([&] {
        const auto trials = client.SuggestTrials(study, 1, client_id);
        if (trials.empty()) throw std::runtime_error("the study is done: OK:");
        trial_id = trials[0].id;
        for (int step = 1; step <= 3; ++step)
          client.AddMeasurement(study, trial_id, step, value);
        client.CompleteTrial(study, trial_id, value);
      });
      std::lock_guard lock(mutex_);
      if (code != "OK") break;
      acknowledged_[trial_id] = value;
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    last_codes_.push_back(code);
    ++finished_;
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::int64_t, double> acknowledged_;
  std::set<std::int64_t> unacknowledged_;
  std::vector<std::string> last_codes_;
  int finished_ = 0;
  std::vector<std::thread> threads_;
};

// Every completion the server acknowledged is stored, with its value.
void CheckAcknowledgedStored(proto::StudyClient& client, const LoadClients& load) {
  std::map<std::int64_t, Trial> stored;
  for (Trial& t : client.ListTrials("load"))
    stored.emplace(t.id, std::move(t));
  for (const auto& [id, value] : load.acknowledged()) {
    INFO("trial " << id);
    REQUIRE(stored.count(id) == 1);
    CHECK(stored.at(id).state == TrialState::kSucceeded);
    CHECK(stored.at(id).final_value == value);
    CHECK(stored.at(id).measurements.size() == 3);
  }
}

}  // namespace

TEST_CASE("SIGTERM under load lets the calls in flight finish and exits 0", "[grpc][restart]") {
  TempFolder dir("grpc-sigterm");
  auto server = StartServer(dir, {"--shutdown-grace", "20"});
  {
    proto::StudyClient admin(PlainClientOptions(*server));
    admin.CreateStudyFromYaml("load", TestTuningYaml(100000));
  }
  LoadClients load(*server, "load");
  load.WaitForCompletions(50);
  CHECK(server->Stop(SIGTERM) == 0);
  load.Join();
  // Calls that were running finished; later ones found the server gone (UNAVAILABLE), or were
  // turned away as it stopped (CANCELLED).
  for (const auto& code : load.last_codes()) {
    CHECK((code == "UNAVAILABLE" || code == "CANCELLED"));
  }
  CHECK_THAT(server->Log(), Catch::Contains("stopped"));

  // Restarted on the same database: every acknowledged completion is there, and no completion
  // the clients were not told about (a call cut off midway would be one).
  server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  CheckAcknowledgedStored(client, load);
  for (std::int64_t id : load.unacknowledged()) {
    INFO("trial " << id);
    CHECK(client.GetTrial("load", id).state == TrialState::kActive);
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE(
    "killed by SIGKILL under load and restarted, the server has every acknowledged completion",
    "[grpc][restart]") {
  TempFolder dir("grpc-sigkill");
  auto server = StartServer(dir);
  {
    proto::StudyClient admin(PlainClientOptions(*server));
    admin.CreateStudyFromYaml("load", TestTuningYaml(100000));
  }
  LoadClients load(*server, "load");
  load.WaitForCompletions(100);
  server->Kill();
  load.Join();
  REQUIRE(load.acknowledged().size() >= 100);

  server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  CheckAcknowledgedStored(client, load);
  // The clients pick up where they were: each gets its active trial back, and finishes it.
  for (int c = 0; c < kLoadClients; ++c) {
    const std::string client_id = "load-" + std::to_string(c);
    std::vector<std::int64_t> active;
    for (const Trial& t : client.ListTrials("load", {TrialState::kActive})) {
      if (t.client_id == client_id) active.push_back(t.id);
    }
    CHECK(active.size() <= 1);
    const auto again = client.SuggestTrials("load", 1, client_id);
    REQUIRE(again.size() == 1);
    if (!active.empty()) CHECK(again[0].id == active[0]);
    CHECK(client.CompleteTrial("load", again[0].id, 0.5).state == TrialState::kSucceeded);
  }
  CHECK(client.ListTrials("load", {TrialState::kActive}).empty());
  CHECK(server->Stop(SIGTERM) == 0);
}
