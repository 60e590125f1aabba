// Umbrella header: everything a user of sgmv needs.
#pragma once

#include "sgmv/batch.hpp"
#include "sgmv/cache.hpp"
#include "sgmv/config.hpp"
#include "sgmv/context.hpp"
#include "sgmv/dtype.hpp"
#include "sgmv/error.hpp"
#include "sgmv/half.hpp"
#include "sgmv/ops.hpp"
#include "sgmv/tensor.hpp"
