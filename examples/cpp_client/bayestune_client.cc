// A C++ client of `bayestune serve`, written against the generated stub only: asks for trials,
// trains, reports measurements and completes the trials, until the study is done. Train() is a
// stand-in for your training.
//
//   bayestune serve --db studies.db --listen 127.0.0.1:50051 &
//   bayestune_cpp_client --server 127.0.0.1:50051 --study demo
//       --create examples/book/tuning.yaml --trials 5
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "bayestune/v1/study_service.grpc.pb.h"

namespace {

using bayestune::v1::StudyService;

struct Flags {
  std::string server;
  std::string study;
  std::string create;  // a tuning.yaml to create the study from
  int trials = 0;      // 0: until the study is done
  int steps = 3;
  std::string client_id = "cpp-" + std::to_string(getpid());
  std::string token_file;
  std::string tls_ca;
};

const char* kUsage =
    "usage: bayestune_cpp_client --server HOST:PORT --study NAME [--create TUNING_YAML]\n"
    "       [--trials N] [--steps N] [--client-id ID] [--token-file FILE] [--tls-ca PEM]\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "bayestune_cpp_client: cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A whole number of `least` or more; anything else is a usage error naming the flag (std::stoi
// ended the client on "--trials abc" with an uncaught std::invalid_argument, exit 134).
int CountFlag(const std::string& flag, const std::string& value, int least = 0) {
  int number = 0;
  const char* end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, number);
  if (error != std::errc() || stop != end || number < least) {
    std::cerr << "bayestune_cpp_client: " << flag << ": '" << value << "' is not a whole number of "
              << least << " or more\n"
              << kUsage;
    std::exit(2);
  }
  return number;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::cerr << "bayestune_cpp_client: " << flag << " needs a value\n" << kUsage;
      std::exit(2);
    }
    const std::string value = argv[++i];
    if (flag == "--server") {
      flags.server = value;
    } else if (flag == "--study") {
      flags.study = value;
    } else if (flag == "--create") {
      flags.create = value;
    } else if (flag == "--trials") {
      flags.trials = CountFlag(flag, value);
    } else if (flag == "--steps") {
      flags.steps = CountFlag(flag, value, 1);  // none: the trial has no value
    } else if (flag == "--client-id") {
      flags.client_id = value;
    } else if (flag == "--token-file") {
      flags.token_file = value;
    } else if (flag == "--tls-ca") {
      flags.tls_ca = value;
    } else {
      std::cerr << "bayestune_cpp_client: unknown flag " << flag << "\n" << kUsage;
      std::exit(2);
    }
  }
  if (flags.server.empty() || flags.study.empty()) {
    std::cerr << kUsage;
    std::exit(2);
  }
  return flags;
}

// A stand-in for training: a made-up metric that rises with the step.
double Train(const bayestune::v1::Trial& trial, int step) {
  double score = 0;
  for (const auto& p : trial.parameters()) {
    if (p.has_string_value()) {
      score += 0.1 * static_cast<double>(p.string_value().size() % 3);
    } else {
      const double x =
          p.has_int64_value() ? static_cast<double>(p.int64_value()) : p.double_value();
      score += std::cos(std::log1p(std::abs(x)));
    }
  }
  return (1 - std::exp(-step)) * (1 + std::tanh(score)) / 2;
}

std::string Describe(const bayestune::v1::Trial& trial) {
  std::ostringstream out;
  out << "trial " << trial.id() << ":";
  for (const auto& p : trial.parameters()) {
    out << " " << p.name() << "=";
    if (p.has_string_value()) {
      out << p.string_value();
    } else if (p.has_int64_value()) {
      out << p.int64_value();
    } else {
      out << p.double_value();
    }
  }
  // A trial that did not succeed has no value: its state and why (it printed "-> 0").
  if (trial.state() == bayestune::v1::Trial::SUCCEEDED) {
    out << " -> " << trial.final_measurement().value();
  } else {
    out << " -> " << bayestune::v1::Trial::State_Name(trial.state()) << ": "
        << trial.failure_reason();
  }
  return out.str();
}

