#include "bayestune/spec_file/tuning_config_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/grid_designer.h"
#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/search_space.h"
#include "closest_match.h"

namespace bayestune {
namespace {

// snake_case to camelCase: "parameter_name" -> "parameterName"; a name without '_' as it is.
std::string CamelCase(const std::string& name) {
  std::string out;
  bool upper = false;
  for (char c : name) {
    if (c == '_' && !out.empty()) {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

constexpr std::size_t kMaxDiscreteValues = 1000;
constexpr std::size_t kMaxCategoricalValues = 1000;

// A CATEGORICAL or DISCRETE parameter of one value: a constant, not something to tune (as an
// INTEGER or DOUBLE range of one value is refused).
std::string OneValueWarning(const std::string& name, const std::string& value) {
  return "has one value: every trial gets --" + name + "=" + value +
         " and there is nothing to tune; list two or more values, or give the fixed flag with the "
         "trainer (runner.command or trainingInput.args)";
}

// A tuning spec has some hundreds of nodes; aliases (*name) can make a short file expand to
// billions (each alias is walked where it is used), which would hang every command reading it.
constexpr std::size_t kMaxExpandedNodes = 1000000;

// The nodes of `node`'s tree with every alias expanded, counted until the count passes `limit`.
std::size_t CountExpandedNodes(const YAML::Node& node, std::size_t limit) {
  std::size_t count = 1;
  if (node.IsSequence() || node.IsMap()) {
    for (auto it = node.begin(); it != node.end() && count <= limit; ++it) {
      if (node.IsMap()) {
        count += CountExpandedNodes(it->first, limit - count);
        if (count <= limit) count += CountExpandedNodes(it->second, limit - count);
      } else {
        count += CountExpandedNodes(*it, limit - count);
      }
    }
  }
  return count;
}

// A tuning spec nests '[' and '{' a few levels deep. yaml-cpp gives up at 500 levels of nesting
// with "bad file" and no useful place; past this bound the loader says where, before parsing.
constexpr int kMaxFlowNesting = 64;

// Where (0-based line and column) the text's '[' and '{' first nest deeper than `limit`, nullopt
// when they never do. Only a bracket where a value starts opens a collection (after ':', ',', '-',
// '?', '[', '{' or at a line's start), not one inside a plain scalar; comments and quoted scalars
// are skipped. An approximation of YAML's grammar that errs on the side of counting less: what it
// misses, yaml-cpp's own bound still catches.
std::optional<std::pair<int, int>> DeepFlowNesting(std::string_view text, int limit) {
  int depth = 0;
  int line = 0;
  int column = 0;
  char previous = '\n';  // the last character that is not a space: '\n' at a line's start
  const auto indentation_at = [&](std::size_t at) {  // the spaces from `at` on
    const std::size_t first = text.find_first_not_of(' ', at);
    return static_cast<int>((first == std::string_view::npos ? text.size() : first) - at);
  };
  int indentation = indentation_at(0);  // the current line's
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      column = 0;
      previous = '\n';
      indentation = indentation_at(i + 1);
      continue;
    }
    const bool value_starts = previous == '\n' || previous == ':' || previous == ',' ||
                              previous == '-' || previous == '?' || previous == '[' ||
                              previous == '{';
    if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      continue;
    }
    if ((c == '&' || c == '!') && value_starts) {
      // An anchor or a tag before a value ("&unit [", "!!seq ["): the value still starts after it.
      while (i + 1 < text.size() &&
             std::string_view(" \t\n,[]{}").find(text[i + 1]) == std::string_view::npos) {
        ++i;
        ++column;
      }
      ++column;
      continue;
    }
    if ((c == '|' || c == '>') && value_starts && depth == 0) {
      // A block scalar ("script: |"): its lines, those more indented than this one (and blank
      // ones), are text.
      std::size_t end = text.find('\n', i);
      while (end != std::string_view::npos) {
        const std::size_t next = end + 1;
        const std::size_t first = text.find_first_not_of(' ', next);
        if (first == std::string_view::npos) return std::nullopt;  // spaces to the end
        const bool blank = text[first] == '\n' || text[first] == '\r';
        if (!blank && static_cast<int>(first - next) <= indentation) break;
        end = text.find('\n', first);
        ++line;  // the newline before the line skipped
      }
      if (end == std::string_view::npos) return std::nullopt;
      i = end - 1;  // the newline that ends the scalar comes next
      continue;
    }
    if ((c == '"' || c == '\'') && value_starts) {
      // To the closing quote: '' in a single-quoted scalar, \x in a double-quoted one.
      for (++i, ++column; i < text.size(); ++i, ++column) {
        if (text[i] == '\n') {
          ++line;
          column = -1;
        } else if (c == '"' && text[i] == '\\') {
          ++i;
          ++column;
        } else if (text[i] == c) {
          if (c == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
            ++i;
            ++column;
          } else {
            break;
          }
        }
      }
    } else if ((c == '[' || c == '{') && value_starts) {
      if (++depth > limit) return std::make_pair(line, column);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    // A bracket inside a plain scalar ("a[[") opens nothing, nor does one after it.
    const bool plain_bracket = (c == '[' || c == '{') && !value_starts;
    if (c != ' ' && c != '\t') previous = plain_bracket ? 'a' : c;
    ++column;
  }
  return std::nullopt;
}

const std::vector<std::string> kTopLevelKeys = {"trainingInput", "runner"};
// AI Platform job fields around trainingInput that a local run has no use for.
const std::vector<std::string> kIgnoredTopLevelKeys = {"jobId", "labels", "etag"};

const std::vector<std::string> kTrainingInputKeys = {"hyperparameters", "args", "jobDir"};
// The rest of AI Platform's TrainingInput: accepted so that a file made for AI Platform loads
// unchanged, and ignored with a warning.
const std::vector<std::string> kIgnoredTrainingInputKeys = {"scaleTier",
                                                            "masterType",
                                                            "masterConfig",
                                                            "workerType",
                                                            "workerConfig",
                                                            "parameterServerType",
                                                            "parameterServerConfig",
                                                            "evaluatorType",
                                                            "evaluatorConfig",
                                                            "workerCount",
                                                            "parameterServerCount",
                                                            "evaluatorCount",
                                                            "packageUris",
                                                            "pythonModule",
                                                            "region",
                                                            "runtimeVersion",
                                                            "pythonVersion",
                                                            "encryptionConfig",
                                                            "scheduling",
                                                            "network",
                                                            "serviceAccount",
                                                            "useChiefInTfConfig",
                                                            "enableWebAccess"};

const std::vector<std::string> kHyperparameterKeys = {"goal",
                                                      "params",
                                                      "maxTrials",
                                                      "maxParallelTrials",
                                                      "maxFailedTrials",
                                                      "hyperparameterMetricTag",
                                                      "resumePreviousJobId",
                                                      "enableTrialEarlyStopping",
                                                      "algorithm",
                                                      "metrics"};

// For a top-level key that is no top-level key but belongs deeper (a file that left out
// trainingInput:, or trainingInput: and hyperparameters:) or to Vertex AI's job: where it goes.
std::string MisplacedTopLevelKey(const std::string& name) {
  const auto in = [&](const std::vector<std::string>& keys) {
    return std::find(keys.begin(), keys.end(), name) != keys.end();
  };
  if (in(kHyperparameterKeys)) {
    return "the study's keys go under trainingInput.hyperparameters, as in AI Platform's job "
           "spec (trainingInput:, then hyperparameters: indented below it, then the study's keys "
           "indented below that)";
  }
  if (in(kTrainingInputKeys) || in(kIgnoredTrainingInputKeys)) {
    return "it goes under trainingInput:, as in AI Platform's job spec (trainingInput:, then '" +
           name + ":' indented below it)";
  }
  // Each of Vertex AI's keys with where it goes in AI Platform's form: one message for all of
  // them said the same long text at every key and mapped neither maxFailedTrialCount nor
  // measurementSelectionType, integerValueSpec, ... (newuser11).
  static const std::map<std::string, std::string> kVertexKeys = {
      {"displayName",
       "the job's name: bayestune names the study after the file (mnist.yaml: mnist) or "
       "--study NAME; leave it out"},
      {"maxTrialCount", "write it as trainingInput.hyperparameters.maxTrials"},
      {"parallelTrialCount", "write it as trainingInput.hyperparameters.maxParallelTrials"},
      {"maxFailedTrialCount", "write it as trainingInput.hyperparameters.maxFailedTrials"},
      {"studySpec",
       "write its metrics as trainingInput.hyperparameters.metrics (metricId, goal, as they "
       "are), its parameters as params: parameterId as parameterName, doubleValueSpec's "
       "minValue and maxValue with type: DOUBLE, integerValueSpec's with type: INTEGER, "
       "categoricalValueSpec's values as categoricalValues with type: CATEGORICAL, "
       "discreteValueSpec's values as discreteValues with type: DISCRETE, scaleType as it is, "
       "conditionalParameterSpecs with each parameterSpec written so; its algorithm as "
       "algorithm, medianAutomatedStoppingSpec as enableTrialEarlyStopping: true, and "
       "measurementSelectionType as runner.measurementSelection (LAST or BEST)"},
      {"trialJobSpec",
       "how Vertex AI ran the trainer: give the command as runner.command (a "
       "pythonPackageSpec's pythonModule as [python3, -m, MODULE], a containerSpec's command "
       "and args as they are) or after --: bayestune run tuning.yaml -- python3 -m MODULE"}};
  if (const auto vertex = kVertexKeys.find(name); vertex != kVertexKeys.end()) {
    return "this is Vertex AI's HyperparameterTuningJob, which bayestune does not read; " +
           vertex->second;
  }
  return "";
}

const std::vector<std::string> kParamKeys = {
    "parameterName",     "type",           "minValue",  "maxValue",
    "categoricalValues", "discreteValues", "scaleType", "conditionalParameterSpecs"};

// An item of conditionalParameterSpecs (Vertex AI's ConditionalParameterSpec).
const std::vector<std::string> kConditionalKeys = {"parameterSpec", "parentCategoricalValues",
                                                   "parentDiscreteValues", "parentIntValues"};

const std::vector<std::string> kRunnerKeys = {"command",
                                              "jobDir",
                                              "gpus",
                                              "gpusPerTrial",
                                              "trialsPerGpu",
                                              "cpuTrials",
                                              "trialTimeoutSeconds",
                                              "stopGracePeriodSeconds",
                                              "measurementSelection",
                                              "seed",
                                              "earlyStopping",
                                              "env",
                                              "launcher",
                                              "slurm"};
const std::vector<std::string> kSlurmKeys = {"partition",    "account", "qos",        "time",
                                             "cpusPerTrial", "memory",  "constraint", "extraArgs"};

const std::vector<std::string> kEarlyStoppingKeys = {"rule", "minStep", "maxStep",
                                                     "reductionFactor", "brackets"};

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names)
    text += (text.empty() ? "" : ", ") + n;
  return text;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an undefined value";
  }
}

