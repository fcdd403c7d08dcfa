#pragma once

#include <string>

namespace bayestune {

// Sends SIGKILL to every process of this user (other than this one) whose environment holds
// exactly `entry` ("NAME=VALUE"): the processes a killed runner's trial left running, found by the
// CLOUD_ML_HP_METRIC_FILE that only that attempt had. Reads /proc; returns how many it killed.
int KillProcessesWithEnvironmentEntry(const std::string& entry);

}  // namespace bayestune
