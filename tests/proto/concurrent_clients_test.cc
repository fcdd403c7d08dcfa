// Many clients on one study at once: no trial lost or handed out twice, and the stored study is
// exactly what the clients did.
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "database_write_lock.h"
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

namespace {

// The threads of process `pid` now (/proc/<pid>/status), 0 when it cannot be read.
int ThreadCount(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

}  // namespace

TEST_CASE(
    "a flood of concurrent calls is bounded: the calls beyond --max-calls get "
    "RESOURCE_EXHAUSTED, and no trial is made for them",
    "[grpc]") {
  // gRPC's synchronous server ran every call on a thread of its own: 10,000 concurrent
  // SuggestTrials calls made 8,000 threads and 400 MB, which went on serving calls whose clients
  // had given up long before.
  TempFolder dir("grpc-flood");
  auto server = StartServer(dir, {"--max-calls", "8", "--lock-wait", "20"});
  proto::StudyClient setup(PlainClientOptions(*server));
  setup.CreateStudyFromYaml("flood", TestTuningYaml(1000));
  // Another process holds the database's write lock, so that every call waits in the server.
  DatabaseWriteLock holder(dir.File("studies.db"));
  constexpr int kCalls = 200;
  std::mutex mutex;
  std::map<std::string, int> outcomes;
  std::set<std::int64_t> trial_ids;
  std::atomic<int> returned{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      proto::StudyClient client(PlainClientOptions(*server));
      std::string outcome;
      std::vector<Trial> trials;
      outcome =
          StatusCodeOf([&] { trials = client.SuggestTrials("flood", 1, "c" + std::to_string(i)); });
      std::lock_guard lock(mutex);
      ++outcomes[outcome];
      for (const Trial& t : trials)
        trial_ids.insert(t.id);
      ++returned;
    });
  }
  // While the calls wait: the server's threads stay bounded, and the calls it cannot take are
  // answered at once.
  int most_threads = 0;
  int last_returned = -1;
  for (int i = 0; i < 100 && returned.load() != last_returned; ++i) {
    last_returned = returned.load();
    for (int j = 0; j < 10; ++j) {
      most_threads = std::max(most_threads, ThreadCount(server->pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  holder.Release();
  for (auto& caller : callers)
    caller.join();
  INFO(server->Log());
  CHECK(most_threads <= 8 + 40);  // the calls' threads, and gRPC's own few
  CHECK(outcomes["RESOURCE_EXHAUSTED"] > 0);
  CHECK(outcomes["OK"] + outcomes["RESOURCE_EXHAUSTED"] == kCalls);
  // A trial for each call that was answered OK, none for the others.
  CHECK(static_cast<int>(trial_ids.size()) == outcomes["OK"]);
  CHECK(static_cast<int>(setup.ListTrials("flood").size()) == outcomes["OK"]);
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE(
    "with a token, calls without a valid one take no call slot: a flood of them leaves the "
    "--max-calls slots to the authenticated clients",
    "[grpc][auth]") {
  // The token was checked after the call had taken one of gRPC's --max-calls threads: while
  // authenticated calls waited in the server (here for the database's lock), a client without
  // the token kept the few threads left busy with calls answered UNAUTHENTICATED, and the
  // authenticated calls got RESOURCE_EXHAUSTED.
  TempFolder dir("grpc-unauthenticated-flood");
  const std::string token = "flood-token-3e9a71";
  WriteFile(dir.File("token"), token + "\n");
  auto server = StartServer(
      dir, {"--max-calls", "8", "--lock-wait", "20", "--token-file", dir.File("token")});
  proto::StudyClientOptions authenticated = PlainClientOptions(*server);
  authenticated.token = proto::BearerToken(token);
  proto::StudyClient setup(authenticated);
  setup.CreateStudyFromYaml("flood", TestTuningYaml(1000));
  DatabaseWriteLock holder(dir.File("studies.db"));
  // Six authenticated calls wait in the server for the lock, each in a slot of its own.
  constexpr int kWaiting = 6;
  std::mutex mutex;
  std::map<std::string, int> waited;
  std::vector<std::thread> waiting;
  for (int i = 0; i < kWaiting; ++i) {
    waiting.emplace_back([&, i] {
      proto::StudyClient client(authenticated);
      const std::string outcome =
          StatusCodeOf([&] { client.SuggestTrials("flood", 1, "w" + std::to_string(i)); });
      std::lock_guard lock(mutex);
      ++waited[outcome];
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Four clients without the token call as fast as they can. (Each such call still has one of
  // gRPC's threads while it is answered: those beyond the slots, 8 here, are for them. So many
  // at once that they fill those too could still crowd out a call; four cannot.)
  std::atomic<bool> flooding{true};
  std::map<std::string, int> unauthenticated;
  std::vector<std::thread> flood;
  for (int i = 0; i < 4; ++i) {
    flood.emplace_back([&] {
      proto::StudyClient client(PlainClientOptions(*server));
      std::map<std::string, int> mine;
      while (flooding.load())
        ++mine[StatusCodeOf([&] { client.ListStudies(); })];
      std::lock_guard lock(mutex);
      for (const auto& [code, count] : mine)
        unauthenticated[code] += count;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Meanwhile an authenticated client's calls are all served, for 3 s: 6 slots of 8 are taken.
  // (A call that needs no database, whose one connection the waiting calls keep: no study name,
  // INVALID_ARGUMENT once the call has its slot.)
  std::map<std::string, int> probes;
  std::string refused;  // why the last one not served was refused
  {
    proto::StudyClient client(authenticated);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < end) {
      const std::string code = StatusCodeOf([&] {
        try {
          client.GetStudy("");
        } catch (const std::exception& e) {
          if (std::string(e.what()).find("INVALID_ARGUMENT") == std::string::npos) {
            refused = e.what();
          }
          throw;
        }
      });
      ++probes[code];
    }
  }
  flooding = false;
  for (auto& thread : flood)
    thread.join();
  holder.Release();
  for (auto& thread : waiting)
    thread.join();
  const auto text = [](const std::map<std::string, int>& outcomes) {
    std::string said;
    for (const auto& [code, count] : outcomes)
      said += std::to_string(count) + " " + code + "; ";
    return said;
  };
  INFO("probes: " << text(probes) << "unauthenticated: " << text(unauthenticated)
                  << "waiting: " << text(waited) << "\n"
                  << refused);
  int probed = 0;
  for (const auto& [code, count] : probes)
    probed += count;
  CHECK(probed >= 10);
  CHECK(probes["INVALID_ARGUMENT"] == probed);  // every one served, none RESOURCE_EXHAUSTED
  CHECK(unauthenticated["UNAUTHENTICATED"] > 100);
  CHECK(unauthenticated["OK"] == 0);
  CHECK(waited["OK"] == kWaiting);
  CHECK(server->Stop(SIGTERM) == 0);
}

// A client without a client id that gives up on SuggestTrials while the call waits (here for the
// database's lock): the trials made for it went to no one and stayed ACTIVE for ever, so that the
// study never finished. They go back to the queue for the next client.
TEST_CASE("trials made for a SuggestTrials call whose client left go back to the queue", "[grpc]") {
  TempFolder dir("grpc-suggest-gone");
  auto server = StartServer(dir, {"--lock-wait", "20"});
  proto::StudyClient setup(PlainClientOptions(*server));
  setup.CreateStudyFromYaml("gone", TestTuningYaml(5));
  DatabaseWriteLock holder(dir.File("studies.db"));
  auto options = PlainClientOptions(*server);
  options.call_timeout = std::chrono::seconds(1);
  proto::StudyClient impatient(options);
  CHECK(StatusCodeOf([&] { impatient.SuggestTrials("gone", 2, ""); }) == "DEADLINE_EXCEEDED");
  // The server's deadline is the client's plus the call's way there: past it before the lock is
  // free (a server that got the call late, on a loaded machine, cannot know the client left, and
  // this test failed once so in a full ctest -j2).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  holder.Release();
  // The server goes on with the call once the lock is free.
  std::vector<Trial> trials;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    trials = setup.ListTrials("gone");
  } while ((trials.size() < 2 || trials[0].state == TrialState::kActive ||
            trials[1].state == TrialState::kActive) &&
           std::chrono::steady_clock::now() < deadline);
  REQUIRE(trials.size() == 2);
  for (const Trial& t : trials) {
    INFO("trial " << t.id << ": " << TrialStateName(t.state));
    CHECK(t.state == TrialState::kRequested);
    CHECK_THAT(t.failure_reason, Catch::Contains("whose client was gone before the answer"));
  }
  // The next client gets them.
  std::set<std::int64_t> next;
  for (const Trial& t : setup.SuggestTrials("gone", 2, "next"))
    next.insert(t.id);
  CHECK(next == std::set<std::int64_t>{1, 2});
  CHECK(server->Running());
}

// CreateStudy racing DeleteStudy of the same name from other clients: a study deleted between its
// creation and the answer was said as "no study named 'race'", as if the call had created nothing.
TEST_CASE(
    "CreateStudy and DeleteStudy of one name from many clients: each answer says what happened",
    "[grpc]") {
  TempFolder dir("grpc-create-delete");
  auto server = StartServer(dir);
  std::mutex mutex;
  std::vector<std::string> create_failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      proto::StudyClient client(PlainClientOptions(*server));
      for (int round = 0; round < 40; ++round) {
        if ((i + round) % 2 == 1) {
          StatusCodeOf([&] { client.DeleteStudy("race"); });
          continue;
        }
        try {
          client.CreateStudyFromYaml("race", TestTuningYaml(5));
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          create_failures.push_back(e.what());
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (const std::string& failure : create_failures) {
    INFO(failure);
    CHECK_THAT(failure, Catch::Contains("was created, then deleted by another call (DeleteStudy)"));
  }
  CHECK(server->Running());
}