// The first shell expansion in `value` that nothing here performs, as the shell would take it:
// a leading '~' ("~", "~/data") or a $NAME or ${NAME}; "" when there is none. No shell runs the
// trainer, so such a value reaches it as written ('$HOME/data', a folder named '~').
std::string UnexpandedShellWord(const std::string& value) {
  if (value == "~" || value.starts_with("~/")) return "~";
  for (std::size_t at = value.find('$'); at != std::string::npos; at = value.find('$', at + 1)) {
    const std::size_t next = at + 1;
    if (next < value.size() && value[next] == '{') {
      const std::size_t close = value.find('}', next);
      if (close != std::string::npos) return value.substr(at, close + 1 - at);
    }
    std::size_t end = next;
    while (end < value.size() &&
           (std::isalnum(static_cast<unsigned char>(value[end])) || value[end] == '_')) {
      ++end;
    }
    if (end > next && !std::isdigit(static_cast<unsigned char>(value[next]))) {
      return value.substr(at, end - at);
    }
  }
  return "";
}

// What a jobDir holding an unexpanded '~' or $NAME is taken as: a relative one ('~/runs') is a
// folder beside the YAML file.
std::string JobDirAsItStands(const std::string& dir) {
  return dir.starts_with('/') ? "" : "; as it stands, it is a folder beside this file";
}

// Whether a command is a shell given its code with -c (or -lc, -ec, ...), which expands its own
// $NAME and '~': [bash, -c, 'python3 train.py --data=$DATA "$@"', --].
bool RunsShellCode(const std::vector<std::string>& command) {
  static const std::set<std::string> kShells = {"sh", "bash", "dash", "zsh", "ksh"};
  if (command.empty() ||
      kShells.count(std::filesystem::path(command[0]).filename().string()) == 0) {
    return false;
  }
  return std::any_of(command.begin() + 1, command.end(), [](const std::string& word) {
    return word.size() >= 2 && word[0] == '-' && word[1] != '-' &&
           word.find('c') != std::string::npos &&
           std::all_of(word.begin() + 1, word.end(), [](char c) { return std::islower(c); });
  });
}

// `value` as a shell would expand its leading '~' and its $NAME and ${NAME} from this process's
// environment; nullopt when one of them is not set here.
std::optional<std::string> ShellExpanded(std::string value) {
  if (value == "~" || value.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home == nullptr) return std::nullopt;
    value = home + value.substr(1);
  }
  std::string expanded;
  for (std::size_t at = 0; at < value.size();) {
    std::string word = value[at] == '$' ? UnexpandedShellWord(value.substr(at)) : "";
    if (word.empty() || value.compare(at, word.size(), word) != 0) {
      expanded += value[at++];
      continue;
    }
    const std::string name = word[1] == '{' ? word.substr(2, word.size() - 3) : word.substr(1);
    const char* set = std::getenv(name.c_str());
    if (set == nullptr) return std::nullopt;
    expanded += set;
    at += word.size();
  }
  return expanded;
}

