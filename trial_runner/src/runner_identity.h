#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace bayestune {

// Who holds a trial. A runner suggests trials under client ids
//   runner@<host>/<pid>.<start ticks>.<boot id>/<n>
// (n counts its Suggest calls, so each call gets fresh trials, while a retried call with the
// same id gets the same ones back). From such an id, a runner starting later on the same host
// can tell whether the runner that took the trial is still alive: a process with that pid and
// start time in this boot. Only trials of a runner that is gone are rerun; trials of a live
// runner, of another host, or of a gRPC client are never taken over.
struct RunnerIdentity {
  std::string host;
  std::string boot_id;  // the first 8 characters of this boot's id
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;  // the process's start time, in clock ticks since boot

  // This process.
  static RunnerIdentity Current();
  // The identity in a runner's client id, nullopt for any other client id.
  static std::optional<RunnerIdentity> FromClientId(const std::string& client_id);

  // "runner@<host>/<pid>.<ticks>.<boot>/": every client id of this runner starts so.
  std::string ClientIdPrefix() const;
  std::string ClientId(std::uint64_t n) const { return ClientIdPrefix() + std::to_string(n); }

  enum class Liveness { kAlive, kGone, kUnknown /* on another host */ };
  Liveness Check() const;

  bool operator==(const RunnerIdentity&) const = default;
};

// The host name, as the client ids use it.
std::string HostName();

}  // namespace bayestune
