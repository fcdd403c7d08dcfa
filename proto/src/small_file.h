#pragma once

#include <cstddef>
#include <string>

namespace bayestune::proto {

// The whole of a small file that a flag names (a PEM certificate, key or CA bundle), read without
// waiting on a named pipe that no program writes to and no further than `max_bytes`: `serve
// --tls-cert /dev/zero` read until the kernel's OOM killer ended it (24 GB), and a FIFO without a
// writer blocked for ever. A pipe with a writer (bash's <(...)) is read. Errors start with
// `what` ("--tls-cert: '/dev/zero'"): NotFound for a missing file, InvalidArgument for a folder,
// a silent pipe, an unreadable file or one past `max_bytes`.
std::string ReadSmallFile(const std::string& what, const std::string& path, std::size_t max_bytes);

}  // namespace bayestune::proto
