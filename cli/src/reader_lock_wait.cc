#include "reader_lock_wait.h"

#include <iostream>
#include <memory>

#include "shown_text.h"

namespace bayestune::cli {
namespace {

std::string Seconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000) + " s";
}

}  // namespace

ReaderLockWait::ReaderLockWait(std::string database, std::chrono::milliseconds notice_after,
                               std::chrono::milliseconds give_up_after)
    : database_(std::move(database)), notice_after_(notice_after), give_up_after_(give_up_after) {}

bool ReaderLockWait::KeepWaiting(std::chrono::milliseconds waited) {
  if (!said_ && waited >= notice_after_) {
    said_ = true;
    std::cerr << "bayestune: waiting for the database '" << ShownText(database_)
              << "': another process keeps it locked against readers too (such as an sqlite3 "
                 "shell in PRAGMA locking_mode=EXCLUSIVE, or a program rewriting the file); "
                 "waiting up to "
              << Seconds(give_up_after_) << " for it to let go (Ctrl-C stops)" << std::endl;
  }
  return waited < give_up_after_;
}

void ReaderLockWait::WaitOver(std::chrono::milliseconds waited) {
  if (!said_) return;
  said_ = false;
  std::cerr << "bayestune: the database '" << ShownText(database_) << "' was let go after "
            << Seconds(waited) << "; reading on" << std::endl;
}

SqliteOpenOptions ReaderLockWait::ReadOnlyOptions(const std::string& database) {
  SqliteOpenOptions options;
  options.read_only = true;
  options.lock_wait =
      std::make_shared<ReaderLockWait>(database, std::chrono::seconds(2), options.busy_timeout);
  return options;
}

}  // namespace bayestune::cli
