// Command line of sgmv-bench.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workload.hpp"

namespace sgmv_bench {

struct Options {
  std::vector<WorkloadSpec> workloads;  ///< what to run, in order
  bool list = false;                    ///< print the named workloads and exit
  bool help = false;
  int iters = 0;                  ///< timed calls per case; 0: from the time budget
  int warmup = -1;                ///< untimed calls first; < 0: the clock's default
  double budget_ms = 0;           ///< time budget per case when iters == 0; 0: the clock's default
  double rotate_mb = -1;          ///< rotation target; < 0: the clock's default
  bool rotate_meta = false;       ///< each rotated copy gets its own batch metadata
  std::int64_t check_rows = 256;  ///< rows compared with the reference; 0: all
  bool check = true;
  bool stream = true;       ///< time the same-bytes streaming kernel of every case
  bool launch_path = true;  ///< measure host cost per call, raw launch and cache miss
  int launch_burst = 256;   ///< calls per timed burst of the launch path
  std::string json_path;
  int device = 0;
};

/// Parses argv; on a usage error returns false with `error` set.
bool parse_options(int argc, char** argv, Options* options, std::string* error);
/// The --help text.
std::string usage();

}  // namespace sgmv_bench
