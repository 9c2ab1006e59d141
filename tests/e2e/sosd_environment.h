// The sosd shared by the tests of the e2e binary that need "a running sosd".
//
// One daemon is started for the whole binary by a ::testing::Environment
// (on a free port, with a temporary data directory and fixed root
// credentials); tests make their own buckets. Tests of start-up, shutdown and
// configuration start their own SosdProcess instead. Thread-compatible.
#pragma once

#include "tests/e2e/sosd_process.h"

namespace sos::testing {

// The running daemon; aborts the binary if the environment did not start it.
SosdProcess& Sosd();

}  // namespace sos::testing
