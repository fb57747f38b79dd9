#pragma once

#include "document/GraphTypes.h"

#include <algorithm>

namespace mc {

/// Sizes of the canvas's drawing, in scene units (one unit is one logical
/// pixel at 100 % zoom). The layout and the items share them.
namespace CanvasMetrics {

constexpr double kCallWidth = 150.0;  ///< Width of a call node.
constexpr double kPortWidth = 100.0;  ///< Width of an Input or Output node.
constexpr double kPortHeight = 50.0;  ///< Height of an Input or Output node.
constexpr double kHeader = 40.0;      ///< Instance name and type lines of a call node.
constexpr double kRow = 18.0;         ///< One row of ports.
constexpr double kFooter = 22.0;      ///< Parameter count line.
constexpr double kPortRadius = 5.0;   ///< Drawn radius of a port.
constexpr double kPortHitRadius = 10.0; ///< Radius in which a port takes the mouse.
constexpr double kGrid = 20.0;        ///< Snap grid.
constexpr double kCorner = 6.0;       ///< Corner radius of nodes.

inline double nodeWidth(NodeKind kind)
{
    return kind == NodeKind::Call ? kCallWidth : kPortWidth;
}

inline double nodeHeight(NodeKind kind, int inputs, int outputs)
{
    if (kind != NodeKind::Call)
        return kPortHeight;
    return kHeader + std::max({inputs, outputs, 1}) * kRow + kFooter;
}

} // namespace CanvasMetrics

} // namespace mc