// Collects every problem of one file. Reading functions return nullopt after reporting.
class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  // Where the value of `field` is in the file, for diagnostics made after loading.
  void Locate(const YAML::Node& node, const std::string& field) {
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) positions_[field] = FilePosition{mark.line + 1, mark.column + 1};
  }
  std::map<std::string, FilePosition> TakePositions() { return std::move(positions_); }
  std::string TakePythonModule() { return std::move(python_module_); }

  std::vector<Diagnostic> TakeDiagnostics() {
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    return std::move(diagnostics_);
  }

  void Report(Diagnostic::Severity severity, const YAML::Mark& mark, const std::string& field,
              const std::string& message) {
    // A key given in snake_case was said once, as such: its camelCase field is not "missing".
    if (snake_cased_.count(field) &&
        (message.starts_with("missing required field") || message.starts_with("not given"))) {
      return;
    }
    Diagnostic d;
    d.severity = severity;
    d.file = file_;
    d.line = mark.is_null() ? 0 : mark.line + 1;
    d.column = mark.is_null() ? 0 : mark.column + 1;
    d.field = field;
    d.message = message;
    diagnostics_.push_back(std::move(d));
  }
  void Error(const YAML::Node& at, const std::string& field, const std::string& message) {
    Report(Diagnostic::Severity::kError, at.Mark(), field, message);
  }
  void Warning(const YAML::Node& at, const std::string& field, const std::string& message) {
    Report(Diagnostic::Severity::kWarning, at.Mark(), field, message);
  }

  // YAML 1.1 merge keys, which yaml-cpp reads as a key named "<<": `<<: *base` (or a list of
  // aliases) copies the keys of the mappings it names into this one, except those it gives
  // itself; earlier mappings of a list win over later ones. A file that reuses a parameter's
  // fields this way (`- {<<: *double01, parameterName: lr}`) would otherwise get an error for
  // the key "<<" and one for every field it brought.
  void ResolveMergeKeys(YAML::Node node) {
    if (node.IsSequence()) {
      for (YAML::Node item : node)
        ResolveMergeKeys(item);
      return;
    }
    if (!node.IsMap()) return;
    YAML::Node merged;
    bool has_merge_key = false;
    std::set<std::string> own;
    for (auto entry : node) {
      ResolveMergeKeys(entry.second);
      if (!entry.first.IsScalar()) continue;
      if (entry.first.Scalar() == "<<" && entry.first.Tag() != "!") {
        merged = entry.second;
        has_merge_key = true;
      } else {
        own.insert(entry.first.Scalar());
      }
    }
    if (!has_merge_key) return;
    std::vector<YAML::Node> sources;
    if (merged.IsMap()) {
      sources.push_back(merged);
    } else if (merged.IsSequence()) {
      for (const YAML::Node& item : merged)
        sources.push_back(item);
    }
    const auto not_map = std::find_if(sources.begin(), sources.end(),
                                      [](const YAML::Node& s) { return !s.IsMap(); });
    if (sources.empty() || not_map != sources.end()) {
      const YAML::Node& bad = sources.empty() ? merged : *not_map;
      Error(bad, "<<",
            "a YAML merge key takes a mapping or a list of mappings, such as <<: *base or "
            "<<: [*base, *more], got " +
                Describe(bad));
      return;
    }
    node.remove("<<");
    for (const YAML::Node& source : sources) {
      for (auto entry : source) {
        if (!entry.first.IsScalar() || !own.insert(entry.first.Scalar()).second) continue;
        node.force_insert(entry.first, entry.second);
      }
    }
  }

  // Checks that `node` is a mapping whose keys are all known. Unknown keys are errors with the
  // closest known key suggested; `ignored` keys get a warning; repeated keys are errors.
  bool CheckMap(const YAML::Node& node, const std::string& field,
                const std::vector<std::string>& known, const std::vector<std::string>& ignored,
                const std::string& ignored_why) {
    if (!node.IsMap()) {
      Error(node, field,
            "expected a mapping with keys " + JoinNames(known) + ", got " + Describe(node));
      return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const std::string name = key.IsScalar() ? key.Scalar() : std::string("?");
      const std::string key_field = field.empty() ? name : field + "." + name;
      if (!seen.insert(name).second) {
        Error(key, key_field, "appears twice; give each key once");
        continue;
      }
      Locate(entry.second, key_field);
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) {
        std::string why = ignored_why;
        if (name == "pythonModule" && entry.second.IsScalar() && !entry.second.Scalar().empty()) {
          // AI Platform's way to name the trainer: said here as bayestune's, which run needs.
          const std::string& module = entry.second.Scalar();
          python_module_ = module;
          why = "AI Platform ran the trainer as python -m " + module +
                ", bayestune runs runner.command: give it as runner.command: [python3, -m, " +
                module +
                "] (run from the folder that holds the package), or after --: " + "bayestune run " +
                file_ + " -- python3 -m " + module;
        }
        Warning(key, key_field, "ignored: " + why);
        continue;
      }
      if (const std::string camel = CamelCase(name);
          camel != name && std::find(known.begin(), known.end(), camel) != known.end()) {
        // parameter_name for parameterName: the protobuf field's name, which some of Google's
        // clients take; AI Platform's YAML and JSON spell every key in camelCase.
        snake_cased_.insert(field.empty() ? camel : field + "." + camel);
        Error(key, key_field,
              "unknown key '" + name + "': AI Platform's keys are camelCase; write '" + camel +
                  "' (as every key of a tuning.yaml: maxTrials, parameterName, minValue, ...)");
        continue;
      }
      if (field.empty()) {
        if (const std::string where = MisplacedTopLevelKey(name); !where.empty()) {
          misplaced_top_level_ = true;
          Error(key, key_field, "unknown key '" + name + "' at the top level: " + where);
          continue;
        }
      }
      std::vector<std::string> all = known;
      all.insert(all.end(), ignored.begin(), ignored.end());
      if (const auto note = key_notes_.find(name); note != key_notes_.end()) {
        Error(key, key_field, "unknown key '" + name + "': " + note->second);
        continue;
      }
      std::string message = "unknown key '" + name + "'";
      if (const auto hint = key_hints_.find(name); hint != key_hints_.end()) {
        message += "; did you mean '" + hint->second + "'?";
      } else if (auto closest = ClosestMatch(name, all)) {
        message += "; did you mean '" + *closest + "'?";
      }
      message += (message.ends_with('?') ? " Valid keys: " : "; valid keys: ") + JoinNames(known);
      Error(key, key_field, message);
    }
    return true;
  }

  std::optional<std::string> ReadString(const YAML::Node& node, const std::string& field) {
    if (!node.IsScalar()) {
      Error(node, field, "expected a string, got " + Describe(node));
      return std::nullopt;
    }
    return node.Scalar();
  }

  // An integer in [min_value, max_value]; by default at most what an int holds.
  std::optional<long long> ReadInteger(const YAML::Node& node, const std::string& field,
                                       long long min_value,
                                       long long max_value = std::numeric_limits<int>::max()) {
    if (!node.IsScalar()) {
      Error(node, field, "expected an integer, got " + Describe(node));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    long long value = 0;
    const char* begin = text.data() + (text.starts_with('+') ? 1 : 0);
    auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range && end == text.data() + text.size()) {
      // An integer all the same, too large for any bound: said as such.
      Error(node, field,
            (text.starts_with('-') ? "must be at least " + std::to_string(min_value)
                                   : "must be at most " + std::to_string(max_value)) +
                ", got " + text);
      return std::nullopt;
    }
    if (error != std::errc() || end != text.data() + text.size()) {
      Error(node, field, "expected an integer, got '" + text + "'");
      return std::nullopt;
    }
    if (value < min_value) {
      Error(node, field,
            "must be at least " + std::to_string(min_value) + ", got " + std::to_string(value));
      return std::nullopt;
    }
    if (value > max_value) {
      Error(node, field,
            "must be at most " + std::to_string(max_value) + ", got " + std::to_string(value));
      return std::nullopt;
    }
    return value;
  }

  std::optional<double> ReadNumber(const YAML::Node& node, const std::string& field) {
    if (!node.IsScalar()) {
      Error(node, field, "expected a number, got " + Describe(node));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    double value = 0;
    const char* begin = text.data() + (text.starts_with('+') ? 1 : 0);
    auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range && end == text.data() + text.size()) {
      // A number all the same (1e400, 1e-400), beyond what a double holds.
      Error(node, field,
            "'" + text + "' is " +
                (std::isinf(std::strtod(text.c_str(), nullptr))
                     ? "larger than a double holds (about 1.8e308); give a finite number"
                     : "closer to 0 than a double holds (about 4.9e-324); give 0 or a number "
                       "further from 0"));
      return std::nullopt;
    }
    // YAML's own words for infinity and not-a-number (.inf, -.Inf, .NaN) are numbers too.
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == ".inf" || lower == "+.inf" || lower == "-.inf" || lower == ".nan") {
      Error(node, field, "expected a finite number, got '" + text + "'");
      return std::nullopt;
    }
    if (error != std::errc() || end != text.data() + text.size()) {
      // A decimal comma (a locale's way, 0,001): said with the number meant.
      std::string point = text;
      double meant = 0;
      if (std::count(point.begin(), point.end(), ',') == 1) {
        std::replace(point.begin(), point.end(), ',', '.');
        const char* from = point.data() + (point.starts_with('+') ? 1 : 0);
        const auto [stop, failed] = std::from_chars(from, point.data() + point.size(), meant);
        if (failed != std::errc() || stop != point.data() + point.size()) point.clear();
      } else {
        point.clear();
      }
      Error(node, field,
            "expected a number, got '" + text + "'" +
                (point.empty() ? std::string()
                               : "; write decimals with a point, as YAML does: " + point));
      return std::nullopt;
    }
    if (!std::isfinite(value)) {
      Error(node, field, "expected a finite number, got '" + text + "'");
      return std::nullopt;
    }
    return value;
  }

  std::optional<double> ReadNonNegativeNumber(const YAML::Node& node, const std::string& field) {
    auto value = ReadNumber(node, field);
    if (value && *value < 0) {
      Error(node, field, "must be 0 or more, got " + FormatDouble(*value));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> ReadBool(const YAML::Node& node, const std::string& field) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
    }
    Error(node, field, "expected true or false, got " + Describe(node));
    return std::nullopt;
  }

  template <typename Enum>
  std::optional<Enum> ReadEnum(const YAML::Node& node, const std::string& field,
                               std::optional<Enum> (*parse)(std::string_view),
                               const std::vector<std::string>& names,
                               const std::map<std::string, std::string>& aliases = {}) {
    auto text = ReadString(node, field);
    if (!text) return std::nullopt;
    if (auto value = parse(*text)) return value;
    std::string message = "unknown value '" + *text + "'";
    std::string upper = *text;
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // Another tool's name for a value (Optuna's float), which no spelling distance finds.
    const auto alias = aliases.find(upper);
    if (alias != aliases.end()) {
      message += "; did you mean '" + alias->second + "'?";
    } else if (auto closest = ClosestMatch(*text, names)) {
      message += "; did you mean '" + *closest + "'?";
    }
    message += (message.ends_with('?') ? " Valid values: " : "; valid values: ") + JoinNames(names);
    Error(node, field, message);
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> ReadStringList(const YAML::Node& node,
                                                         const std::string& field) {
    if (!node.IsSequence()) {
      Error(node, field, "expected a list of strings, got " + Describe(node));
      return std::nullopt;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      Locate(node[i], field + "[" + std::to_string(i) + "]");
      if (auto s = ReadString(node[i], field + "[" + std::to_string(i) + "]")) {
        values.push_back(*s);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return values;
  }

  // A warning for a value that a shell would have expanded ('$HOME/data', '~/runs', '${DATA}'):
  // no shell runs the trainer, so it gets the value as written, and a relative jobDir such as
  // '~/runs' became a folder named '~' beside the YAML file, silently. `what` says where the value
  // goes; `advice` what to do besides writing it out.
  void WarnUnexpanded(const YAML::Node& at, const std::string& field, const std::string& value,
                      const std::string& what, const std::string& advice) {
    const std::string word = UnexpandedShellWord(value);
    if (word.empty()) return;
    std::string message = "'" + value + "' " + what +
                          " as written: no shell reads this file, so '" + word +
                          "' is not expanded; write the value out";
    if (const auto expanded = ShellExpanded(value)) message += " ('" + *expanded + "' here)";
    Warning(at, field, message + advice);
  }

  // A list of words given to a program (its command, its arguments): strings without a NUL,
  // where a program's argument ends (the rest would be dropped without a word).
  std::optional<std::vector<std::string>> ReadProgramWords(const YAML::Node& node,
                                                           const std::string& field) {
    auto words = ReadStringList(node, field);
    if (!words) return std::nullopt;
    bool ok = true;
    for (std::size_t i = 0; i < words->size(); ++i) {
      if (const std::size_t nul = (*words)[i].find('\0'); nul != std::string::npos) {
        Error(node[i], field + "[" + std::to_string(i) + "]",
              "holds a NUL byte (at byte " + std::to_string(nul) +
                  "); a word given to a program ends at a NUL, so it cannot hold one");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return words;
  }

  void LoadTrainingInput(const YAML::Node& node, TuningConfig& config) {
    const std::string field = "trainingInput";
    if (!CheckMap(node, field, kTrainingInputKeys, kIgnoredTrainingInputKeys,
                  "only AI Platform uses it; bayestune runs trials on this machine")) {
      return;
    }
    if (auto args = node["args"]) {
      if (auto list = ReadProgramWords(args, field + ".args")) {
        config.runner.args = *list;
        for (std::size_t i = 0; i < list->size(); ++i) {
          const std::string& word = (*list)[i];
          WarnUnexpanded(args[i], field + ".args[" + std::to_string(i) + "]", word,
                         "reaches the trainer", "");
          if (word == "--job-dir" || word == "--job_dir" || word.starts_with("--job-dir=") ||
              word.starts_with("--job_dir=")) {
            // An AI Platform job's own --job-dir (often gs://...): each trial gets its folder as
            // --job-dir after the hyperparameters, so the trainer would get two.
            Warning(args[i], field + ".args[" + std::to_string(i) + "]",
                    "'" + word +
                        "': bayestune gives each trial its own folder as --job-dir=<jobDir>/"
                        "trial-<n>, last, and writes nothing here; remove it (argparse takes the "
                        "last --job-dir, a trainer that takes the first would write elsewhere)");
          }
        }
      }
    }
    if (auto job_dir = node["jobDir"]) {
      if (auto dir = ReadString(job_dir, field + ".jobDir")) {
        if (dir->starts_with("gs://")) {
          Warning(job_dir, field + ".jobDir",
                  "a Cloud Storage path is not used locally; trial folders go under runner.jobDir");
        } else {
          config.runner.job_dir = *dir;
          WarnUnexpanded(job_dir, field + ".jobDir", *dir, "is the trial folders' folder",
                         JobDirAsItStands(*dir));
        }
      }
    }
    const YAML::Node hyperparameters = node["hyperparameters"];
    if (!hyperparameters) {
      Error(node, field + ".hyperparameters",
            "missing required field: the study (goal, hyperparameterMetricTag, maxTrials, params)");
      return;
    }
    LoadHyperparameters(hyperparameters, config.study);
  }

  // trainingInput.hyperparameters.metrics, Vertex AI's [{metricId, goal}, ...], in place of
  // hyperparameterMetricTag and goal: one entry is the same as those two; two or more make a
  // multi-objective study (StudySpec::metrics).
  void LoadMetrics(const YAML::Node& node, const std::string& hyperparameters_field,
                   StudySpec& spec) {
    const YAML::Node list = node["metrics"];
    if (!list) return;
    const std::string field = hyperparameters_field + ".metrics";
    bool ok = true;
    for (const char* single : {"hyperparameterMetricTag", "goal"}) {
      if (const YAML::Node other = node[single]) {
        Error(list, field,
              std::string("is given with ") + single + " (line " +
                  std::to_string(other.Mark().line + 1) +
                  "); give the objectives either as metrics or as hyperparameterMetricTag and "
                  "goal, not both");
        ok = false;
      }
    }
    if (!list.IsSequence() || list.size() == 0) {
      Error(list, field,
            list.IsSequence() ? std::string("is empty; give at least one {metricId, goal}")
                              : "expected a list of {metricId, goal}, got " + Describe(list));
      return;
    }
    if (list.size() > kMaxStudyMetrics) {
      Error(list, field,
            "has " + std::to_string(list.size()) + " entries; a study has at most " +
                std::to_string(kMaxStudyMetrics) +
                " objectives: keep the ones to trade off, and log the others as plain scalars");
      return;
    }
    std::vector<MetricSpec> metrics;
    std::vector<YAML::Node> id_nodes;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string item = field + "[" + std::to_string(i) + "]";
      const YAML::Node entry = list[i];
      if (!CheckMap(entry, item, {"metricId", "goal"}, {}, "")) {
        ok = false;
        continue;
      }
      MetricSpec metric;
      const YAML::Node id = entry["metricId"];
      const YAML::Node goal = entry["goal"];
      if (!id) {
        Error(entry, item + ".metricId",
              "missing: name the TensorBoard tag (or hypertune metric) of this objective");
        ok = false;
      } else if (auto text = ReadString(id, item + ".metricId")) {
        if (text->empty()) {
          Error(id, item + ".metricId", "must not be empty; name the tag of this objective");
          ok = false;
        } else if (std::string problem = MetricTagProblem(*text); !problem.empty()) {
          Error(id, item + ".metricId", problem);
          ok = false;
        }
        for (std::size_t j = 0; j < metrics.size(); ++j) {
          if (!text->empty() && metrics[j].metric_id == *text) {
            Error(id, item + ".metricId",
                  "'" + *text + "' is already metrics[" + std::to_string(j) + "] (line " +
                      std::to_string(id_nodes[j].Mark().line + 1) +
                      "); each metricId must be unique");
            ok = false;
          }
        }
        metric.metric_id = *text;
      } else {
        ok = false;
      }
      if (!goal) {
        Error(entry, item + ".goal", "missing: MAXIMIZE or MINIMIZE");
        ok = false;
      } else if (auto value =
                     ReadEnum<Goal>(goal, item + ".goal", &ParseGoal, {"MAXIMIZE", "MINIMIZE"})) {
        metric.goal = *value;
      } else {
        ok = false;
      }
      metrics.push_back(std::move(metric));
      id_nodes.push_back(id ? id : entry);
    }
    if (!ok) return;
    spec.metric_tag = metrics[0].metric_id;
    spec.goal = metrics[0].goal;
    if (metrics.size() >= 2) spec.metrics = std::move(metrics);
    const YAML::Node stopping = node["enableTrialEarlyStopping"];
    if (spec.metrics.size() >= 2 && stopping && spec.enable_early_stopping) {
      Error(stopping, hyperparameters_field + ".enableTrialEarlyStopping",
            "is not supported with several metrics (line " + std::to_string(list.Mark().line + 1) +
                "): the stopping rules compare trials on one objective; set it to false, or "
                "tune one metric");
    }
  }

  void LoadHyperparameters(const YAML::Node& node, StudySpec& spec) {
    const std::string field = "trainingInput.hyperparameters";
    // Vertex AI's StudySpec names the list 'parameters': said once, as the unknown key, and its
    // parameters read as params so that their own mistakes are said too (it was 'valid keys:
    // ...' beside 'params: missing required field', and nothing of the parameters).
    const bool vertex_parameters = node.IsMap() && node["parameters"] && !node["params"];
    if (vertex_parameters) {
      key_notes_["parameters"] =
          "Vertex AI's name for the list of parameters; write params (AI Platform's form, which "
          "bayestune reads)";
    }
    // The rest of Vertex AI's StudySpec and job keys, given here: said as at the top level
    // (maxTrialCount had no suggestion here, measurementSelectionType none of the runner block).
    for (const auto& [vertex, ours] : std::vector<std::pair<std::string, std::string>>{
             {"maxTrialCount", "maxTrials"},
             {"parallelTrialCount", "maxParallelTrials"},
             {"maxFailedTrialCount", "maxFailedTrials"},
             {"measurementSelectionType", ""}}) {
      key_notes_[vertex] = "Vertex AI's name; write " +
                           (ours.empty() ? "runner.measurementSelection (LAST or BEST), in "
                                           "bayestune's runner: block"
                                         : ours + " (AI Platform's form, which bayestune reads)");
    }
    const bool map_ok = CheckMap(node, field, kHyperparameterKeys, {}, "");
    key_notes_.clear();
    if (!map_ok) return;
    if (auto n = node["goal"]) {
      if (auto goal = ReadEnum<Goal>(n, field + ".goal", &ParseGoal, {"MAXIMIZE", "MINIMIZE"})) {
        spec.goal = *goal;
      }
    }
    if (auto n = node["hyperparameterMetricTag"]) {
      if (auto tag = ReadString(n, field + ".hyperparameterMetricTag")) {
        if (tag->empty()) {
          Error(
              n, field + ".hyperparameterMetricTag",
              "must not be empty; name the TensorBoard tag of the objective, for example accuracy");
        } else if (std::string problem = MetricTagProblem(*tag); !problem.empty()) {
          Error(n, field + ".hyperparameterMetricTag", problem);
        } else {
          spec.metric_tag = *tag;
        }
      }
    } else if (!node["metrics"]) {
      // Every trial of a trainer that writes its objective under another tag fails, one after
      // the other, and the study cannot change its tag afterwards.
      Warning(node, field + ".hyperparameterMetricTag",
              "not given: the objective is the scalar tagged '" + spec.metric_tag +
                  "' (AI Platform's default, what cloudml-hypertune writes without a tag); give "
                  "the tag your trainer writes, for example hyperparameterMetricTag: accuracy");
    }
    if (!node["goal"] && !node["metrics"]) {
      // A study of 'loss' without a goal maximised its loss, every trial reported as it should,
      // and the study cannot change its goal afterwards.
      Warning(node, field + ".goal",
              "not given: the study maximises '" + spec.metric_tag +
                  "' (MAXIMIZE, AI Platform's default); give goal: MINIMIZE if lower is better "
                  "(a loss, an error), else goal: MAXIMIZE");
    }
    std::optional<long long> max_trials;
    if (auto n = node["maxTrials"]) {
      max_trials = ReadInteger(n, field + ".maxTrials", 1);
      if (max_trials) spec.max_trials = static_cast<int>(*max_trials);
    }
    if (auto n = node["maxParallelTrials"]) {
      if (auto value = ReadInteger(n, field + ".maxParallelTrials", 1)) {
        spec.max_parallel_trials = static_cast<int>(*value);
        // Compared only with a maxTrials that was read (an invalid one has its own error).
        const bool max_trials_read = max_trials || !node["maxTrials"];
        if (max_trials_read && *value > spec.max_trials) {
          Warning(n, field + ".maxParallelTrials",
                  std::to_string(*value) + " is more than maxTrials (" +
                      std::to_string(spec.max_trials) + "); at most " +
                      std::to_string(spec.max_trials) + " trials will run at once");
        }
      }
    }
    if (auto n = node["maxFailedTrials"]) {
      if (auto value = ReadInteger(n, field + ".maxFailedTrials", 0)) {
        spec.max_failed_trials = static_cast<int>(*value);
      }
    }
    if (auto n = node["enableTrialEarlyStopping"]) {
      if (auto value = ReadBool(n, field + ".enableTrialEarlyStopping")) {
        spec.enable_early_stopping = *value;
      }
    }
    if (auto n = node["resumePreviousJobId"]) {
      if (auto value = ReadString(n, field + ".resumePreviousJobId")) {
        spec.resume_previous_job_id = *value;
      }
    }
    LoadMetrics(node, field, spec);
    if (auto n = node["algorithm"]) {
      if (auto value =
              ReadEnum<Algorithm>(n, field + ".algorithm", &ParseAlgorithm,
                                  {"ALGORITHM_UNSPECIFIED", "GRID_SEARCH", "RANDOM_SEARCH"})) {
        spec.algorithm = *value;
      }
    }
    const YAML::Node params = vertex_parameters ? node["parameters"] : node["params"];
    if (!params) {
      Error(
          node, field + ".params",
          "missing required field: list the parameters to tune, each with parameterName and type");
      return;
    }
    if (!params.IsSequence() || params.size() == 0) {
      Error(params, field + ".params",
            params.IsSequence() ? std::string("has no parameters; give at least one")
                                : "expected a list of parameters, got " + Describe(params));
      return;
    }
    if (params.size() > kMaxStudyParameters) {
      Error(params, field + ".params",
            "has " + std::to_string(params.size()) + " parameters; a study has at most " +
                std::to_string(kMaxStudyParameters) +
                " (conditional ones included): tune fewer at once");
      return;
    }
    std::vector<std::pair<std::string, YAML::Node>> names;  // each name given, with its node
    bool all_loaded = true;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string param_field =
          field + (vertex_parameters ? ".parameters[" : ".params[") + std::to_string(i) + "]";
      all_loaded =
          LoadParameterTree(params[i], param_field, std::nullopt, true, names, spec.parameters) &&
          all_loaded;
    }
    if (spec.parameters.size() > kMaxStudyParameters) {
      Error(params, field + ".params",
            "has " + std::to_string(spec.parameters.size()) +
                " parameters with the conditional ones; a study has at most " +
                std::to_string(kMaxStudyParameters) + ": tune fewer at once");
      return;
    }
    if (all_loaded && spec.algorithm == Algorithm::kGridSearch) {
      WarnOfSmallGrid(node, spec);
      WarnOfLargeGrid(node, spec);
    }
  }

  // Loads the parameter at `node` (with `condition` when it is a conditional one) and then, depth
  // first, its conditionalParameterSpecs into `out`; `keep` false: only reports problems (its
  // parent or condition is wrong). Every name, across the whole tree, must be unique. Returns
  // whether all of it loaded.
  bool LoadParameterTree(const YAML::Node& node, const std::string& field,
                         std::optional<ParentCondition> condition, bool keep,
                         std::vector<std::pair<std::string, YAML::Node>>& names,
                         std::vector<ParameterSpec>& out) {
    std::optional<std::string> name;
    std::optional<ParameterSpec> param = LoadParameter(node, field, name);
    bool loaded = param.has_value();
    if (name) {
      const YAML::Node name_node = node["parameterName"];
      const auto earlier = std::find_if(names.begin(), names.end(), [&](const auto& named) {
        return ParameterNamesCollide(named.first, *name);
      });
      if (earlier != names.end()) {
        const std::string line = std::to_string(earlier->second.Mark().line + 1);
        Error(name_node, field + ".parameterName",
              earlier->first == *name
                  ? "'" + *name + "' is already defined at line " + line +
                        "; each parameterName must be unique, across every branch of "
                        "conditionalParameterSpecs too"
                  : ParameterCollisionProblem(earlier->first, *name) + " (line " + line + ")");
        loaded = false;
      } else {
        names.emplace_back(*name, name_node);
      }
    }
    if (param && loaded && keep) {
      param->condition = std::move(condition);
      out.push_back(*param);
    }
    if (node.IsMap() && node["conditionalParameterSpecs"]) {
      loaded = LoadConditionalSpecs(
                   node["conditionalParameterSpecs"], field + ".conditionalParameterSpecs",
                   param && loaded ? &*param : nullptr, keep && loaded, names, out) &&
               loaded;
    }
    return loaded;
  }

  // A parameter's conditionalParameterSpecs: each item a parameterSpec and the values of `parent`
  // that bring it. `parent` nullptr: the parent did not load; the items are checked for their own
  // problems only.
  bool LoadConditionalSpecs(const YAML::Node& node, const std::string& field,
                            const ParameterSpec* parent, bool keep,
                            std::vector<std::pair<std::string, YAML::Node>>& names,
                            std::vector<ParameterSpec>& out) {
    if (!node.IsSequence() || node.size() == 0) {
      Error(
          node, field,
          (node.IsSequence() ? std::string("is empty") : "expected a list, got " + Describe(node)) +
              "; give a list of conditional parameters, each with parameterSpec and the "
              "parent's values that bring it (parentCategoricalValues, parentIntValues or "
              "parentDiscreteValues: {values: [...]})");
      return false;
    }
    bool loaded = true;
    if (parent && parent->type == ParameterType::kDouble) {
      Error(
          node, field,
          "parameter '" + parent->name +
              "' is DOUBLE, which cannot have conditional parameters (a branch needs values to "
              "match); make it DISCRETE or INTEGER, or make the children parameters of their own");
      loaded = false;
      parent = nullptr;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string item_field = field + "[" + std::to_string(i) + "]";
      if (!CheckMap(item, item_field, kConditionalKeys, {}, "")) {
        loaded = false;
        continue;
      }
      std::optional<ParentCondition> condition = LoadParentValues(item, item_field, parent);
      if (!condition) loaded = false;
      const YAML::Node spec = item["parameterSpec"];
      if (!spec) {
        Error(item, item_field + ".parameterSpec",
              "missing required field: the parameter this branch brings (parameterName, type, "
              "...), as an item of params");
        loaded = false;
        continue;
      }
      loaded = LoadParameterTree(spec, item_field + ".parameterSpec", condition,
                                 keep && parent && condition.has_value(), names, out) &&
               loaded;
    }
    return loaded;
  }

  // The parent*Values of a conditionalParameterSpecs item: exactly one, of the kind that
  // `parent`'s type takes, {values: [...]} with values the parent can take. nullopt after
  // reporting, or when `parent` is nullptr (the values are then only read).
  std::optional<ParentCondition> LoadParentValues(const YAML::Node& item, const std::string& field,
                                                  const ParameterSpec* parent) {
    const std::string expected = parent ? std::string(ParentValuesKey(parent->type)) : "";
    const std::string of_parent = parent ? "parent '" + parent->name + "' is " +
                                               std::string(ParameterTypeName(parent->type)) +
                                               ", so its children take " + expected
                                         : std::string();
    std::vector<std::string> given;
    for (const char* key : {"parentCategoricalValues", "parentIntValues", "parentDiscreteValues"}) {
      if (item[key]) given.push_back(key);
    }
    if (given.empty()) {
      Error(item, field + "." + (expected.empty() ? "parentCategoricalValues" : expected),
            "missing the parent's values that bring this parameter" +
                (parent ? "; " + of_parent + ": {values: [...]}" : std::string()));
      return std::nullopt;
    }
    if (given.size() > 1) {
      Error(item[given[1]], field + "." + given[1],
            "give only one of parentCategoricalValues, parentIntValues, parentDiscreteValues; " +
                given[0] + " is given too");
      return std::nullopt;
    }
    const std::string key = given[0];
    const std::string key_field = field + "." + key;
    const YAML::Node holder = item[key];
    bool ok = true;
    if (parent && key != expected) {
      Error(holder, key_field, "does not fit: " + of_parent + ", not " + key);
      ok = false;
    }
    if (!holder.IsMap()) {
      Error(holder, key_field, "expected {values: [...]}, got " + Describe(holder));
      return std::nullopt;
    }
    if (!CheckMap(holder, key_field, {"values"}, {}, "")) return std::nullopt;
    const YAML::Node values = holder["values"];
    if (!values) {
      Error(holder, key_field + ".values", "missing required field: the parent's values, a list");
      return std::nullopt;
    }
    if (!values.IsSequence() || values.size() == 0) {
      Error(values, key_field + ".values",
            (values.IsSequence() ? std::string("is empty")
                                 : "expected a list, got " + Describe(values)) +
                "; give at least one value" +
                (parent ? " of " + DescribeFeasibleValues(*parent) : std::string()));
      return std::nullopt;
    }
    ParentCondition condition;
    if (parent) condition.parent = parent->name;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::string value_field = key_field + ".values[" + std::to_string(i) + "]";
      std::optional<ParameterValue> value;
      if (key == "parentCategoricalValues") {
        if (auto text = ReadString(values[i], value_field)) value = *text;
      } else if (key == "parentIntValues") {
        if (auto number =
                ReadInteger(values[i], value_field, std::numeric_limits<std::int64_t>::min(),
                            std::numeric_limits<std::int64_t>::max())) {
          value = static_cast<std::int64_t>(*number);
        }
      } else if (auto number = ReadNumber(values[i], value_field)) {
        value = *number;
      }
      if (!value) {
        ok = false;
        continue;
      }
      if (parent && key == expected) {
        if (std::string problem = ParentValueProblem(*parent, *value); !problem.empty()) {
          Error(values[i], value_field, problem);
          ok = false;
          continue;
        }
      }
      condition.values.push_back(std::move(*value));
    }
    if (!ok || !parent) return std::nullopt;
    return condition;
  }

  // GRID_SEARCH ends the study when every combination of grid values ran: say so when that is
  // fewer than maxTrials.
  void WarnOfSmallGrid(const YAML::Node& hyperparameters, const StudySpec& spec) {
    std::optional<std::size_t> combinations;
    try {
      combinations = GridDesigner().Capacity(SearchSpace(spec.parameters));
    } catch (const bayestune::Error&) {
      return;  // reported as errors already
    }
    if (!combinations || *combinations >= static_cast<std::size_t>(spec.max_trials)) return;
    const YAML::Node at =
        hyperparameters["maxTrials"] ? hyperparameters["maxTrials"] : hyperparameters["algorithm"];
    Warning(at, "trainingInput.hyperparameters.maxTrials",
            "GRID_SEARCH has " + std::to_string(*combinations) +
                (*combinations == 1 ? " combination" : " combinations") +
                " of the parameters' grid values, fewer than maxTrials (" +
                std::to_string(spec.max_trials) + "); the study ends after " +
                std::to_string(*combinations) + (*combinations == 1 ? " trial" : " trials") +
                " (DOUBLE parameters have " + std::to_string(GridDesigner::kDoubleGridPoints) +
                " grid values each)");
  }

  // How many of the first parameter's grid values the first `trials` combinations of the grid
  // reach: the grid is walked in order, the first parameter slowest, and each of its values takes
  // as many combinations as the other parameters make with it (the product of their grid values;
  // in a tree, the trees of the children that value brings, times the other roots' trees).
  static std::size_t FirstValuesReached(const std::vector<ParameterSpec>& parameters,
                                        std::size_t trials) {
    const ParameterSpec& first = parameters.front();
    const std::size_t first_count = GridDesigner::GridValueCount(first);
    const auto times = [](std::size_t a, std::size_t b) {
      return b != 0 && a > std::numeric_limits<std::size_t>::max() / b
                 ? std::numeric_limits<std::size_t>::max()
                 : a * b;
    };
    const std::vector<std::size_t> subtrees = CountSubtrees(
        parameters, [&](std::size_t i) { return GridDesigner::GridValueCount(parameters[i]); });
    // What a value of the first parameter takes besides its children: the other roots' trees.
    std::size_t plain = 1;
    for (std::size_t p = 1; p < parameters.size(); ++p) {
      if (!parameters[p].condition) plain = times(plain, subtrees[p]);
    }
    plain = std::max<std::size_t>(plain, 1);
    // The values that bring children, by their place in the grid, and what each takes: the
    // product of the subtrees of the children it brings, times the other roots' trees.
    std::map<std::size_t, std::size_t> bringing;
    for (std::size_t c = 1; c < parameters.size(); ++c) {
      const auto& condition = parameters[c].condition;
      if (!condition || condition->parent != first.name) continue;
      std::set<std::size_t> brought;  // each value once, however often the condition lists it
      for (const ParameterValue& v : condition->values) {
        std::optional<std::size_t> k = GridDesigner::GridIndex(first, v);
        for (std::size_t i = 0; !k && first.type == ParameterType::kDiscrete && i < first_count;
             ++i) {
          if (ParentValueMatches(first, GridDesigner::GridValue(first, i), {v})) k = i;
        }
        if (k) brought.insert(*k);
      }
      for (std::size_t k : brought) {
        std::size_t& size = bringing.try_emplace(k, plain).first->second;
        size = times(size, subtrees[c]);
      }
    }
    std::size_t left = trials;  // the trials not yet placed
    std::size_t next = 0;       // the first value not yet walked
    // `count` values that bring no child, from `next` on: where the trials end among them, or
    // nullopt when they all are reached.
    const auto walk_plain = [&](std::size_t count) -> std::optional<std::size_t> {
      const std::size_t needed = left / plain + (left % plain != 0 ? 1 : 0);
      if (count >= needed) return next + needed;
      left -= count * plain;
      next += count;
      return std::nullopt;
    };
    for (const auto& [k, size] : bringing) {
      if (auto reached = walk_plain(k - next)) return *reached;
      next = k + 1;
      if (std::max<std::size_t>(size, 1) >= left) return next;
      left -= std::max<std::size_t>(size, 1);
    }
    if (auto reached = walk_plain(first_count - next)) return *reached;
    return first_count;
  }

  // GRID_SEARCH runs the combinations in order, the first parameter varying slowest: with more
  // combinations than maxTrials, the first parameter never leaves the start of its values. An
  // INTEGER from -2^53 to 2^53 first made 8 trials try -9007199254740992 to -9007199254740990 and
  // nothing else of it, without a word; a conditional space, whose first parameter's values each
  // bring their own branch, was not looked at, and 100 trials of an optimizer [sgd, adam] with its
  // branches ran sgd alone.
  void WarnOfLargeGrid(const YAML::Node& hyperparameters, const StudySpec& spec) {
    if (spec.parameters.empty()) return;
    const ParameterSpec& first = spec.parameters.front();
    const std::size_t first_count = GridDesigner::GridValueCount(first);
    for (const ParameterSpec& parameter : spec.parameters) {
      if (GridDesigner::GridValueCount(parameter) == 0) return;
    }
    const auto trials = static_cast<std::size_t>(std::max(spec.max_trials, 1));
    const std::size_t reached = FirstValuesReached(spec.parameters, trials);
    if (first_count == 0 || reached >= first_count) return;
    const YAML::Node at =
        hyperparameters["maxTrials"] ? hyperparameters["maxTrials"] : hyperparameters["algorithm"];
    const std::string from = GridDesigner::GridValue(first, 0).ToString();
    const std::string to = GridDesigner::GridValue(first, reached - 1).ToString();
    Warning(at, "trainingInput.hyperparameters.maxTrials",
            "GRID_SEARCH runs the grid's combinations in order, the first parameter ('" +
                first.name + "') varying slowest, and its " + std::to_string(first_count) +
                " grid values with the others' make more combinations than maxTrials (" +
                std::to_string(spec.max_trials) + "): the study's trials give '" + first.name +
                "' only " +
                (reached == 1
                     ? "its first value, " + from
                     : "its first " + std::to_string(reached) + " values, " + from + " to " + to) +
                "; raise maxTrials, give fewer values, or use RANDOM_SEARCH to spread the trials "
                "over the whole space");
  }

  // A parameter written as Vertex AI's StudySpec writes it (parameterId, doubleValueSpec:
  // {minValue, maxValue}, categoricalValueSpec: {values}, ...): CheckMap says each such key once,
  // with what to write in its place, and the fields it stands for are not also said missing. It
  // was told "did you mean 'parameterName'?" beside "parameterName: missing required field" and
  // "type: missing required field", and doubleValueSpec only that it is unknown: four errors a
  // parameter, none saying how to write it.
  void NoteVertexParameterKeys(const YAML::Node& node, const std::string& field) {
    if (node["parameterId"] && !node["parameterName"]) {
      key_notes_["parameterId"] =
          "Vertex AI's name for it; write parameterName" +
          (node["parameterId"].IsScalar() ? ": " + node["parameterId"].Scalar() : std::string()) +
          " (AI Platform's form, which bayestune reads)";
      snake_cased_.insert(field + ".parameterName");
    }
    struct ValueSpec {
      const char* key;
      const char* type;
      bool is_range;  // minValue and maxValue, else values
      const char* list_key;
    };
    static constexpr ValueSpec kValueSpecs[] = {
        {"doubleValueSpec", "DOUBLE", true, ""},
        {"integerValueSpec", "INTEGER", true, ""},
        {"categoricalValueSpec", "CATEGORICAL", false, "categoricalValues"},
        {"discreteValueSpec", "DISCRETE", false, "discreteValues"}};
    for (const ValueSpec& value_spec : kValueSpecs) {
      const YAML::Node inner = node[value_spec.key];
      if (!inner) continue;
      // What to write, with the file's own values where they are plain: "type: DOUBLE,
      // minValue: 0.0001, maxValue: 0.1".
      const auto scalar_text = [&](const char* key) -> std::string {
        const YAML::Node value = inner.IsMap() ? inner[key] : YAML::Node();
        return value && value.IsScalar() ? value.Scalar() : "...";
      };
      std::string written = std::string("type: ") + value_spec.type;
      if (value_spec.is_range) {
        written +=
            ", minValue: " + scalar_text("minValue") + ", maxValue: " + scalar_text("maxValue");
        snake_cased_.insert(field + ".minValue");
        snake_cased_.insert(field + ".maxValue");
      } else {
        std::string list;
        const YAML::Node values = inner.IsMap() ? inner["values"] : YAML::Node();
        if (values && values.IsSequence() && values.size() <= 20) {
          for (const YAML::Node& value : values)
            list += (list.empty() ? "" : ", ") + (value.IsScalar() ? value.Scalar() : "...");
        } else {
          list = "...";
        }
        written += std::string(", ") + value_spec.list_key + ": [" + list + "]";
        snake_cased_.insert(field + "." + value_spec.list_key);
      }
      key_notes_[value_spec.key] = "Vertex AI's form; write " + written +
                                   " in the parameter itself, in place of " + value_spec.key +
                                   " (AI Platform's form, which bayestune reads)";
      if (!node["type"]) snake_cased_.insert(field + ".type");
    }
  }

  // A parameter written with Optuna's suggest_float/suggest_int arguments (low, high, log, step)
  // or suggest_categorical's choices: each such key said once with what it is here, and the
  // bounds it stands for not also said missing. They were "unknown key 'low'; valid keys: ..."
  // beside "minValue: missing required field" and "maxValue: missing required field".
  void NoteOptunaParameterKeys(const YAML::Node& node, const std::string& field) {
    const auto value_of = [&](const char* key) {
      const YAML::Node value = node[key];
      return value && value.IsScalar() ? value.Scalar() : std::string("...");
    };
    const auto note = [&](const char* key, const std::string& ours, const char* replaced) {
      if (!node[key] || node[replaced]) return;
      key_notes_[key] =
          "Optuna's name; write " + ours + " (AI Platform's form, which bayestune reads)";
      snake_cased_.insert(field + "." + replaced);
    };
    note("low", "minValue: " + value_of("low"), "minValue");
    note("high", "maxValue: " + value_of("high"), "maxValue");
    note("choices", "categoricalValues, with type: CATEGORICAL", "categoricalValues");
    if (node["log"] && !node["scaleType"]) {
      key_notes_["log"] =
          "Optuna's suggest_float(..., log=True) is scaleType: UNIT_LOG_SCALE here; leave log out "
          "(AI Platform's form, which bayestune reads)";
    }
    if (node["step"]) {
      // The values, where the bounds and the step are whole numbers (suggest_int's).
      std::string values = "...";
      const auto whole = [&](const char* key, const char* other) -> std::optional<long long> {
        const YAML::Node n = node[key] ? node[key] : node[other];
        long long value = 0;
        if (!n || !n.IsScalar()) return std::nullopt;
        const std::string& text = n.Scalar();
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
        return value;
      };
      const auto lo = whole("minValue", "low");
      const auto hi = whole("maxValue", "high");
      const auto step = whole("step", "step");
      if (lo && hi && step && *step > 0 && *lo <= *hi && (*hi - *lo) / *step < 1000) {
        const long long count = (*hi - *lo) / *step + 1;
        values.clear();
        for (long long i = 0; i < count; ++i) {
          if (count > 8 && i == 3) {
            values += ", ...";
            i = count - 2;
            continue;
          }
          values += (values.empty() ? "" : ", ") + std::to_string(*lo + i * *step);
        }
      }
      key_notes_["step"] =
          "Optuna's step is a DISCRETE parameter here, listing the values: type: DISCRETE, "
          "discreteValues: [" +
          values + "] in place of minValue, maxValue and step";
    }
  }

  // The parameter at `node`, or nullopt after reporting what is wrong with it (every problem,
  // not just the first). `name_out` is its parameterName when it has one, valid or not, so that
  // a repeated name is found even in a parameter with other errors.
  std::optional<ParameterSpec> LoadParameter(const YAML::Node& node, const std::string& field,
                                             std::optional<std::string>& name_out) {
    // Vertex AI's `values` (categoricalValueSpec.values, discreteValueSpec.values) is the list
    // key of the parameter's type: 'did you mean discreteValues?' was said of a CATEGORICAL one,
    // beside 'categoricalValues: missing'.
    if (node.IsMap() && node["values"] && node["type"] && node["type"].IsScalar()) {
      const std::string& type = node["type"].Scalar();
      const std::string key = type == "CATEGORICAL" ? "categoricalValues"
                              : type == "DISCRETE"  ? "discreteValues"
                                                    : "";
      if (!key.empty() && !node[key]) {
        key_hints_["values"] = key;
        snake_cased_.insert(field + "." + key);  // said once, as the unknown key
      }
    }
    if (node.IsMap()) {
      NoteVertexParameterKeys(node, field);
      NoteOptunaParameterKeys(node, field);
    }
    const bool map_ok = CheckMap(node, field, kParamKeys, {}, "");
    key_hints_.clear();
    key_notes_.clear();
    if (!map_ok) return std::nullopt;
    ParameterSpec spec;
    bool ok = true;
    const YAML::Node name = node["parameterName"];
    if (!name) {
      Error(node, field + ".parameterName", "missing required field: the flag name (--name=value)");
      ok = false;
    } else if (auto text = ReadString(name, field + ".parameterName")) {
      spec.name = *text;
      name_out = *text;
      if (std::string problem = ParameterNameProblem(spec.name); !problem.empty()) {
        Error(name, field + ".parameterName", problem);
        ok = false;
      }
    } else {
      ok = false;
    }
    const YAML::Node type = node["type"];
    if (!type) {
      Error(node, field + ".type",
            "missing required field: one of DOUBLE, INTEGER, CATEGORICAL, DISCRETE");
      return std::nullopt;
    }
    auto parsed_type = ReadEnum<ParameterType>(
        type, field + ".type", &ParseParameterType,
        {"DOUBLE", "INTEGER", "CATEGORICAL", "DISCRETE"},
        {{"FLOAT", "DOUBLE"}, {"REAL", "DOUBLE"}, {"INT", "INTEGER"}, {"CHOICE", "CATEGORICAL"}});
    if (!parsed_type) {
      // The type's mistake does not hide the scale's ('type: FLOAT' and 'scaleType: LOG': both).
      if (auto n = node["scaleType"]) {
        ReadEnum<ScaleType>(
            n, field + ".scaleType", &ParseScaleType,
            {"NONE", "UNIT_LINEAR_SCALE", "UNIT_LOG_SCALE", "UNIT_REVERSE_LOG_SCALE"});
      }
      return std::nullopt;
    }
    spec.type = *parsed_type;
    // "an INTEGER", "a DOUBLE": the type with its article.
    const std::string type_name = std::string(spec.type == ParameterType::kInteger ? "an " : "a ") +
                                  std::string(ParameterTypeName(spec.type));

    if (auto n = node["scaleType"]) {
      if (spec.type == ParameterType::kCategorical) {
        Error(n, field + ".scaleType",
              "a CATEGORICAL parameter takes no scaleType (its values are not ordered); remove it");
        ok = false;
      } else if (auto scale = ReadEnum<ScaleType>(
                     n, field + ".scaleType", &ParseScaleType,
                     {"NONE", "UNIT_LINEAR_SCALE", "UNIT_LOG_SCALE", "UNIT_REVERSE_LOG_SCALE"})) {
        spec.scale = *scale;
      } else {
        ok = false;
      }
    }
    const bool log_scale = spec.scale == ScaleType::kLog || spec.scale == ScaleType::kReverseLog;
    auto forbid = [&](const char* key, const std::string& why) {
      if (auto n = node[key]) {
        Error(n, field + "." + key, "not allowed for " + type_name + " parameter; " + why);
        ok = false;
      }
    };

    if (spec.type == ParameterType::kDouble || spec.type == ParameterType::kInteger) {
      forbid("categoricalValues", "it is only for CATEGORICAL");
      forbid("discreteValues", "it is only for DISCRETE");
      std::optional<double> lo, hi;
      for (const char* key : {"minValue", "maxValue"}) {
        const YAML::Node n = node[key];
        if (!n) {
          Error(
              node, field + "." + key,
              "missing required field for " + type_name + " parameter: give minValue and maxValue");
          ok = false;
          continue;
        }
        auto value = ReadNumber(n, field + "." + key);
        if (value && spec.type == ParameterType::kInteger && *value != std::floor(*value)) {
          Error(n, field + "." + key,
                "an INTEGER parameter needs integer bounds, got " + FormatDouble(*value));
          value.reset();
        } else if (value && spec.type == ParameterType::kInteger) {
          if (std::string problem = IntegerBoundProblem(*value, n.Scalar()); !problem.empty()) {
            Error(n, field + "." + key, problem);
            value.reset();
          }
        }
        if (!value) ok = false;
        (std::string(key) == "minValue" ? lo : hi) = value;
      }
      if (lo && hi) {
        spec.min_value = *lo;
        spec.max_value = *hi;
        if (*lo >= *hi) {
          Error(node["minValue"], field + ".minValue",
                "minValue (" + FormatDouble(*lo) + ") must be less than maxValue (" +
                    FormatDouble(*hi) + ")");
          ok = false;
        } else if (std::string problem = RangeWidthProblem(*lo, *hi); !problem.empty()) {
          Error(node["maxValue"], field + ".maxValue", problem);
          ok = false;
        } else if (log_scale && *lo <= 0) {
          Error(node["minValue"], field + ".minValue",
                std::string(ScaleTypeName(spec.scale)) + " needs minValue > 0, got " +
                    FormatDouble(*lo) + "; use UNIT_LINEAR_SCALE or a positive range");
          ok = false;
        }
      }
    } else if (spec.type == ParameterType::kCategorical) {
      forbid("minValue", "list the values in categoricalValues");
      forbid("maxValue", "list the values in categoricalValues");
      forbid("discreteValues", "list the values in categoricalValues");
      const YAML::Node values = node["categoricalValues"];
      if (!values) {
        Error(node, field + ".categoricalValues",
              "missing required field for a CATEGORICAL parameter: the list of values");
        ok = false;
      } else if (auto list = ReadStringList(values, field + ".categoricalValues")) {
        std::set<std::string> seen;
        if (list->empty()) {
          Error(values, field + ".categoricalValues", "is empty; give at least one value");
          ok = false;
        } else if (list->size() > kMaxCategoricalValues) {
          Error(values, field + ".categoricalValues",
                "holds " + std::to_string(list->size()) + " values; at most " +
                    std::to_string(kMaxCategoricalValues) +
                    " are allowed (each value is a dimension of the model; split the choice into "
                    "several parameters, or number the values with an INTEGER parameter)");
          ok = false;
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
          const std::string& value = (*list)[i];
          if (std::string problem = CategoricalValueProblem(value); !problem.empty()) {
            Error(values[i], field + ".categoricalValues[" + std::to_string(i) + "]", problem);
            ok = false;
          } else if (!seen.insert(value).second) {
            Error(values[i], field + ".categoricalValues[" + std::to_string(i) + "]",
                  "'" + value + "' is listed twice; each value must be unique");
            ok = false;
          }
        }
        spec.categorical_values = *list;
        if (ok && list->size() == 1) {
          Warning(values, field + ".categoricalValues", OneValueWarning(spec.name, list->front()));
        }
      } else {
        ok = false;
      }
    } else {  // DISCRETE
      forbid("minValue", "list the values in discreteValues");
      forbid("maxValue", "list the values in discreteValues");
      forbid("categoricalValues", "it is only for CATEGORICAL");
      const YAML::Node values = node["discreteValues"];
      if (!values) {
        Error(node, field + ".discreteValues",
              "missing required field for a DISCRETE parameter: the list of values");
        ok = false;
      } else if (!values.IsSequence() || values.size() == 0) {
        Error(values, field + ".discreteValues",
              values.IsSequence() ? std::string("is empty; give at least one value")
                                  : "expected a list of numbers, got " + Describe(values));
        ok = false;
      } else if (values.size() > kMaxDiscreteValues) {
        Error(values, field + ".discreteValues",
              "holds " + std::to_string(values.size()) + " values; at most " +
                  std::to_string(kMaxDiscreteValues) +
                  " are allowed (use a DOUBLE or INTEGER range instead)");
        ok = false;
      } else {
        // Every number is read (each bad one said), then the order is checked once for the list:
        // the first value out of order or listed again, and the list as it would be valid.
        std::vector<std::pair<std::size_t, double>> numbers;  // (index, value)
        for (std::size_t i = 0; i < values.size(); ++i) {
          const std::string item_field = field + ".discreteValues[" + std::to_string(i) + "]";
          auto value = ReadNumber(values[i], item_field);
          if (!value) {
            ok = false;
            continue;
          }
          if (log_scale && *value <= 0) {
            Error(values[i], item_field,
                  std::string(ScaleTypeName(spec.scale)) + " needs every value > 0, got " +
                      FormatDouble(*value));
            ok = false;
          }
          numbers.emplace_back(i, *value);
        }
        for (std::size_t k = 1; k < numbers.size(); ++k) {
          const auto [i, value] = numbers[k];
          if (value > numbers[k - 1].second) continue;
          std::string problem;
          for (std::size_t j = 0; j < k && problem.empty(); ++j) {
            if (numbers[j].second == value) {
              problem = FormatDouble(value) + " is listed twice (also discreteValues[" +
                        std::to_string(numbers[j].first) + "]); each value must be unique";
            }
          }
          if (problem.empty()) {
            problem = "discreteValues must be strictly increasing, but " + FormatDouble(value) +
                      " follows " + FormatDouble(numbers[k - 1].second);
          }
          std::vector<double> sorted;
          for (const auto& number : numbers)
            sorted.push_back(number.second);
          std::sort(sorted.begin(), sorted.end());
          sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
          std::string list;
          for (std::size_t n = 0; n < sorted.size() && n < 20; ++n)
            list += (list.empty() ? "" : ", ") + FormatDouble(sorted[n]);
          if (sorted.size() > 20) list += ", ...";
          // [0,5, 1,5] is [0, 5, 1, 5] to YAML, which splits a flow list at every comma: for a
          // list written with decimal commas, the sorted list is not what was meant.
          std::string decimal_comma;
          for (std::size_t n = 0; n + 1 < values.size() && decimal_comma.empty(); ++n) {
            const YAML::Node& left = values[n];
            const YAML::Node& right = values[n + 1];
            if (!left.IsScalar() || !right.IsScalar() || right.Scalar().empty() ||
                right.Scalar().find_first_not_of("0123456789") != std::string::npos ||
                left.Mark().pos < 0 ||
                static_cast<std::size_t>(left.Mark().pos) + left.Scalar().size() + 1 !=
                    static_cast<std::size_t>(right.Mark().pos)) {
              continue;
            }
            decimal_comma = "; if " + left.Scalar() + "," + right.Scalar() + " meant " +
                            left.Scalar() + "." + right.Scalar() +
                            ", write decimals with a point: YAML splits a [...] list at every "
                            "comma";
          }
          Error(values[i], field + ".discreteValues[" + std::to_string(i) + "]",
                problem + "; list them in increasing order, each once: [" + list + "]" +
                    decimal_comma);
          ok = false;
          break;
        }
        for (const auto& number : numbers)
          spec.discrete_values.push_back(number.second);
        if (ok && spec.discrete_values.size() == 1) {
          Warning(values, field + ".discreteValues",
                  OneValueWarning(spec.name, FormatDouble(spec.discrete_values[0])));
        }
      }
    }
    if (!ok) return std::nullopt;
    return spec;
  }

  void LoadRunner(const YAML::Node& node, RunnerSpec& runner, StudySpec& study) {
    const std::string field = "runner";
    if (!CheckMap(node, field, kRunnerKeys, {}, "")) return;
    if (auto n = node["command"]) {
      if (n.IsScalar()) {
        const std::string& text = n.Scalar();
        if (text.find_first_of("\"'\\") != std::string::npos) {
          Error(n, field + ".command",
                "a command with quotes must be given as a list, one argument an item, for "
                "example [python3, train.py, \"--name=a b\"] (no shell runs it)");
        } else if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
          Error(n, field + ".command",
                "holds a NUL byte (at byte " + std::to_string(nul) +
                    "); a word given to a program ends at a NUL, so it cannot hold one");
        } else {
          std::istringstream words(text);
          for (std::string word; words >> word;)
            runner.command.push_back(word);
        }
      } else if (auto list = ReadProgramWords(n, field + ".command")) {
        runner.command = *list;
        // [0], the program, is looked for before the study starts, and a missing one says so; a
        // shell given its code with -c ([bash, -c, 'python3 train.py --data=$DATA "$@"', --])
        // expands that code itself.
        for (std::size_t i = 1; i < list->size() && !RunsShellCode(*list); ++i) {
          WarnUnexpanded(n[i], field + ".command[" + std::to_string(i) + "]", (*list)[i],
                         "reaches the trainer", "");
        }
      }
      if (runner.command.empty() && (n.IsSequence() || (n.IsScalar() && n.Scalar().empty()))) {
        Error(n, field + ".command", "is empty; give the trainer program and its arguments");
      }
    }
    if (auto n = node["jobDir"]) {
      if (auto dir = ReadString(n, field + ".jobDir")) {
        runner.job_dir = *dir;
        WarnUnexpanded(n, field + ".jobDir", *dir, "is the trial folders' folder",
                       JobDirAsItStands(*dir));
      }
    }
    if (auto n = node["gpus"]) {
      if (n.IsScalar() && n.Scalar() == "auto") {
        runner.gpus.reset();
      } else if (n.IsScalar() && n.Scalar() == "none") {
        runner.gpus = std::vector<int>{};  // as `--gpus none`: CPU-only trials
      } else if (!n.IsSequence()) {
        Error(n, field + ".gpus",
              "expected a list of GPU ids such as [0, 1, 3], auto or none (CPU-only trials), got " +
                  Describe(n));
      } else {
        std::vector<int> gpus;
        std::set<long long> seen;
        for (std::size_t i = 0; i < n.size(); ++i) {
          const std::string item = field + ".gpus[" + std::to_string(i) + "]";
          if (auto id = ReadInteger(n[i], item, 0)) {
            if (!seen.insert(*id).second) {
              Error(n[i], item, "GPU " + std::to_string(*id) + " is listed twice");
            } else {
              gpus.push_back(static_cast<int>(*id));
            }
          }
        }
        runner.gpus = gpus;
      }
    }
    if (auto n = node["gpusPerTrial"]) {
      if (auto v = ReadInteger(n, field + ".gpusPerTrial", 0)) {
        runner.gpus_per_trial = static_cast<int>(*v);
      }
    }
    // Each slot is a lock file that the runner looks at while it waits for one: a sane bound.
    constexpr long long kMostSlots = 1024;
    if (auto n = node["trialsPerGpu"]) {
      if (auto v = ReadInteger(n, field + ".trialsPerGpu", 1, kMostSlots)) {
        runner.trials_per_gpu = static_cast<int>(*v);
      }
    }
    if (auto n = node["cpuTrials"]) {
      if (n.IsScalar() && n.Scalar() == "auto") {
        runner.cpu_trials = 0;
      } else if (auto v = ReadInteger(n, field + ".cpuTrials", 1, kMostSlots)) {
        runner.cpu_trials = static_cast<int>(*v);
      }
    }
    if (auto n = node["trialTimeoutSeconds"]) {
      if (auto v = ReadNonNegativeNumber(n, field + ".trialTimeoutSeconds")) {
        runner.trial_timeout_seconds = *v;
      }
    }
    if (auto n = node["stopGracePeriodSeconds"]) {
      if (auto v = ReadNonNegativeNumber(n, field + ".stopGracePeriodSeconds")) {
        runner.stop_grace_period_seconds = *v;
      }
    }
    if (auto n = node["measurementSelection"]) {
      if (auto v = ReadEnum<MeasurementSelection>(n, field + ".measurementSelection",
                                                  &ParseMeasurementSelection, {"LAST", "BEST"})) {
        study.measurement_selection = *v;
      }
    }
    if (auto n = node["seed"]) {
      if (auto v = ReadInteger(n, field + ".seed", 0, std::numeric_limits<long long>::max()))
        study.seed = static_cast<std::uint64_t>(*v);
    }
    if (auto n = node["earlyStopping"]) LoadEarlyStopping(n, study);
    if (auto n = node["env"]) {
      if (!n.IsMap()) {
        Error(n, field + ".env",
              "expected a mapping of variable names to values, got " + Describe(n));
      } else {
        for (const auto& entry : n) {
          const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
          const std::string item = field + ".env." + name;
          const bool valid_name = !name.empty() &&
                                  !std::isdigit(static_cast<unsigned char>(name[0])) &&
                                  std::all_of(name.begin(), name.end(), [](char c) {
                                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                                  });
          if (!valid_name) {
            Error(entry.first, item,
                  "'" + name +
                      "' is not a valid environment variable name: ASCII letters, digits and _, "
                      "not starting with a digit");
            continue;
          }
          if (auto value = ReadString(entry.second, item)) {
            if (value->find('\0') != std::string::npos) {
              Error(entry.second, item,
                    "holds a NUL byte; an environment variable's value ends at a NUL, so it "
                    "cannot hold one");
            } else {
              runner.env[name] = *value;
              Locate(entry.first, item);  // for validate's warning about a reserved variable
              WarnUnexpanded(entry.second, item, *value, "is the variable's value",
                             ", or leave it out of runner.env and set it where bayestune runs: "
                             "every trial gets bayestune's own environment, then runner.env");
            }
          }
        }
      }
    }
    if (auto n = node["launcher"]) {
      if (auto v = ReadString(n, field + ".launcher")) {
        if (*v == "local") {
          runner.launcher = LauncherKind::kLocal;
        } else if (*v == "slurm") {
          runner.launcher = LauncherKind::kSlurm;
        } else {
          Error(n, field + ".launcher",
                "unknown launcher '" + *v +
                    "'; valid: local (processes of this machine), slurm "
                    "(one Slurm job per trial)");
        }
      }
    }
    if (auto n = node["slurm"]) {
      LoadSlurm(n, field + ".slurm", runner.slurm);
      if (runner.launcher != LauncherKind::kSlurm) {
        Warning(n, field + ".slurm",
                "is used only with launcher: slurm (here or run --launcher slurm)");
      }
    }
  }

  void LoadSlurm(const YAML::Node& node, const std::string& field, SlurmSpec& slurm) {
    if (!CheckMap(node, field, kSlurmKeys, {}, "")) return;
    // A value sbatch gets as --name=value: one line, not empty.
    const auto option = [&](const char* key, std::string& out) {
      const YAML::Node n = node[key];
      if (!n) return;
      const std::string item = field + "." + key;
      if (auto v = ReadString(n, item)) {
        if (v->empty() || v->find_first_of("\n\r") != std::string::npos) {
          Error(n, item,
                "must be one line and not empty (sbatch --" + std::string(key) + "), got '" + *v +
                    "'");
        } else {
          out = *v;
        }
      }
    };
    option("partition", slurm.partition);
    option("account", slurm.account);
    option("qos", slurm.qos);
    option("time", slurm.time);
    option("memory", slurm.memory);
    option("constraint", slurm.constraint);
    if (auto n = node["cpusPerTrial"]) {
      if (auto v = ReadInteger(n, field + ".cpusPerTrial", 1)) {
        slurm.cpus_per_trial = static_cast<int>(*v);
      }
    }
    if (auto n = node["extraArgs"]) {
      if (auto list = ReadProgramWords(n, field + ".extraArgs")) {
        for (std::size_t i = 0; i < list->size(); ++i) {
          if (!(*list)[i].starts_with("-")) {
            Error(n[i], field + ".extraArgs[" + std::to_string(i) + "]",
                  "'" + (*list)[i] +
                      "' is not an sbatch option; give options with their values in one item, "
                      "such as --exclusive or --nice=10");
          }
        }
        slurm.extra_args = *list;
      }
    }
  }

  // runner.earlyStopping: the rule and ASHA's rungs. Whether they fit together (and with
  // enableTrialEarlyStopping) is checked once the whole file is read (CheckEarlyStopping).
  void LoadEarlyStopping(const YAML::Node& node, StudySpec& study) {
    const std::string field = "runner.earlyStopping";
    if (!CheckMap(node, field, kEarlyStoppingKeys, {}, "")) return;
    EarlyStoppingSpec& e = study.early_stopping;
    bool rule_unknown = false;  // a misspelt rule (asha), said at its line
    if (auto n = node["rule"]) {
      if (auto v = ReadEnum<EarlyStoppingRule>(n, field + ".rule", &ParseEarlyStoppingRule,
                                               {"MEDIAN", "ASHA"})) {
        e.rule = *v;
      } else {
        rule_unknown = true;
      }
    }
    const long long most = std::numeric_limits<long long>::max();
    if (auto n = node["minStep"]) {
      if (auto v = ReadInteger(n, field + ".minStep", 1, most)) e.min_step = *v;
    }
    if (auto n = node["maxStep"]) {
      if (auto v = ReadInteger(n, field + ".maxStep", 1, most)) e.max_step = *v;
    }
    if (auto n = node["reductionFactor"]) {
      if (auto v = ReadInteger(n, field + ".reductionFactor", 2)) {
        e.reduction_factor = static_cast<int>(*v);
      }
    }
    if (auto n = node["brackets"]) {
      if (auto v = ReadInteger(n, field + ".brackets", 1)) e.brackets = static_cast<int>(*v);
    }
    // A misspelt rule meant one: its options are not said to be ignored by the MEDIAN rule that
    // the default would be, nor is ASHA's maxStep asked for.
    if (rule_unknown) return;
    const bool asha = e.rule == EarlyStoppingRule::kAsha;
    if (!asha) {
      for (const char* key : {"minStep", "maxStep", "reductionFactor", "brackets"}) {
        if (auto n = node[key]) {
          Warning(n, field + "." + key, "is used only by rule: ASHA; the MEDIAN rule ignores it");
        }
      }
      return;
    }
    if (!node["maxStep"]) {
      Error(node, field + ".maxStep",
            "missing: ASHA needs the step a trial trained to the end reaches (its last epoch or "
            "global step, as the trainer reports it)");
      return;
    }
    // The fields' relations, named at the field that breaks them.
    if (auto problem = EarlyStoppingProblem(study)) {
      const YAML::Node at = node[problem->field] ? node[problem->field] : node;
      Error(at, field + "." + problem->field, problem->message);
    }
  }

  // What to check when yaml-cpp cannot parse the text: a tab in the indentation (YAML forbids
  // them), else the indentation and the ':' after each key.
  // A key written without its ':' ("goal MAXIMIZE") is a plain text line, which yaml-cpp reports
  // at the line after it: the line at `error_line` (0-based) or the one before it, when it is such
  // a line (not a comment, a list item or a bracket), is named.
  static std::string IndentationHint(std::string_view text, int error_line) {
    int line = 1;
    bool in_indentation = true;
    for (char c : text) {
      if (c == '\n') {
        ++line;
        in_indentation = true;
      } else if (c == '\t' && in_indentation) {
        return "line " + std::to_string(line) +
               " is indented with a tab; YAML indents with spaces only";
      } else if (c != ' ') {
        in_indentation = false;
      }
    }
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size();) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    for (int at : {error_line - 1, error_line}) {
      if (at < 0 || at >= static_cast<int>(lines.size())) continue;
      std::string_view content = lines[static_cast<std::size_t>(at)];
      const std::size_t first = content.find_first_not_of(' ');
      if (first == std::string_view::npos) continue;
      content = content.substr(first);
      while (!content.empty() && (content.back() == ' ' || content.back() == '\r'))
        content.remove_suffix(1);
      if (content.empty() ||
          std::string_view("#-[{\"'|>").find(content[0]) != std::string_view::npos ||
          content.find(':') != std::string_view::npos ||
          content.find(' ') == std::string_view::npos) {
        continue;
      }
      return "line " + std::to_string(at + 1) + " ('" + std::string(content.substr(0, 60)) +
             "') has no ':' after its key";
    }
    return "check the indentation and the ':' after each key";
  }

  void Load(std::string_view text, TuningConfig& config) {
    if (const auto deep = DeepFlowNesting(text, kMaxFlowNesting)) {
      YAML::Mark mark;
      mark.line = deep->first;
      mark.column = deep->second;
      Report(Diagnostic::Severity::kError, mark, "",
             "'[' and '{' nest more than " + std::to_string(kMaxFlowNesting) +
                 " levels deep here; a tuning spec needs a few: look for brackets that are "
                 "opened and never closed");
      return;
    }
    YAML::Node root;
    bool found = false;
    try {
      // Every document, not YAML::Load's first only: settings after a '---' (a runner block
      // split off, two specs pasted into one file) were dropped without a word. Empty documents
      // (a '---' at the top, a '...' or lone '---' at the end) are what YAML writers emit.
      const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
      for (const YAML::Node& document : documents) {
        if (!document || document.IsNull()) continue;
        if (found) {
          Report(Diagnostic::Severity::kError, document.Mark(), "",
                 "a second YAML document (after a '---') holds settings here; bayestune reads "
                 "one document: put trainingInput and runner in one, or delete the '---' and "
                 "what follows it");
          return;
        }
        root = document;
        found = true;
      }
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp's bound on nesting (500 levels), which it words "bad file".
      Report(Diagnostic::Severity::kError, e.mark, "",
             "not valid YAML: it nests " + std::to_string(e.depth()) +
                 " levels deep here, yaml-cpp's limit; a tuning spec needs a few: look for "
                 "indentation that grows line after line, or brackets never closed");
      return;
    } catch (const YAML::Exception& e) {
      Report(Diagnostic::Severity::kError, e.mark, "",
             "not valid YAML: " + e.msg + " (" + IndentationHint(text, e.mark.line) + ")");
      return;
    }
    if (!root || root.IsNull()) {
      // "empty" for a file of comments (a template with every line commented out) reads wrong.
      const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
      Report(Diagnostic::Severity::kError, YAML::Mark::null_mark(), "",
             std::string(blank ? "the file is empty"
                               : "the file holds no settings (only comments or null)") +
                 "; it needs trainingInput.hyperparameters (see examples/)");
      return;
    }
    if (CountExpandedNodes(root, kMaxExpandedNodes) > kMaxExpandedNodes) {
      Report(Diagnostic::Severity::kError, root.Mark(), "",
             "the file expands to more than " + std::to_string(kMaxExpandedNodes) +
                 " YAML nodes through its aliases (*name, each expanded where it is used); a "
                 "tuning spec has far fewer: write the repeated parts out, or nest fewer "
                 "aliases in one another");
      return;
    }
    ResolveMergeKeys(root);
    if (!CheckMap(root, "", kTopLevelKeys, kIgnoredTopLevelKeys,
                  "an AI Platform job field that a local run does not use")) {
      return;
    }
    const YAML::Node training_input = root["trainingInput"];
    if (!training_input) {
      // A key of the study at the top level said where it goes already.
      if (!misplaced_top_level_) {
        Error(root, "trainingInput",
              "missing required field: the study goes under trainingInput.hyperparameters");
      }
    } else {
      LoadTrainingInput(training_input, config);
    }
    if (auto runner = root["runner"]) LoadRunner(runner, config.runner, config.study);
  }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::set<std::string> snake_cased_;  // fields given in snake_case (CheckMap said so)
  // For CheckMap: the key a misnamed key means where its context says so (LoadParameter).
  std::map<std::string, std::string> key_hints_;
  // For CheckMap: what a key of another format is here, said in place of a closest key (Vertex
  // AI's parameterId, doubleValueSpec, ...).
  std::map<std::string, std::string> key_notes_;
  bool misplaced_top_level_ = false;  // a key of trainingInput or of the study at the top level
  std::map<std::string, FilePosition> positions_;
  std::string python_module_;  // trainingInput.pythonModule
};

}  // namespace

