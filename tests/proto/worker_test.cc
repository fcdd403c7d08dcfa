// `bayestune worker`: two workers on one study against one server, each with GPUs of its own.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "database_write_lock.h"
#include "grpc_test_support.h"
#include "test_study_yaml.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

constexpr int kTrials = 12;

std::string WorkerYaml(int trials = kTrials) {
  return RandomSearchStudyYaml(trials, 4, "");
}

// The trial numbers that have a trial-<n>/ folder under `job_dir`.
std::set<std::int64_t> TrialFolders(const std::string& job_dir) {
  std::set<std::int64_t> ids;
  for (const auto& entry : std::filesystem::directory_iterator(job_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("trial-", 0) == 0) ids.insert(std::stoll(name.substr(6)));
  }
  return ids;
}

}  // namespace

TEST_CASE("two workers split one study's trials, each on its own GPUs", "[grpc][worker]") {
  TempFolder dir("grpc-workers");
  WriteFile(dir.File("token"), "worker-token\n");
  auto server = StartServer(dir, {"--token-file", dir.File("token")});
  auto options = PlainClientOptions(*server);
  options.token = proto::BearerToken("worker-token");
  proto::StudyClient client(options);
  // Both workers create the study from the same tuning.yaml (--create): one creates it, the
  // other finds it.
  WriteFile(dir.File("shared.yaml"), WorkerYaml());

  const std::map<std::string, std::set<int>> gpus = {{"a", {0, 1}}, {"b", {2, 3}}};
  std::map<std::string, std::unique_ptr<ChildProcess>> workers;
  for (const auto& [name, ids] : gpus) {
    // The first four trainers wait for each other, so that both workers are surely running
    // trials at once.
    workers[name] = std::make_unique<ChildProcess>(
        std::vector<std::string>{BayestuneProgram(),
                                 "worker",
                                 "--server",
                                 server->address(),
                                 "--study",
                                 "shared",
                                 "--token-file",
                                 dir.File("token"),
                                 "--create",
                                 dir.File("shared.yaml"),
                                 "--gpus",
                                 name == "a" ? "0,1" : "2,3",
                                 "--job-dir",
                                 dir.File("jobs-" + name),
                                 "--",
                                 BAYESTUNE_FAKE_TRAINER,
                                 "--steps=3",
                                 "--sleep-ms=20",
                                 "--barrier-dir=" + dir.File("barrier"),
                                 "--barrier-count=4"});
  }
  std::map<std::string, std::string> logs;
  for (auto& [name, worker] : workers) {
    logs[name] = worker->ReadAll(std::chrono::seconds(90));
    INFO("worker " << name << ":\n" << logs[name]);
    CHECK(worker->Wait(std::chrono::seconds(10)) == 0);
    CHECK(logs[name].find(name == "a" ? "GPUs 0,1 (--gpus)" : "GPUs 2,3 (--gpus)") !=
          std::string::npos);
    // One timestamped line per event, with the trial's GPU and parameters, and its value.
    CHECK(std::regex_search(logs[name], std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d trial \d+ )"
                                                   R"(started on GPU \d \(pid \d+\): x=)")));
    CHECK(std::regex_search(logs[name], std::regex(R"(trial \d+ SUCCEEDED: \S+ \S+ at step 3)")));
  }

  std::map<std::int64_t, Trial> trials;
  for (Trial& t : client.ListTrials("shared"))
    trials.emplace(t.id, std::move(t));
  REQUIRE(trials.size() == kTrials);
  std::set<std::int64_t> seen;
  for (const auto& [name, ids] : gpus) {
    const std::set<std::int64_t> mine = TrialFolders(dir.File("jobs-" + name));
    INFO("worker " << name << ":\n" << logs[name]);
    CHECK(!mine.empty());  // both took part
    for (std::int64_t id : mine) {
      INFO("trial " << id);
      CHECK(seen.insert(id).second);  // no trial ran on both workers
      const Trial& t = trials.at(id);
      CHECK(t.state == TrialState::kSucceeded);
      CHECK(t.attempt == 1);
      CHECK(t.client_id.rfind("runner@", 0) == 0);
      REQUIRE(t.gpus.size() == 1);
      CHECK(ids.count(t.gpus[0]) == 1);
      // The trainer saw only its worker's GPU.
      const auto record = nlohmann::json::parse(
          ReadFile(dir.File("jobs-" + name + "/trial-" + std::to_string(id) + "/record.json")));
      CHECK(record["env"]["CUDA_VISIBLE_DEVICES"] == std::to_string(t.gpus[0]));
      // Its value is the x it was given, read from its event file, at step 3.
      CHECK(t.measurements.size() == 3);
      CHECK(t.final_step == 3);
      CHECK(*t.final_value == Approx(t.parameters.at("x").AsDouble()).epsilon(1e-6));
    }
  }
  CHECK(seen.size() == kTrials);
  CHECK(client.GetStudy("shared").state() == v1::Study::COMPLETED);
  // The best-so-far lines of `run`, from the server's best (both workers' trials): the study's
  // best trial was "(best so far)" when its worker finished it, and each finished trial is
  // followed by the best then. A worker said neither.
  const auto optimal = client.ListOptimalTrials("shared");
  REQUIRE(!optimal.empty());
  const std::int64_t best = optimal.front().id;
  const std::string best_worker = TrialFolders(dir.File("jobs-a")).count(best) ? "a" : "b";
  INFO("worker " << best_worker << ":\n" << logs[best_worker]);
  CHECK(std::regex_search(logs[best_worker],
                          std::regex("trial " + std::to_string(best) +
                                     R"( SUCCEEDED: \S+ \S+ at step 3 \(best so far\)\n)")));
  for (const auto& [name, log] : logs) {
    CHECK(std::regex_search(log, std::regex(R"(\d\d:\d\d:\d\d best: trial \d+, \S+ \S+ at )"
                                            R"(step 3 \(x=\S+\)\n)")));
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker rides out a server killed and restarted on the same database",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-restart");
  auto server = StartServer(dir);
  const std::string address = server->address();
  auto options = PlainClientOptions(*server);
  options.wait_for_ready = true;  // this client, too, lives through the restart
  proto::StudyClient client(options);
  client.CreateStudyFromYaml("restart", WorkerYaml(8));
  ChildProcess worker({BayestuneProgram(), "worker", "--server", address, "--study", "restart",
                       "--gpus", "0,1", "--job-dir", dir.File("jobs"), "--", BAYESTUNE_FAKE_TRAINER,
                       "--steps=3", "--sleep-ms=150"});
  // Once trials have finished, the server dies in the middle of the worker's calls.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (client.GetStudy("restart").progress().succeeded() < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server = StartServer(dir, {}, address);

  const std::string log = worker.ReadAll(std::chrono::seconds(90));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  // The first call on the connection the old server left behind may fail; the next ones connect.
  std::vector<Trial> trials;
  for (int attempt = 0; attempt < 10 && trials.empty(); ++attempt) {
    try {
      trials = client.ListTrials("restart");
    } catch (const Unavailable&) {
    }
  }
  REQUIRE(trials.size() == 8);
  for (const Trial& t : trials) {
    INFO("trial " << t.id);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.attempt == 1);  // none was lost and run again
    CHECK(*t.final_value == Approx(t.parameters.at("x").AsDouble()).epsilon(1e-6));
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

