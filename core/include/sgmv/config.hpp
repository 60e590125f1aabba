// Compile-time configuration shared by host code and device kernels.
#pragma once

// Functions callable from host code and from device kernels of every backend.
#if defined(__CUDACC__) || defined(__HIPCC__)
#define SGMV_HOST_DEVICE __host__ __device__
#else
#define SGMV_HOST_DEVICE
#endif

#define SGMV_VERSION_MAJOR 0
#define SGMV_VERSION_MINOR 1
#define SGMV_VERSION_PATCH 0