void TuningConfigLoadResult::Add(Diagnostic::Severity severity, const std::string& field,
                                 const std::string& message) {
  Diagnostic d;
  d.severity = severity;
  d.file = config.source_path;
  if (const auto found = positions.find(field); found != positions.end()) {
    d.line = found->second.line;
    d.column = found->second.column;
  }
  d.field = field;
  d.message = message;
  const auto after = std::upper_bound(
      diagnostics.begin(), diagnostics.end(), d, [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
      });
  diagnostics.insert(after, std::move(d));
}

TuningConfigLoadResult ParseTuningConfig(std::string_view yaml_text, const std::string& file_name) {
  TuningConfigLoadResult result;
  Loader loader(file_name);
  result.config.source_path = file_name;
  result.config.source_text = std::string(yaml_text);
  loader.Load(yaml_text, result.config);
  result.diagnostics = loader.TakeDiagnostics();
  result.positions = loader.TakePositions();
  result.python_module = loader.TakePythonModule();
  return result;
}

namespace {

// The largest tuning.yaml read: far more than a spec holds, far less than a runaway file.
constexpr std::size_t kMaxTuningFileBytes = std::size_t{16} << 20;

}  // namespace

namespace {

TuningConfigLoadResult FileError(const std::string& path, std::string message) {
  TuningConfigLoadResult result;
  Diagnostic d;
  d.file = path;
  d.message = std::move(message);
  result.diagnostics.push_back(d);
  return result;
}

// For a file that does not exist: the YAML file of its folder the user most probably meant
// ("study.yml" when there is a study.yaml), as " (did you mean 'study.yaml'?)", or "".
std::string NearbyYamlFile(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path wanted(path);
  const fs::path folder = wanted.parent_path().empty() ? fs::path(".") : wanted.parent_path();
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string extension = it->path().extension().string();
    if ((extension == ".yaml" || extension == ".yml") && it->is_regular_file(error)) {
      names.push_back(it->path().filename().string());
    }
    if (names.size() > 1000) break;  // a huge folder: not worth reading further
  }
  const auto match = ClosestMatch(wanted.filename().string(), names);
  if (!match) return "";
  return " (did you mean '" + (wanted.parent_path() / *match).string() + "'?)";
}

}  // namespace