class Client {
 public:
  explicit Client(const Flags& flags) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (!flags.tls_ca.empty()) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = ReadFile(flags.tls_ca);
      // gRPC takes empty root certificates for "trust the system's CAs".
      if (ssl.pem_root_certs.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        std::cerr << "bayestune_cpp_client: --tls-ca " << flags.tls_ca
                  << " holds no certificate; give the server's PEM certificate (or its CA's)\n";
        std::exit(2);
      }
      credentials = grpc::SslCredentials(ssl);
    }
    stub_ = StudyService::NewStub(grpc::CreateChannel(flags.server, credentials));
    if (!flags.token_file.empty()) {
      std::istringstream lines(ReadFile(flags.token_file));
      std::getline(lines, token_);
      while (!token_.empty() && std::isspace(static_cast<unsigned char>(token_.back()))) {
        token_.pop_back();
      }
      while (!token_.empty() && std::isspace(static_cast<unsigned char>(token_.front()))) {
        token_.erase(token_.begin());
      }
    }
  }

  // Calls one method of the stub; exits with the status when it fails.
  template <typename Request, typename Response>
  Response Call(const char* name,
                grpc::Status (StudyService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    Response response;
    const grpc::Status status = ((*stub_).*method)(&context, request, &response);
    if (!status.ok()) {
      std::cerr << "bayestune_cpp_client: " << name << " failed: code " << status.error_code()
                << ": " << status.error_message() << "\n";
      std::exit(1);
    }
    return response;
  }

 private:
  std::unique_ptr<StudyService::Stub> stub_;
  std::string token_;
};

}  // namespace

int main(int argc, char** argv) {
  namespace v1 = bayestune::v1;
  const Flags flags = ParseFlags(argc, argv);
  Client client(flags);

  if (!flags.create.empty()) {
    v1::CreateStudyRequest create;
    create.set_name(flags.study);
    create.set_tuning_yaml(ReadFile(flags.create));
    client.Call("CreateStudy", &StudyService::Stub::CreateStudy, create);
  }

  int done = 0;
  while (flags.trials == 0 || done < flags.trials) {
    v1::SuggestTrialsRequest suggest;
    suggest.set_study(flags.study);
    suggest.set_count(1);
    suggest.set_client_id(flags.client_id);
    const auto suggested =
        client.Call("SuggestTrials", &StudyService::Stub::SuggestTrials, suggest);
    if (suggested.trials().empty()) {
      std::cout << (suggested.study_done() ? "the study is done" : "no trial to run now") << "\n";
      break;
    }
    const v1::Trial& trial = suggested.trials(0);
    for (int step = 1; step <= flags.steps; ++step) {
      v1::AddMeasurementRequest measure;
      measure.set_study(flags.study);
      measure.set_trial_id(trial.id());
      measure.set_step(step);
      measure.set_value(Train(trial, step));
      client.Call("AddMeasurement", &StudyService::Stub::AddMeasurement, measure);
      v1::ShouldStopTrialRequest should_stop;
      should_stop.set_study(flags.study);
      should_stop.set_trial_id(trial.id());
      if (step < flags.steps &&
          client.Call("ShouldStopTrial", &StudyService::Stub::ShouldStopTrial, should_stop)
              .should_stop()) {
        break;
      }
    }
    // Without final_value the server takes the objective from the measurements.
    v1::CompleteTrialRequest complete;
    complete.set_study(flags.study);
    complete.set_trial_id(trial.id());
    std::cout << Describe(
                     client.Call("CompleteTrial", &StudyService::Stub::CompleteTrial, complete))
              << "\n";
    ++done;
  }

  v1::ListOptimalTrialsRequest optimal;
  optimal.set_study(flags.study);
  const auto best =
      client.Call("ListOptimalTrials", &StudyService::Stub::ListOptimalTrials, optimal);
  for (const auto& trial : best.trials())
    std::cout << "best: " << Describe(trial) << "\n";
  return 0;
}
