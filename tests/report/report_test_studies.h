#pragma once

#include <memory>
#include <string>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"

namespace bayestune::testing {

// Studies for report tests and benchmarks, written into a real SQLite database.

// 30 trials of a simulated MNIST-like sweep through `Study` (RANDOM_SEARCH, seeded), over five
// parameters of every type and scale (log, reverse log, integer, categorical, discrete), with
// every trial state: SUCCEEDED, stopped early, FAILED (with and without measurements),
// INFEASIBLE, ACTIVE, STOPPING and REQUESTED (requeued). Trials run on GPUs 0-2, one on two GPUs,
// some on the CPU, with simulated start and end times and a learning curve of "accuracy" each
// (and a "loss" tag beside it).
std::shared_ptr<Study> CreateDemoStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                       const std::string& name = "mnist-sweep");

// A study whose trials all failed, some after reporting measurements.
std::shared_ptr<Study> CreateOnlyFailedStudy(
    const std::shared_ptr<SqliteStudyRepository>& repository, const std::string& name, int trials);

// A MINIMIZE study of a loss that falls fast from about 2.3 and spends most of its 120 steps near
// its final value, as training curves do; 12 trials, one of which (trial 7) diverges to a loss of
// about 1e5 and ends INFEASIBLE.
std::shared_ptr<Study> CreatePlateauStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                          const std::string& name = "loss-plateau");

// A study with no trials.
std::shared_ptr<Study> CreateEmptyStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                        const std::string& name);

// A study of `trials` finished trials (about 85% succeeded, 5% of them stopped early, 10% failed,
// 5% infeasible), written straight through the repository in one transaction: `measurements`
// measurements each, on 8 GPUs.
std::shared_ptr<Study> CreateLargeStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                        const std::string& name, int trials, int measurements);

// A study whose names, categories, metric tag and failure reasons hold HTML and script, quotes
// and bytes that are not UTF-8.
std::shared_ptr<Study> CreateHostileStudy(const std::shared_ptr<SqliteStudyRepository>& repository);

}  // namespace bayestune::testing