TuningConfigLoadResult LoadTuningConfigFile(const std::string& path) {
  // Opened without waiting: a named pipe (FIFO) that no program writes to would otherwise block
  // the open, and the command, forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int open_error = errno;
    const std::string nearby = open_error == ENOENT ? NearbyYamlFile(path) : "";
    return FileError(path, "cannot read the file: " + std::string(std::strerror(open_error)) +
                               (nearby.empty() ? " (give the path of a tuning.yaml)" : nearby));
  }
  struct FileCloser {
    int fd;
    ~FileCloser() { ::close(fd); }
  } closer{fd};
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    return FileError(path, "cannot read the file: " + std::string(std::strerror(errno)) +
                               " (give the path of a tuning.yaml)");
  }
  if (S_ISDIR(status.st_mode))
    return FileError(path, "is a folder; give the path of a tuning.yaml file");
  // Reads wait again (a pipe with a writer, such as bash's <(...), is read to its end).
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // Read up to the limit only: /dev/zero or a runaway file would otherwise be read forever.
  std::string text(kMaxTuningFileBytes + 1, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    const ssize_t got = ::read(fd, text.data() + size, text.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return FileError(path, "cannot read the file: " + std::string(std::strerror(errno)) +
                                 " (give the path of a tuning.yaml)");
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  text.resize(size);
  if (size == 0 && S_ISFIFO(status.st_mode)) {
    return FileError(path,
                     "is a named pipe (FIFO) that no program writes to; give the path of a "
                     "tuning.yaml file");
  }
  if (text.size() > kMaxTuningFileBytes) {
    return FileError(path, "is larger than " + std::to_string(kMaxTuningFileBytes >> 20) +
                               " MiB; a tuning.yaml is a few KB: give the path of one");
  }
  return ParseTuningConfig(text, path);
}

TuningConfig ParseTuningConfigOrThrow(std::string_view yaml_text, const std::string& file_name) {
  auto result = ParseTuningConfig(yaml_text, file_name);
  if (!result.ok()) throw InvalidArgument(FormatDiagnostics(result.diagnostics));
  return result.config;
}

TuningConfig LoadTuningConfigOrThrow(const std::string& path) {
  auto result = LoadTuningConfigFile(path);
  if (!result.ok()) throw InvalidArgument(FormatDiagnostics(result.diagnostics));
  return result.config;
}

}  // namespace bayestune