namespace {

// A worker whose server's disk fills (a file size limit, ulimit -f, on the server) and is freed
// (the limit lifted): it says so, retries while its trainers go on, and loses no trial. The
// database lives in `db_folder` of a new folder.
void RideOutFullDisk(const std::string& db_folder) {
  TempFolder dir("grpc-worker-full");
  std::filesystem::create_directories(dir.File(db_folder));
  const std::vector<std::string> limited = {"/bin/sh", "-c",
                                            "ulimit -S -f 1024 && exec \"$0\" \"$@\""};
  ServeProcess server({"--db", dir.File(db_folder + "/studies.db")}, dir.File("serve.log"),
                      "127.0.0.1:0", limited);
  proto::StudyClient client(PlainClientOptions(server));
  constexpr int kFullTrials = 60;
  client.CreateStudyFromYaml("full", WorkerYaml(kFullTrials));
  ChildProcess worker(
      {BayestuneProgram(), "worker", "--server", server.address(), "--study", "full", "--gpus",
       "0,1", "--job-dir", dir.File("jobs"), "--", BAYESTUNE_FAKE_TRAINER, "--steps=3"},
      "", {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  std::string log;
  bool told = false;
  while (!told) {
    const auto line = worker.ReadLine(std::chrono::seconds(120));
    if (!line) break;
    log += *line + "\n";
    told = line->find("warning: the server " + server.address() + " cannot serve the call now") !=
           std::string::npos;
  }
  INFO(log);
  INFO(server.Log());
  REQUIRE(told);
  CHECK_THAT(log, Catch::Contains("RESOURCE_EXHAUSTED") &&
                      Catch::Contains("the file size limit (ulimit -f) is reached") &&
                      Catch::Contains("retrying for up to 120 s while the running trials go on"));
  CHECK_THAT(server.Log(), Catch::Contains("RESOURCE_EXHAUSTED"));
  // Space again.
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  REQUIRE(prlimit(server.pid(), RLIMIT_FSIZE, &unlimited, nullptr) == 0);
  log += worker.ReadAll(std::chrono::seconds(120));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  CHECK_THAT(log, Catch::Contains("the server " + server.address() + " serves again"));
  const std::vector<Trial> trials = client.ListTrials("full");
  REQUIRE(trials.size() == kFullTrials);
  for (const Trial& t : trials) {
    INFO("trial " << t.id);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.attempt == 1);  // none was killed and run again
  }
  CHECK(server.Stop(SIGTERM) == 0);
}

}  // namespace

TEST_CASE("a worker rides out its server's full disk: the trainers go on, no trial is lost",
          "[grpc][worker]") {
  // The worker stopped at the server's first RESOURCE_EXHAUSTED ("the disk ... is full"), killing
  // its running trainers, as if the study could not go on; the server's operator frees space
  // within minutes, as one restarts a server.
  RideOutFullDisk("db");
}

TEST_CASE(
    "a worker tells the server's refusal of a request's size by its status and its source, not "
    "by words in the message",
    "[grpc][worker]") {
  // The worker took any RESOURCE_EXHAUSTED whose text held "Received message larger than max"
  // for the server refusing the request's size, and stopped at once ("start bayestune serve with
  // a larger --max-message-mb"): here the server's full disk, whose message names the database's
  // path. Now only gRPC's own refusal of this very request (its size, not the service's error)
  // is taken for it; the full disk is ridden out as any other.
  RideOutFullDisk("Received message larger than max (1 vs. 0)");
}

TEST_CASE("a worker whose server's database another process keeps locked says why and goes on",
          "[grpc][worker]") {
  // serve waited 60 s for another process's lock, as long as the worker waits for an answer: the
  // worker saw DEADLINE_EXCEEDED, said nothing while it waited, and after two minutes that the
  // server "did not answer". Now serve gives up after --lock-wait, naming the lock, and the
  // worker says so once and goes on when the lock is gone.
  TempFolder dir("grpc-worker-locked");
  auto server = StartServer(dir, {"--lock-wait", "0.5"});
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("locked", WorkerYaml(4));
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "locked", "--gpus", "0,1", "--job-dir", dir.File("jobs"), "--",
                       BAYESTUNE_FAKE_TRAINER, "--steps=20", "--sleep-ms=50"},
                      "", {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  std::string log;
  const auto read_until = [&](const std::string& text) {
    while (log.find(text) == std::string::npos) {
      const auto line = worker.ReadLine(std::chrono::seconds(60));
      if (!line) return false;
      log += *line + "\n";
    }
    return true;
  };
  REQUIRE(read_until("trial 1 started"));
  // Another process (an sqlite3 shell, say) takes the write lock and keeps it.
  DatabaseWriteLock holder(dir.File("studies.db"));
  const bool told = read_until("cannot serve the call now");
  holder.Release();
  INFO(log);
  INFO(server->Log());
  REQUIRE(told);
  CHECK_THAT(log, Catch::Contains("UNAVAILABLE") &&
                      Catch::Contains("another process kept the database locked for more than "
                                      "0.5 s") &&
                      Catch::Contains("retrying for up to 120 s while the running trials go on"));
  log += worker.ReadAll(std::chrono::seconds(120));
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  CHECK_THAT(log, Catch::Contains("serves again"));
  for (const Trial& t : client.ListTrials("locked")) {
    INFO("trial " << t.id);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.attempt == 1);
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE(
    "a grid study's size reaches a remote client: StudyProgress.capacity and the worker's "
    "counts",
    "[grpc][worker]") {
  // StudyProgress over gRPC had no grid size: a worker of a grid study of 3 combinations and
  // maxTrials 10 could only say "of 10".
  TempFolder dir("grpc-worker-grid");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("grid", StudyYamlHead(10, 2, "    algorithm: GRID_SEARCH\n") +
                                         "      - parameterName: n\n"
                                         "        type: INTEGER\n"
                                         "        minValue: 1\n"
                                         "        maxValue: 3\n");
  client.CreateStudyFromYaml("random", WorkerYaml(4));
  const v1::StudyProgress grid = client.GetStudy("grid").progress();
  CHECK(grid.max_trials() == 10);
  CHECK(grid.capacity() == 3);
  // 0 where the designer can make maxTrials trials.
  CHECK(client.GetStudy("random").progress().capacity() == 0);

  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "grid", "--gpus", "none", "--job-dir", dir.File("jobs"), "--",
                       BAYESTUNE_FAKE_TRAINER, "--steps=2"});
  const std::string log = worker.ReadAll(std::chrono::seconds(60));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  CHECK_THAT(log, Catch::Contains("study 'grid' on " + server->address() +
                                  ": 0 of 3 finished (the grid has 3 combinations, fewer than "
                                  "maxTrials 10), 0 running\n"));
  CHECK_THAT(log, Catch::Contains("study 'grid': 3 of 3 finished (the grid has 3 combinations, "
                                  "fewer than maxTrials 10), 0 running\n"));
  const v1::StudyProgress done = client.GetStudy("grid").progress();
  CHECK(done.succeeded() == 3);
  CHECK(done.end() == v1::StudyProgress::SPACE_EXHAUSTED);
  CHECK(done.capacity() == 3);
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("worker --create: the YAML's relative trainer and jobDir are relative to its folder",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-create");
  auto server = StartServer(dir);
  std::filesystem::create_directories(dir.File("sub"));
  const std::string trainer =
      std::filesystem::relative(BAYESTUNE_FAKE_TRAINER, dir.File("sub")).string();
  WriteFile(dir.File("sub/w.yaml"),
            WorkerYaml(2) + "runner:\n  command: [" + trainer + ", --steps=2]\n  jobDir: jobs\n");
  // The worker runs in the test's folder, not in sub/.
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "rel", "--create", dir.File("sub/w.yaml"), "--gpus", "none"});
  const std::string log = worker.ReadAll(std::chrono::seconds(60));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  CHECK(std::filesystem::is_regular_file(dir.File("sub/jobs/trial-1/record.json")));
  CHECK(std::filesystem::is_regular_file(dir.File("sub/jobs/trial-2/record.json")));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker's line of a failed trial ends with the trainer's last log line",
          "[grpc][worker]") {
  // It gave the reason's first line only ('the trainer exited with status 2'), where run's
  // progress line adds what the log ends with (argparse's complaint, a traceback's last line).
  TempFolder dir("grpc-worker-failed");
  auto server = StartServer(dir);
  WriteFile(dir.File("fail.sh"), "#!/bin/sh\necho 'ValueError: boom' >&2\nexit 2\n");
  std::filesystem::permissions(dir.File("fail.sh"), std::filesystem::perms::owner_all);
  WriteFile(dir.File("w.yaml"), WorkerYaml(1) + "runner:\n  command: [./fail.sh]\n");
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "failing", "--create", dir.File("w.yaml"), "--gpus", "none"});
  std::string seen;
  std::string failed_line;
  while (const auto line = worker.ReadLine(std::chrono::seconds(60))) {
    seen += *line + "\n";
    if (line->find("trial 1 FAILED") != std::string::npos) {
      failed_line = *line;
      break;
    }
  }
  INFO(seen);
  CHECK_THAT(failed_line, Catch::Contains("the trainer exited with status 2") &&
                              Catch::EndsWith("; its log ends: ValueError: boom"));
  worker.Signal(SIGTERM);
  worker.Wait(std::chrono::seconds(30));
  CHECK(server->Stop(SIGTERM) == 0);
}

