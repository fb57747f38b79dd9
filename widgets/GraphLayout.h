#pragma once

#include "document/GraphTypes.h"

#include <QHash>
#include <QList>
#include <QPointF>
#include <QSizeF>

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

    /// A graph with more columns than this wraps into rows of columns, as text
    /// wraps into lines, so that a long chain is a block that fits a screen.
    static constexpr int kWrapColumns = 12;
    /// Vertical gap between two rows of a wrapped layout.
    static constexpr double kBandGap = 80.0;
    /// Gap kept between a newly placed node and the others.
    static constexpr double kClearance = 20.0;

    /// New top-left positions for every node of `type`; `height` gives a node's
    /// height on the canvas. Linear in nodes and wires (a few sweeps).
    static QHash<int, QPointF> arrange(const ModuleType &type, const std::function<double(int)> &height);

    /// How far to move the nodes `fresh` of `type` (together, on the grid) so
    /// that none covers another node of `type`, searched in square rings of
    /// grid steps around where they are (the nearest first in each ring, below
    /// before beside on a tie); (0, 0) when they cover nothing. `size` gives a
    /// node's size on the canvas.
    static QPointF clearOffset(const ModuleType &type, const QList<int> &fresh,
                               const std::function<QSizeF(int)> &size);
};

} // namespace mc
