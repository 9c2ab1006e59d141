// The Ceph RGW shared by every test of the component binary.
//
// One cluster is started for the whole binary by a ::testing::Environment
// (bring-up costs ~13 s, so not per test); each test makes its own buckets.
// Rgw() is valid from the first test to the last. Thread-compatible.
#pragma once

#include "tests/support/rgw_cluster.h"

namespace sos::testing {

// The running cluster; aborts the binary if the environment did not start it.
RgwCluster& Rgw();

}  // namespace sos::testing
