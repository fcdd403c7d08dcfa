#include "bayestune/trial_runner/slurm_job_request.h"

#include "bayestune/optimizer/errors.h"

namespace bayestune {

std::string SbatchLiteralFilename(const std::filesystem::path& path) {
  const std::string text = path.string();
  if (text.find('\\') != std::string::npos) return text;
  std::string escaped;
  for (char c : text) {
    if (c == '%') escaped += '%';
    escaped += c;
  }
  return escaped;
}

std::vector<std::string> SbatchArguments(const SlurmJobRequest& request) {
  if (request.script.empty()) throw InvalidArgument("the Slurm job has no script");
  if (request.cpus_per_task < 0) {
    throw InvalidArgument("cpus per task is " + std::to_string(request.cpus_per_task) +
                          "; give 1 or more, or 0 for Slurm's default");
  }
  if (request.gpus < 0) {
    throw InvalidArgument("GPUs per job is " + std::to_string(request.gpus) + "; give 0 or more");
  }
  std::vector<std::string> args{"--parsable"};
  auto option = [&args](const char* name, const std::string& value) {
    if (!value.empty()) args.push_back(std::string(name) + "=" + value);
  };
  option("--job-name", request.job_name);
  option("--partition", request.partition);
  option("--account", request.account);
  option("--qos", request.qos);
  option("--time", request.time);
  if (request.cpus_per_task > 0) option("--cpus-per-task", std::to_string(request.cpus_per_task));
  option("--mem", request.memory);
  option("--constraint", request.constraint);
  if (request.gpus > 0) option("--gres", "gpu:" + std::to_string(request.gpus));
  if (!request.output_file.empty()) option("--output", SbatchLiteralFilename(request.output_file));
  if (!request.error_file.empty()) option("--error", SbatchLiteralFilename(request.error_file));
  option("--chdir", request.working_dir.string());
  if (!request.requeue) args.push_back("--no-requeue");
  args.insert(args.end(), request.extra_args.begin(), request.extra_args.end());
  args.push_back(request.script.string());
  return args;
}

}  // namespace bayestune
