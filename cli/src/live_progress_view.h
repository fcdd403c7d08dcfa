#pragma once

#include <condition_variable>
#include <thread>
#include <vector>

#include "progress_view.h"

namespace bayestune::cli {

// Progress on a terminal: a block at the bottom that redraws in place every second and after
// every event, with the counts and the time left, the best trial so far, and one line per running
// trial (number, device, elapsed time, latest step and objective value, parameters). Finished
// trials, warnings and Ctrl-C notices scroll above it as lines. Lines are cut to the terminal's
// width so that the block never wraps.
class LiveProgressView : public ProgressView {
 public:
  // `terminal_fd` is the descriptor `out` writes to, for the terminal's width.
  LiveProgressView(std::ostream& out, int terminal_fd, std::string database, std::string study,
                   RunProgress progress);
  ~LiveProgressView() override;

 protected:
  void Print(LineKind kind, const std::string& text) override;
  void Changed() override;
  void Finish() override;

 private:
  // The block, at most `max_lines` lines (0: no limit): when the running trials do not fit, the
  // first ones and a line saying how many more run.
  std::vector<std::string> BlockLines(double now, std::size_t max_lines) const;
  // Erases the block drawn last (the cursor is on the line below it).
  std::string EraseBlock();
  void Draw();
  void Tick();

  int terminal_fd_;
  std::size_t drawn_lines_ = 0;
  bool finished_ = false;
  std::condition_variable wake_;
  std::thread ticker_;
};

}  // namespace bayestune::cli
