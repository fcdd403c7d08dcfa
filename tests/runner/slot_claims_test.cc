// Machine-wide slot claims (SlotClaims) and the folder that holds them (LockFolder): claims end
// with their holder, and nobody else can use the folder against a runner, root's included (a
// planted link, another user's folder, a folder others may write to without the sticky bit).
#include "slot_claims.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "lock_folder.h"
#include "test_support.h"

using namespace bayestune;
namespace fs = std::filesystem;

namespace {

mode_t ModeOf(const fs::path& path) {
  struct stat status {};
  REQUIRE(::lstat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

// A file standing in for /etc/shadow: root's, mode 0600, with contents that must not change.
fs::path SecretFile(const fs::path& dir) {
  const fs::path secret = dir / "shadow";
  test::WriteFile(secret, "root:secret-hash:19000::::::\n");
  REQUIRE(::chmod(secret.c_str(), 0600) == 0);
  return secret;
}

// Sets an environment variable for the scope, then puts back what was there.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnvironment() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("slot claims are machine-wide and end with their holder", "[claims]") {
  const auto dir = test::MakeTempDir("claims") / "locks";
  auto first = std::make_unique<SlotClaims>(dir, 2);
  SlotClaims second(dir, 2);
  const std::string gpu0 = SlotClaims::GpuResource(0);
  CHECK(first->Claimable(gpu0, 10) == 2);
  CHECK(first->Claimable(gpu0, 1) == 1);  // counts no further than asked
  CHECK(first->Claim(gpu0));
  CHECK(second.Claimable(gpu0, 10) == 1);
  CHECK(second.Claim(gpu0));
  CHECK_FALSE(first->Claim(gpu0));
  CHECK(second.Claimable(gpu0, 10) == 0);
  CHECK(second.Claimable(SlotClaims::GpuResource(1), 10) == 2);  // another GPU
  CHECK(second.Claimable(SlotClaims::kCpuResource, 10) == 2);    // CPU trial slots
  first.reset();                                                 // its holder gone
  CHECK(second.Claimable(gpu0, 10) == 1);
  second.Release(gpu0);
  CHECK(second.Claimable(gpu0, 10) == 2);
  CHECK(fs::exists(dir / "gpu-0.slot-1.lock"));
  CHECK(ModeOf(dir) == 0700);  // made private
  CHECK(second.TakeProblems().empty());
}

TEST_CASE("the lock files it makes can be locked by every user, whatever the umask", "[claims]") {
  const auto dir = test::MakeTempDir("claims-umask") / "locks";
  const mode_t old_umask = ::umask(077);
  {
    SlotClaims claims(dir, 1);
    CHECK(claims.Claim(SlotClaims::kCpuResource));
  }
  ::umask(old_umask);
  CHECK(ModeOf(dir / "cpu.slot-0.lock") == 0644);
}

TEST_CASE("a lock file planted as a symbolic link is never followed", "[claims][security]") {
  const auto base = test::MakeTempDir("claims-link");
  const auto dir = base / "locks";
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  const fs::path secret = SecretFile(base);
  fs::create_symlink(secret, dir / "gpu-0.slot-0.lock");
  const fs::path missing = base / "created-by-the-runner";
  fs::create_symlink(missing, dir / "gpu-1.slot-0.lock");

  SlotClaims claims(dir, 1);
  CHECK_THROWS_WITH(claims.Check(SlotClaims::GpuResource(0)),
                    Catch::Contains((dir / "gpu-0.slot-0.lock").string()) &&
                        Catch::Contains("symbolic link") && Catch::Contains("remove it"));
  CHECK_THROWS_WITH(claims.Check(SlotClaims::GpuResource(1)), Catch::Contains("symbolic link"));
  // While running: such a slot counts as taken, and the problem is said once.
  CHECK(claims.Claimable(SlotClaims::GpuResource(0), 5) == 0);
  CHECK_FALSE(claims.Claim(SlotClaims::GpuResource(0)));
  CHECK_FALSE(claims.Claim(SlotClaims::GpuResource(1)));
  const auto problems = claims.TakeProblems();
  CHECK(problems.size() == 2);
  CHECK(claims.TakeProblems().empty());
  // The targets are untouched: the file keeps its mode and contents, the missing path stays so.
  CHECK(ModeOf(secret) == 0600);
  CHECK(test::ReadFile(secret) == "root:secret-hash:19000::::::\n");
  CHECK_FALSE(fs::exists(fs::symlink_status(missing)));
}

TEST_CASE("a planted link stops a runner before anything runs, its target untouched",
          "[claims][security]") {
  const auto base = test::MakeTempDir("claims-runner");
  const auto dir = base / "locks";
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  const fs::path secret = SecretFile(base);
  fs::create_symlink(secret, dir / "gpu-0.slot-0.lock");
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 1;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  TrialRunnerOptions options;
  options.runner.command = {test::FakeTrainer()};
  options.runner.job_dir = (base / "jobs").string();
  options.runner.gpus = std::vector<int>{0};
  options.gpu_lock_dir = dir.string();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options);
  CHECK_THROWS_WITH(runner.Run(), Catch::Contains("symbolic link"));
  CHECK(study->Trials().empty());
  CHECK(ModeOf(secret) == 0600);
  CHECK(test::ReadFile(secret) == "root:secret-hash:19000::::::\n");
}

TEST_CASE("lock files that are not plain files of their own are refused", "[claims][security]") {
  const auto base = test::MakeTempDir("claims-odd");
  const auto dir = base / "locks";
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  REQUIRE(::mkfifo((dir / "gpu-0.slot-0.lock").c_str(), 0600) == 0);  // must not block
  const fs::path secret = SecretFile(base);
  fs::create_hard_link(secret, dir / "gpu-1.slot-0.lock");
  SlotClaims claims(dir, 1);
  CHECK_THROWS_WITH(claims.Check(SlotClaims::GpuResource(0)), Catch::Contains("not a plain file"));
  CHECK_THROWS_WITH(claims.Check(SlotClaims::GpuResource(1)), Catch::Contains("other hard links"));
  CHECK(ModeOf(secret) == 0600);
}

TEST_CASE("the lock folder itself: never a link, never open to others without the sticky bit",
          "[claims][security]") {
  const auto base = test::MakeTempDir("claims-folder");
  SECTION("a link to a folder") {
    fs::create_directory(base / "real");
    fs::create_directory_symlink(base / "real", base / "link");
    CHECK_THROWS_WITH(LockFolder::Open(base / "link"),
                      Catch::Contains("'" + (base / "link").string() + "'") &&
                          Catch::Contains("symbolic link") &&
                          Catch::Contains("BAYESTUNE_GPU_LOCK_DIR"));
    CHECK_THROWS_WITH(LockFolder::Open((base / "link").string() + "/"),
                      Catch::Contains("symbolic link"));
  }
  SECTION("a file") {
    test::WriteFile(base / "file", "x");
    CHECK_THROWS_WITH(LockFolder::Open(base / "file"), Catch::Contains("is not a folder"));
  }
  SECTION("writable by others without the sticky bit") {
    for (mode_t mode : {0777, 0770, 0702}) {
      INFO("mode " << std::oct << mode);
      fs::create_directory(base / "open");
      REQUIRE(::chmod((base / "open").c_str(), mode) == 0);
      CHECK_THROWS_WITH(LockFolder::Open(base / "open"),
                        Catch::Contains("no sticky bit") && Catch::Contains("chmod 1777"));
      fs::remove(base / "open");
    }
    fs::create_directory(base / "shared");
    REQUIRE(::chmod((base / "shared").c_str(), 01777) == 0);  // shared like /tmp: fine
    CHECK(LockFolder::Open(base / "shared").path() == base / "shared");
    fs::create_directory(base / "readable");
    REQUIRE(::chmod((base / "readable").c_str(), 0755) == 0);
    CHECK_NOTHROW(LockFolder::Open(base / "readable"));
  }
  SECTION("missing: made private, with its parents") {
    const auto dir = base / "a" / "b";
    CHECK(LockFolder::Open(dir).path() == dir);
    CHECK(ModeOf(dir) == 0700);
  }
}

TEST_CASE("a lock folder of another user is refused, and root's shared one is used as it is",
          "[claims][security]") {
  if (::geteuid() != 0) {
    WARN("skipped: only root can give a folder to another user");
    return;
  }
  const auto base = test::MakeTempDir("claims-owner");
  const uid_t nobody = 65534;
  const auto theirs = base / "theirs";
  fs::create_directory(theirs);
  REQUIRE(::chmod(theirs.c_str(), 0700) == 0);
  REQUIRE(::chown(theirs.c_str(), nobody, nobody) == 0);
  CHECK_THROWS_WITH(LockFolder::Open(theirs),
                    Catch::Contains("belongs to") && Catch::Contains("uid 65534") &&
                        Catch::Contains("not to") && Catch::Contains("BAYESTUNE_GPU_LOCK_DIR"));
  // Even with the sticky bit: the folder's owner could still replace its files.
  REQUIRE(::chmod(theirs.c_str(), 01777) == 0);
  CHECK_THROWS_WITH(LockFolder::Open(theirs), Catch::Contains("belongs to"));

  // Root's shared folder (mode 1777) with a lock file another user made: locked as it is, its
  // owner and mode never changed.
  const auto shared = base / "shared";
  fs::create_directory(shared);
  REQUIRE(::chmod(shared.c_str(), 01777) == 0);
  const auto their_file = shared / "gpu-0.slot-0.lock";
  test::WriteFile(their_file, "");
  REQUIRE(::chmod(their_file.c_str(), 0600) == 0);
  REQUIRE(::chown(their_file.c_str(), nobody, nobody) == 0);
  SlotClaims claims(shared, 1);
  CHECK(claims.Claim(SlotClaims::GpuResource(0)));
  CHECK(ModeOf(their_file) == 0600);
  struct stat status {};
  REQUIRE(::stat(their_file.c_str(), &status) == 0);
  CHECK(status.st_uid == nobody);
}

TEST_CASE("the default lock folder is this user's own", "[claims]") {
  {
    ScopedEnvironment unset("BAYESTUNE_GPU_LOCK_DIR", nullptr);
    CHECK(LockFolder::DefaultPath() == "/tmp/bayestune-gpu-locks-" + std::to_string(::geteuid()));
  }
  ScopedEnvironment shared("BAYESTUNE_GPU_LOCK_DIR", "/var/lib/bayestune/gpu-locks");
  CHECK(LockFolder::DefaultPath() == "/var/lib/bayestune/gpu-locks");
}
