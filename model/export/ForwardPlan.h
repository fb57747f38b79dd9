#pragma once

#include "analysis/Analysis.h"
#include "document/GraphTypes.h"
#include "export/LocalNames.h"

#include <QList>
#include <QStringList>

namespace mc {

/// One call of a module type's `forward`: which instance the node calls, the
/// variables it reads (one per input port) and the variables it sets (one
/// per output port).
struct ForwardCall
{
    int node = 0;
    const InstanceEval *instance = nullptr;
    QStringList arguments;
    QStringList results;
};

/// The `forward` of one module type as the exports write it, in any language:
/// its parameters, its calls in the order of the graph's schedule
/// (TypeEval::order) and what it returns, every value a variable named after
/// the instance that makes it (`fc1`, `shared_module_2`, `lstm_h_n` for a
/// second output). The TorchScript and the Python export both spell it.
struct ForwardPlan
{
    QStringList inputs;  ///< One per Input node, in port order.
    QList<ForwardCall> calls;
    QStringList outputs; ///< One per Output node, in port order.

    /// Plans the forward of `eval`'s type; `names` gives the variables out
    /// (callers reserve what their language needs). Throws ExportError when
    /// the evaluation does not cover the graph (an input not connected).
    static ForwardPlan make(const ProjectData &project, const TypeEval &eval, LocalNames &names);
};

} // namespace mc
