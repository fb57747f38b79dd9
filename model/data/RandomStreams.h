#pragma once

#include <cstdint>

namespace mc {

/// The independent streams of random numbers a run draws from its seed
/// (`Dataset::streamSeed(seed, stream)`), one per use. The generated data,
/// the test share, the validation split and each epoch's order are written
/// here once: the data sets and the trainer draw from them, and the Python
/// exporter writes the same numbers into the code it generates so that the
/// file reproduces the run.
namespace streams {
enum : uint64_t {
    Inputs = 1,          ///< generated inputs (and blobs' noise)
    Targets = 2,         ///< generated targets and blob labels
    Centres = 3,         ///< blob centres
    Teacher = 4,         ///< the teacher network's weights
    Reconstruction = 5,  ///< reconstruction's smooth signals
    TestShare = 6,       ///< the rows held out as the test set
    Split = 16,          ///< the validation split
    EpochBase = 1000,    ///< epoch e's order is stream EpochBase + e
};
} // namespace streams

/// Validation and test rows are run through the model this many at a time.
constexpr int64_t kEvaluationChunk = 4096;

} // namespace mc
