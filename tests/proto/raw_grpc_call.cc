#include "raw_grpc_call.h"

#include <grpcpp/generic/generic_stub.h>

#include <stdexcept>

namespace bayestune::testing {
namespace {

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Waits for the next event of `queue`; false when the operation failed.
bool Next(grpc::CompletionQueue& queue) {
  void* tag = nullptr;
  bool ok = false;
  if (!queue.Next(&tag, &ok)) throw std::runtime_error("the completion queue shut down");
  return ok;
}

void* Tag(std::intptr_t n) {
  return reinterpret_cast<void*>(n);
}

}  // namespace

grpc::Status RawUnaryCall(const std::string& address, const std::string& method,
                          const std::string& request, std::string* response) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareUnaryCall(&context, method, ToBuffer(request), &queue);
  call->StartCall();
  grpc::ByteBuffer answer;
  grpc::Status status;
  call->Finish(&answer, &status, Tag(1));
  Next(queue);
  if (status.ok()) *response = ToString(answer);
  return status;
}

std::string RawStreamFirstAnswer(const std::string& address, const std::string& method,
                                 const std::string& request) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(&context, method, &queue);
  call->StartCall(Tag(1));
  const bool started = Next(queue);
  if (started) {
    call->Write(ToBuffer(request), Tag(2));
    Next(queue);
    call->WritesDone(Tag(3));
    Next(queue);
  }
  grpc::ByteBuffer answer;
  bool read = false;
  if (started) {
    call->Read(&answer, Tag(4));
    read = Next(queue);
  }
  grpc::Status status;
  call->Finish(&status, Tag(5));
  Next(queue);
  return read ? ToString(answer) : "no answer: " + status.error_message();
}

}  // namespace bayestune::testing
