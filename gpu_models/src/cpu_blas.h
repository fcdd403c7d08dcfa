#pragma once

#include <string>

namespace bayestune {

// The BLAS behind the CPU backend's matrix products: Eigen hands them to OpenBLAS
// (EIGEN_USE_BLAS), which picks kernels for the CPU it runs on (Debian builds it with
// DYNAMIC_ARCH: AVX-512, AVX2 or SSE kernels in one library), so that one portable binary uses
// what the CPU has. Eigen's own code (bias, activation, softmax, optimizer step) runs on the
// calling thread; Eigen starts no threads of its own (its only parallel code is its own GEMM,
// which OpenBLAS replaces, and gpu_models is built without OpenMP).

// Sets how many threads OpenBLAS's products use (process-wide): `threads` at most, never more
// than OpenBLAS's own cap. Returns the number it uses.
int SetCpuBlasThreads(int threads);

// e.g. "OpenBLAS 0.3.21, Haswell kernels (DYNAMIC_ARCH), pthreads".
std::string DescribeCpuBlas();

}  // namespace bayestune