// A worker --create started before its server: it says it waits up to 2 minutes for the server,
// and does (it gave up after one call's 60 s with a bare "CreateStudy ...: DEADLINE_EXCEEDED").
TEST_CASE("worker --create started before its server waits for it, past one call's 60 s",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-create-early");
  std::string address;
  {
    auto probe = StartServer(dir);  // a port free for the server that comes later
    address = probe->address();
    CHECK(probe->Stop(SIGTERM) == 0);
  }
  WriteFile(dir.File("w.yaml"), WorkerYaml(2) + "runner:\n  command: [" BAYESTUNE_FAKE_TRAINER
                                                ", --steps=2]\n  jobDir: jobs\n");
  ChildProcess worker({BayestuneProgram(), "worker", "--server", address, "--study", "early",
                       "--create", dir.File("w.yaml"), "--gpus", "none"});
  std::this_thread::sleep_for(std::chrono::seconds(65));
  auto server = StartServer(dir, {}, address);
  const std::string log = worker.ReadAll(std::chrono::seconds(60));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 0);
  CHECK_THAT(log, Catch::Contains("waiting for it for up to 2 minutes"));
  CHECK(std::filesystem::is_regular_file(dir.File("jobs/trial-2/record.json")));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE(
    "a worker says at once that its server does not answer, and leaves on a second "
    "Ctrl-C while it is gone, killing its trials",
    "[grpc][worker]") {
  TempFolder dir("grpc-worker-gone");
  for (const char* address : {"127.0.0.1", "127.0.0.1:99999", ":50051"}) {
    const ProcessResult bad = RunProcess(
        {BayestuneProgram(), "worker", "--server", address, "--study", "s", "--", "true"},
        std::chrono::seconds(10));
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains("give the HOST:PORT that bayestune serve printed"));
  }
  {
    // Nothing listens: a line on stderr at once, not after the two minutes of waiting.
    const std::string err = dir.File("nobody.err");
    ChildProcess worker({BayestuneProgram(), "worker", "--server", "127.0.0.1:1", "--study", "s",
                         "--gpus", "none", "--", BAYESTUNE_FAKE_TRAINER},
                        err);
    bool said = false;
    for (int i = 0; i < 200 && !said; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      said = ReadFile(err).find("the server 127.0.0.1:1 does not answer") != std::string::npos;
    }
    CHECK(said);
    worker.Signal(SIGKILL);
  }

  auto server = StartServer(dir);
  WriteFile(dir.File("gone.yaml"), WorkerYaml(4));
  const std::string err = dir.File("gone.err");
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "gone", "--create", dir.File("gone.yaml"), "--gpus", "none", "--",
                       BAYESTUNE_FAKE_TRAINER, "--steps=1", "--sleep-ms=600000"},
                      err);
  std::optional<std::string> line;
  pid_t trainer = -1;
  const std::regex started(R"(trial \d+ started on CPU \(pid (\d+)\))");
  while ((line = worker.ReadLine(std::chrono::seconds(60)))) {
    std::smatch match;
    if (std::regex_search(*line, match, started)) {
      trainer = std::stoi(match[1]);
      break;
    }
  }
  INFO(ReadFile(err));
  REQUIRE(trainer > 0);
  server->Kill();
  worker.Signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  worker.Signal(SIGINT);
  CHECK(worker.Wait(std::chrono::seconds(30)) == 130);
  CHECK_THAT(ReadFile(err), Catch::Contains("does not answer; leaving now"));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(trainer, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(gone);
}

