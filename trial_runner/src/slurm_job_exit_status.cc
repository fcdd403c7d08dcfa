#include "slurm_job_exit_status.h"

#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/slurm_job_files.h"
#include "regular_file.h"

namespace bayestune {

using nlohmann::json;

std::string SlurmJobExitStatusJson(const SlurmJobExitStatus& status) {
  json document = {{"version", 1},
                   {"job_id", status.job_id},
                   {"host", status.host},
                   {"trainer_pid", status.trainer_pid},
                   {"signals_received", status.signals_received},
                   {"started_at", status.started_at},
                   {"ended_at", status.ended_at}};
  if (status.exit) {
    document["exit"] = {{"signaled", status.exit->signaled},
                        {"code", status.exit->code},
                        {"description", status.exit->Describe()}};
  } else {
    document["exit"] = nullptr;
  }
  if (!status.launch_error.empty()) document["launch_error"] = status.launch_error;
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

SlurmJobExitStatus ParseSlurmJobExitStatus(const std::string& text, const std::string& where) {
  SlurmJobExitStatus status;
  try {
    const json document = json::parse(text);
    if (document.value("version", 0) != 1) {
      throw InvalidArgument(where +
                            " is not an exit status file of bayestune-job: 'version' must be 1");
    }
    status.job_id = document.at("job_id").get<std::string>();
    status.host = document.at("host").get<std::string>();
    status.trainer_pid = document.at("trainer_pid").get<long>();
    status.signals_received = document.at("signals_received").get<std::vector<int>>();
    status.started_at = document.at("started_at").get<double>();
    status.ended_at = document.at("ended_at").get<double>();
    if (const json& exit = document.at("exit"); !exit.is_null()) {
      ProcessExit e;
      e.signaled = exit.at("signaled").get<bool>();
      e.code = exit.at("code").get<int>();
      status.exit = e;
    }
    status.launch_error = document.value("launch_error", "");
  } catch (const json::exception& e) {
    throw InvalidArgument(where + " is not an exit status file of bayestune-job: " + e.what());
  }
  return status;
}

void WriteSlurmJobExitStatus(const std::filesystem::path& path, const SlurmJobExitStatus& status) {
  WriteFileAtomically(path, SlurmJobExitStatusJson(status));
}

std::optional<SlurmJobExitStatus> ReadSlurmJobExitStatus(const std::filesystem::path& path) {
  // The trainer can write in its trial folder: a FIFO, a link to /dev/zero or a huge file in the
  // place of exit_status.json must neither block the runner nor fill its memory.
  const RegularFileContent file = ReadRegularFile(path, kMaxSlurmJobExitStatusBytes);
  const std::string where = "'" + path.string() + "'";
  switch (file.status) {
    case RegularFileRead::kAbsent:
      return std::nullopt;
    case RegularFileRead::kNotRegular:
    case RegularFileRead::kTooLarge:
      throw InvalidArgument(where + " " + file.refusal +
                            "; bayestune-job writes a small JSON file there");
    case RegularFileRead::kRead:
      break;
  }
  return ParseSlurmJobExitStatus(file.content, where);
}

}  // namespace bayestune
