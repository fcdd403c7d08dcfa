// bayestune-job: the program a Slurm job script execs to run one trial attempt (see
// bayestune/trial_runner/slurm_job_entry.h and docs/slurm.md). Not meant to be run by hand.
#include <iostream>
#include <string_view>

#include "slurm_job_entry.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string_view(argv[1]).starts_with("-")) {
    std::cerr << "usage: bayestune-job LAUNCH_FILE\n"
                 "Runs the trainer a bayestune Slurm launch file (slurm-launch.json) describes, "
                 "and writes its exit status next to it. bayestune's Slurm job scripts run it.\n";
    return 2;
  }
  return bayestune::RunSlurmJob(argv[1]);
}