TEST_CASE("a worker's Ctrl-C lines count its running trials as run's do", "[grpc][worker]") {
  // They said "waiting for 1 running trials" and "killing 1 running trials".
  TempFolder dir("grpc-worker-interrupt");
  auto server = StartServer(dir);
  WriteFile(dir.File("one.yaml"), RandomSearchStudyYaml(3, 1, ""));
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "one", "--create", dir.File("one.yaml"), "--gpus", "none", "--",
                       BAYESTUNE_FAKE_TRAINER, "--steps=1", "--sleep-ms=600000"},
                      dir.File("one.err"));
  std::string out;
  const auto read_until = [&](const std::string& text) {
    while (out.find(text) == std::string::npos) {
      const auto line = worker.ReadLine(std::chrono::seconds(60));
      if (!line) return false;
      out += *line + "\n";
    }
    return true;
  };
  const bool started = read_until("trial 1 started on CPU");
  worker.Signal(SIGINT);
  const bool once = read_until("interrupted: ");
  worker.Signal(SIGINT);
  const bool twice = read_until("interrupted again: ");
  const auto code = worker.Wait(std::chrono::seconds(30));
  INFO(out << ReadFile(dir.File("one.err")));
  REQUIRE(started);
  REQUIRE(once);
  REQUIRE(twice);
  CHECK(code == 130);
  CHECK_THAT(out, Catch::Contains("interrupted: launching nothing new; waiting for the 1 running "
                                  "trial (interrupt again to kill it)\n") &&
                      Catch::Contains("interrupted again: killing the 1 running trial; it runs "
                                      "again later\n"));
}

