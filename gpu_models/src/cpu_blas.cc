#include "cpu_blas.h"

#include <Eigen/Core>
#include <sstream>

// OpenBLAS's own extensions (cblas.h declares them too, but Debian has several cblas.h and this
// file needs only these).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
int openblas_get_parallel(void);  // 0: sequential, 1: pthreads, 2: OpenMP
}

#if !defined(EIGEN_USE_BLAS)
#error "gpu_models builds its CPU backend with EIGEN_USE_BLAS (gpu_models/CMakeLists.txt)"
#endif

namespace bayestune {

int SetCpuBlasThreads(int threads) {
  openblas_set_num_threads(threads);
  // Eigen parallelises only its own GEMM (under OpenMP), which EIGEN_USE_BLAS replaces: one
  // thread, so that OpenBLAS's threads are the only ones.
  Eigen::setNbThreads(1);
  return openblas_get_num_threads();
}

std::string DescribeCpuBlas() {
  // openblas_get_config(): "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell ..."
  std::istringstream config(openblas_get_config());
  std::string name, version, word;
  config >> name >> version;
  bool dynamic_arch = false;
  while (config >> word)
    dynamic_arch = dynamic_arch || word == "DYNAMIC_ARCH";
  const int parallel = openblas_get_parallel();
  return name + " " + version + ", " + openblas_get_corename() + " kernels" +
         (dynamic_arch ? " (DYNAMIC_ARCH)" : "") +
         (parallel == 2   ? ", OpenMP"
          : parallel == 1 ? ", pthreads"
                          : ", sequential");
}

}  // namespace bayestune
