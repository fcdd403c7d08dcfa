#include "live_progress_view.h"

#include <sys/ioctl.h>

#include <sstream>

#include "shown_text.h"
#include "text_table.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

int TerminalWidth(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 120;
}

// The terminal's rows, or 0 when it does not say.
std::size_t TerminalRows(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0) return size.ws_row;
  return 0;
}

// `line` cut to `width` bytes, "..." ending it where there is room, never in the middle of a
// UTF-8 character (a study name, a categorical value).
std::string CutToWidth(const std::string& line, std::size_t width) {
  const std::string ellipsis = width > 3 ? "..." : "";
  std::size_t end = width - ellipsis.size();
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80)
    --end;
  return line.substr(0, end) + ellipsis;
}

}  // namespace

LiveProgressView::LiveProgressView(std::ostream& out, int terminal_fd, std::string database,
                                   std::string study, RunProgress progress)
    : ProgressView(out, std::move(database), std::move(study), std::move(progress)),
      terminal_fd_(terminal_fd) {
  ticker_ = std::thread([this] { Tick(); });
}

LiveProgressView::~LiveProgressView() {
  {
    std::lock_guard lock(mutex_);
    Finish();
  }
  wake_.notify_all();
  ticker_.join();
}

void LiveProgressView::Tick() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (!finished_) Draw();
  }
}

std::vector<std::string> LiveProgressView::BlockLines(double now, std::size_t max_lines) const {
  std::vector<std::string> lines;
  lines.push_back(study_ + ": " + CountsText() + " | " +
                  FormatDuration(now - progress_.run_started()) + " elapsed, " + TimeLeftText(now));
  lines.push_back("best: " + BestText());
  TextTable table({});
  for (const auto& [id, running] : progress_.running()) {
    std::vector<std::string> row = {
        "  trial " + std::to_string(id),
        running.job_id.empty() ? FormatDevices(running.gpus) : "Slurm job " + running.job_id,
        // How long it has waited in Slurm's queue, or run.
        FormatDuration(now - (running.queue_reason ? running.started : running.running_since))};
    if (running.latest) {
      row.push_back("step " + std::to_string(running.latest->step));
      row.push_back(ShownText(running.latest->metric) + " " + FormatValue(running.latest->value));
    } else if (running.queue_reason) {
      row.push_back("waiting in Slurm's queue");
      row.push_back(*running.queue_reason == "None" ? ""
                                                    : "(" + ShownText(*running.queue_reason) + ")");
    } else {
      row.push_back("starting");
      row.push_back("");
    }
    row.push_back(FormatParameters(running.trial, progress_.spec()));
    table.AddRow(std::move(row));
  }
  std::stringstream rows;
  table.Print(rows);
  std::vector<std::string> trial_lines;
  for (std::string line; std::getline(rows, line);)
    trial_lines.push_back(line);
  std::vector<std::string> after;
  if (interrupt_level_ == 1) {
    after.push_back("stopping (" + InterruptName(interrupt_signal_) + "): " +
                    (progress_.Waiting() > 0 ? "cancelling the trials in Slurm's queue, " : "") +
                    "waiting for the running trials to finish; Ctrl-C kills them");
  }
  // A block taller than the terminal cannot be redrawn in place: the cursor stops at the top row,
  // so the lines scrolled above it stayed, a copy more at every redraw, and the counts and the
  // best trial, at the top of the block, were never on the screen (30 trials at once on a
  // terminal of 24 rows).
  if (max_lines > 0 && lines.size() + trial_lines.size() + after.size() > max_lines) {
    const std::size_t fixed = lines.size() + after.size() + 1;
    const std::size_t shown = max_lines > fixed ? max_lines - fixed : 0;
    const std::size_t more = trial_lines.size() - shown;
    trial_lines.resize(shown);
    trial_lines.push_back("  ... and " + CountOf(static_cast<long long>(more), "more trial") +
                          " running (the terminal has " + std::to_string(max_lines + 1) + " rows)");
  }
  lines.insert(lines.end(), trial_lines.begin(), trial_lines.end());
  lines.insert(lines.end(), after.begin(), after.end());
  return lines;
}

std::string LiveProgressView::EraseBlock() {
  if (drawn_lines_ == 0) return "";
  const std::string text = "\r\x1b[" + std::to_string(drawn_lines_) + "A\x1b[J";
  drawn_lines_ = 0;
  return text;
}

void LiveProgressView::Draw() {
  if (finished_ || !started_) return;
  if (suspended_) {
    out_ << EraseBlock() << std::flush;
    return;
  }
  // Each line fits one row, however narrow the terminal, so that going up drawn_lines_ rows goes
  // back over the whole block: at under 21 columns the lines were cut at 20, and wrapped.
  const auto width = static_cast<std::size_t>(std::max(1, TerminalWidth(terminal_fd_) - 1));
  std::string text = EraseBlock();
  // One row stays free for the cursor below the block.
  const std::size_t rows = TerminalRows(terminal_fd_);
  for (std::string line : BlockLines(SteadyNow(), rows > 1 ? rows - 1 : 0)) {
    if (line.size() > width) line = CutToWidth(line, width);
    text += line + "\n";
    ++drawn_lines_;
  }
  out_ << text << std::flush;
}

void LiveProgressView::Print(LineKind kind, const std::string& text) {
  if (kind == LineKind::kTrialStarted || kind == LineKind::kQueue ||
      kind == LineKind::kMeasurement || kind == LineKind::kProgress || finished_) {
    return;  // shown in the block
  }
  const std::string time = FormatLocalTime(NowSeconds()).substr(11);  // HH:MM:SS
  out_ << EraseBlock() << time << " " << ShownText(text, ShownLines::kMultiLine) << "\n";
}

void LiveProgressView::Changed() {
  Draw();
}

void LiveProgressView::Finish() {
  if (finished_) return;
  out_ << EraseBlock() << std::flush;
  finished_ = true;
  wake_.notify_all();
}

}  // namespace bayestune::cli
