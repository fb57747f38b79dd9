#pragma once

#include "document/GraphTypes.h"

#include <QHash>
#include <QPointF>

#include <functional>

namespace mc {

/// The "arrange" command's layout: nodes in columns from left to right so that
/// every wire goes right, inputs in the first column and outputs in the last,
/// and the order inside a column chosen to keep wires short (barycentres).
class GraphLayout
{
public:
    /// Horizontal distance between columns (node width plus room for wires).
    static constexpr double kColumnSpacing = 200.0;
    /// Vertical gap between two nodes of a column.
    static constexpr double kRowGap = 30.0;

    /// New top-left positions for every node of `type`; `height` gives a node's
    /// height on the canvas. Linear in nodes and wires (a few sweeps).
    static QHash<int, QPointF> arrange(const ModuleType &type, const std::function<double(int)> &height);
};

} // namespace mc
