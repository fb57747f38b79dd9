#pragma once

#include "distributed/DistributedOptions.h"

#include <QString>

#include <torch/torch.h>

#include <memory>
#include <stdexcept>

namespace mc {

class GradientBuckets;

/// A collective that failed, or ranks that did not meet, with a sentence that
/// names the rank responsible (`rank 1 stopped responding: …`).
class DistributedError : public std::runtime_error
{
public:
    explicit DistributedError(const QString &message)
        : std::runtime_error(message.toStdString())
    {}
    QString message() const { return QString::fromStdString(what()); }
};

/// One process's membership in a data-parallel run on torch.distributed's
/// c10d: a TCPStore (hosted by rank 0, or by the launcher with an agent
/// store) and a ProcessGroupGloo over it, with the few collectives a
/// DistributedDataParallel-style trainer needs.
///
/// Failures end every rank, never hang one: collectives time out after
/// options().timeoutSeconds (a killed peer's connection fails at once), and
/// the rank that sees a failure names its cause from the store: a rank that
/// reported an error with leave(), or one whose heartbeat (a store counter
/// each rank increments four times a second from a thread of its own)
/// stopped. Every call must be made by every rank in the same order, from
/// one thread. Not copyable.
class DistributedContext
{
public:
    /// Joins the run: connects to (or hosts) the store, waits until every rank
    /// has joined (up to joinTimeoutSeconds) and builds the process group.
    /// Throws DistributedError naming the ranks that did not join.
    explicit DistributedContext(const DistributedOptions &options);
    /// leave() without an error, if not done.
    ~DistributedContext();
    DistributedContext(const DistributedContext &) = delete;
    DistributedContext &operator=(const DistributedContext &) = delete;

    const DistributedOptions &options() const;
    int rank() const;
    int worldSize() const;
    /// Rank 0, which alone writes metrics, checkpoints and exports.
    bool isMain() const { return rank() == 0; }

    /// Waits until every rank has called waitForAll(phase): for work that
    /// takes ranks different times (loading data), up to joinTimeoutSeconds.
    /// Ends early, naming the rank, when one leaves with an error or its
    /// heartbeat stops for timeoutSeconds. Throws DistributedError.
    void waitForAll(const QString &phase);
    /// Copies rank 0's parameters and buffers to every rank (one broadcast per
    /// element type). Throws DistributedError.
    void broadcastParameters(const torch::nn::Module &module);
    /// Copies rank 0's buffers (running statistics) to every rank; nothing to
    /// do for a model without buffers. Throws DistributedError.
    void broadcastBuffers(const torch::nn::Module &module);
    /// Averages the buckets over the ranks (sum, then divide by the world
    /// size), every bucket's all-reduce in flight at once. Throws DistributedError.
    void allReduceGradients(GradientBuckets &buckets);
    /// Sums float64 values over the ranks in place. Throws DistributedError.
    void allReduceSum(torch::Tensor values);
    /// Returns when every rank has called it. Throws DistributedError.
    void barrier();

    /// Ends this rank's part: records how it ended (a non-empty `error` is
    /// shown by the others as `rank N failed: error`), closes the process group
    /// so that peers waiting for this rank fail at once, and when this process
    /// hosts the store keeps it up until every rank has left (or the timeout).
    /// Idempotent; never throws.
    void leave(const QString &error = QString());
    /// The diagnosis of the collective that failed on this rank; empty if none did.
    QString failure() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace mc
