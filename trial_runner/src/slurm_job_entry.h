#pragma once

#include <filesystem>

namespace bayestune {

// The job side of a Slurm trial: what bayestune's job program (bayestune-job, which the job
// script execs) does with the launch file the controller wrote (SlurmJobLaunch):
//  - runs the trainer with exactly its argv (no shell), the job's environment plus the file's
//    variables, in its working folder, as a TrialProcess (its own process group, stdin from
//    /dev/null, output appended to the trial's logs, killed if this program dies);
//  - passes SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 on to the trainer's process
//    group (so `scancel --batch --signal=TERM` reaches the trainer once), and notes them;
//  - when the trainer has ended, writes exit_status.json (SlurmJobExitStatus) atomically, then
//    ends as the trainer did: the same exit code, or killed by the same signal, so that Slurm's
//    own record of the job matches.
// A launch file it cannot read: a message on stderr (the job's log) and exit status 2. A trainer
// that cannot start: the reason in exit_status.json's launch_error and exit status 127.
int RunSlurmJob(const std::filesystem::path& launch_file);

}  // namespace bayestune
