#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

namespace bayestune::testing {

// Calls with bytes made by hand, over a plaintext channel: for services this project has no
// stubs of (health, reflection), and for requests no stub would send.

// One unary call of `method` ("/package.Service/Method"); `response` gets the answer's bytes.
grpc::Status RawUnaryCall(const std::string& address, const std::string& method,
                          const std::string& request, std::string* response);

// A bidirectional-streaming call that sends one message, closes its side, and reads one answer:
// its bytes, or "no answer: <status message>".
std::string RawStreamFirstAnswer(const std::string& address, const std::string& method,
                                 const std::string& request);

}  // namespace bayestune::testing
