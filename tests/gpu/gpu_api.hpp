// The few vendor runtime calls the GPU tests make (streams, graphs, raw
// launches), under one spelling for CUDA and HIP.
#pragma once

#if defined(SGMV_BACKEND_HIP)
#include <hip/hip_runtime_api.h>
#define SGMV_TEST_GPU(name) hip##name
#else
#include <cuda_runtime_api.h>
#define SGMV_TEST_GPU(name) cuda##name
#endif

#include <gtest/gtest.h>

/// Fails the test (and returns) when a runtime call fails.
#define SGMV_GPU_OK(call)                                                \
  do {                                                                   \
    const auto sgmv_status_ = (call);                                    \
    ASSERT_EQ(sgmv_status_, SGMV_TEST_GPU(Success))                      \
        << #call << ": " << SGMV_TEST_GPU(GetErrorString)(sgmv_status_); \
  } while (0)

namespace sgmv::test {

using GpuStream = SGMV_TEST_GPU(Stream_t);
using GpuGraph = SGMV_TEST_GPU(Graph_t);
using GpuGraphExec = SGMV_TEST_GPU(GraphExec_t);

inline auto instantiate_graph(GpuGraphExec* exec, GpuGraph graph) {
#if defined(SGMV_BACKEND_HIP)
  return hipGraphInstantiate(exec, graph, nullptr, nullptr, 0);
#else
  return cudaGraphInstantiate(exec, graph, 0ull);
#endif
}

}  // namespace sgmv::test