TEST_CASE("a study deleted while a worker runs it stops the worker and its trainers",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-deleted");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("doomed", WorkerYaml(6));
  ChildProcess worker({BayestuneProgram(), "worker", "--server", server->address(), "--study",
                       "doomed", "--gpus", "none", "--job-dir", dir.File("jobs"), "--",
                       BAYESTUNE_FAKE_TRAINER, "--steps=1000", "--sleep-ms=100"});
  std::vector<pid_t> trainers;
  std::string log;
  const std::regex started(R"(trial \d+ started on CPU \(pid (\d+)\))");
  std::optional<std::string> line;
  while (trainers.size() < 2 && (line = worker.ReadLine(std::chrono::seconds(60)))) {
    log += *line + "\n";
    std::smatch match;
    if (std::regex_search(*line, match, started)) trainers.push_back(std::stoi(match[1]));
  }
  INFO(log);
  REQUIRE(trainers.size() == 2);
  client.DeleteStudy("doomed");
  log += worker.ReadAll(std::chrono::seconds(30));
  INFO(log);
  CHECK(worker.Wait(std::chrono::seconds(10)) == 3);  // not found
  CHECK_THAT(log,
             Catch::Contains("study 'doomed' was deleted on the server " + server->address()) &&
                 Catch::Contains("their trainers were stopped"));
  for (pid_t trainer : trainers) {
    INFO("trainer " << trainer);
    CHECK(::kill(trainer, 0) != 0);  // the worker killed and reaped it before it left
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker on an ASHA study prints each promotion once and each stop, as run does",
          "[grpc][worker][asha]") {
  TempFolder dir("grpc-worker-asha");
  auto server = StartServer(dir);
  // Rungs at steps 1 and 3 (maxStep 9); one trial at a time, so trial 1 is the first at every
  // rung and is let past each.
  WriteFile(dir.File("asha.yaml"),
            RandomSearchStudyYaml(
                4, 1, "  earlyStopping:\n    rule: ASHA\n    minStep: 1\n    maxStep: 9\n",
                "    enableTrialEarlyStopping: true\n"));
  const ProcessResult worker =
      RunProcess({BayestuneProgram(), "worker", "--server", server->address(), "--study", "asha",
                  "--create", dir.File("asha.yaml"), "--gpus", "none", "--job-dir",
                  dir.File("jobs"), "--", BAYESTUNE_FAKE_TRAINER, "--steps=9", "--sleep-ms=50"},
                 std::chrono::seconds(90));
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  const auto count = [&](const std::string& pattern) {
    const std::regex re(pattern);
    return std::distance(std::sregex_iterator(worker.output.begin(), worker.output.end(), re),
                         std::sregex_iterator());
  };
  // Once each, with the rule's reason, though every ShouldStopTrial answer lists them all.
  CHECK(count(R"(trial 1 promoted past ASHA rung 0 \(step 1\): accuracy \S+ at step 1 ranks 1st )"
              R"(of 1 trials that reached the rung, in the top 1 \(1/3\) that go on)") == 1);
  CHECK(count(R"(trial 1 promoted past ASHA rung 1 \(step 3\))") == 1);
  proto::StudyClient client(PlainClientOptions(*server));
  for (const Trial& t : client.ListTrials("asha")) {
    INFO("trial " << t.id);
    const std::string id = std::to_string(t.id);
    for (int rung = 0; rung < 2; ++rung)
      CHECK(count("trial " + id + " promoted past ASHA rung " + std::to_string(rung)) <= 1);
    // Every trial the server has as stopped early was said to stop, with ASHA's reason.
    CHECK(count("trial " + id + R"( stopping \(ASHA rung \d \(step \d\): .*\): SIGTERM)") ==
          (t.stopped_early ? 1 : 0));
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

// Found by the fault campaign fieldtest11: the worker sent a read's measurements in batches of
// 10,000 whatever their size, so a trainer that wrote a few thousand scalars of a long tag (the
// study's own 1,000-byte tag here) made one AddMeasurements request larger than the server takes
// (--max-message-mb); the server refused it with RESOURCE_EXHAUSTED, the worker sent the same
// request again for two minutes, then stopped, and the trial did the same on every restart.
TEST_CASE("a worker sends a trainer's many long-tagged scalars in requests the server takes",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-batch-bytes");
  auto server = StartServer(dir, {"--max-message-mb", "1"});
  const std::string tag(1000, 't');
  std::string yaml = RandomSearchStudyYaml(1, 1, "");
  yaml.replace(yaml.find("accuracy"), 8, tag);
  WriteFile(dir.File("long.yaml"), yaml);
  // 3,000 scalars of about 1 KB, written at once: 3 MB, three times the server's limit.
  const ProcessResult worker =
      RunProcess({BayestuneProgram(), "worker", "--server", server->address(), "--study", "long",
                  "--create", dir.File("long.yaml"), "--gpus", "none", "--job-dir",
                  dir.File("jobs"), "--", BAYESTUNE_FAKE_TRAINER, "--steps=3000", "--tag=" + tag},
                 std::chrono::seconds(150));
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  CHECK(worker.output.find("cannot serve the call now") == std::string::npos);
  proto::StudyClient client(PlainClientOptions(*server));
  const Trial trial = client.GetTrial("long", 1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.final_step == 3000);
  CHECK(trial.MeasurementsOf(tag).size() == 3000);
  CHECK(server->Stop(SIGTERM) == 0);
}

// Found by the fault campaign fieldtest11: a valid tuning.yaml may be larger than the server takes
// (1,000 categorical values of 4 KB is 4 MB, over the default --max-message-mb 4); worker
// --create took the server's RESOURCE_EXHAUSTED for a full disk, said "cannot serve the call now"
// and sent the same request for two minutes, then "did not answer". The same request can never
// pass: the worker stops at once and says which flag lets it through.
TEST_CASE("worker --create of a tuning.yaml larger than the server takes says so at once",
          "[grpc][worker]") {
  TempFolder dir("grpc-worker-large-yaml");
  auto server = StartServer(dir, {"--max-message-mb", "1"});
  std::string yaml = RandomSearchStudyYaml(1, 1, "");
  yaml += "      - parameterName: c\n        type: CATEGORICAL\n        categoricalValues: [";
  for (int i = 0; i < 300; ++i)
    yaml += (i == 0 ? "v" : ", v") + std::to_string(i) + std::string(4000, 'x');
  yaml += "]\n";
  REQUIRE(yaml.size() > (1u << 20));
  WriteFile(dir.File("large.yaml"), yaml);
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult worker =
      RunProcess({BayestuneProgram(), "worker", "--server", server->address(), "--study", "large",
                  "--create", dir.File("large.yaml"), "--gpus", "none", "--job-dir",
                  dir.File("jobs"), "--", BAYESTUNE_FAKE_TRAINER},
                 std::chrono::seconds(60));
  INFO(worker.output);
  CHECK(worker.exit_code == 1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  CHECK(worker.output.find("retrying") == std::string::npos);
  CHECK_THAT(worker.output, Catch::Contains("CreateStudy") && Catch::Contains("--max-message-mb"));
  CHECK(server->Stop(SIGTERM) == 0);
}
