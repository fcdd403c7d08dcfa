// The bench's trainer: writes one event file with one value of `accuracy` and exits.
#include <cstring>
#include <string>

#include "event_file_writer.h"

int main(int argc, char** argv) {
  std::string job_dir;
  float x = 0.5f;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--job-dir=", 10) == 0) job_dir = argv[i] + 10;
    if (std::strncmp(argv[i], "--x=", 4) == 0) x = std::stof(argv[i] + 4);
  }
  if (job_dir.empty()) return 2;
  bayestune::EventFileWriter writer(job_dir);
  writer.AddScalar("accuracy", 1, x);
  writer.Flush();
  return 0;
}
