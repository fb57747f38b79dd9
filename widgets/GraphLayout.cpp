#include "GraphLayout.h"

#include "CanvasMetrics.h"

#include <QMap>
#include <QRectF>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace mc {

QHash<int, QPointF> GraphLayout::arrange(const ModuleType &type, const std::function<double(int)> &height)
{
    QHash<int, int> index; // node id -> position in type.nodes
    for (int k = 0; k < type.nodes.size(); ++k)
        index.insert(type.nodes.at(k).id, k);
    const int n = int(type.nodes.size());
    QList<QList<int>> preds(n), succs(n);
    QList<int> indegree(n, 0);
    for (const Wire &w : type.wires) {
        const int a = index.value(w.from.node, -1);
        const int b = index.value(w.to.node, -1);
        if (a < 0 || b < 0 || a == b)
            continue;
        succs[a].append(b);
        preds[b].append(a);
        ++indegree[b];
    }
    // Longest path from the sources gives each node its column.
    QList<int> layer(n, 0);
    QList<int> ready;
    for (int k = 0; k < n; ++k)
        if (indegree.at(k) == 0)
            ready.append(k);
    int visited = 0;
    while (!ready.isEmpty()) {
        const int k = ready.takeLast();
        ++visited;
        for (int s : std::as_const(succs.at(k))) {
            layer[s] = std::max(layer.at(s), layer.at(k) + 1);
            if (--indegree[s] == 0)
                ready.append(s);
        }
    }
    Q_UNUSED(visited); // Nodes on a cycle (a broken file) keep column 0.
    int last = 0;
    for (int k = 0; k < n; ++k)
        if (type.nodes.at(k).kind == NodeKind::Input)
            layer[k] = 0;
    for (int k = 0; k < n; ++k)
        last = std::max(last, layer.at(k));
    bool hasCalls = false;
    for (const Node &node : type.nodes)
        hasCalls = hasCalls || node.kind == NodeKind::Call;
    for (int k = 0; k < n; ++k)
        if (type.nodes.at(k).kind == NodeKind::Output)
            layer[k] = std::max(hasCalls ? last : 1, 1);
    // Pull a node towards its consumers when it has slack (a source feeding late).
    for (int sweep = 0; sweep < 2; ++sweep)
        for (int k = 0; k < n; ++k) {
            if (type.nodes.at(k).kind != NodeKind::Call || succs.at(k).isEmpty())
                continue;
            int room = 1 << 30;
            for (int s : std::as_const(succs.at(k)))
                room = std::min(room, layer.at(s) - 1);
            if (room > layer.at(k))
                layer[k] = room;
        }
    int columns = 0;
    for (int k = 0; k < n; ++k)
        columns = std::max(columns, layer.at(k) + 1);
    QList<QList<int>> column(columns);
    for (int k = 0; k < n; ++k)
        column[layer.at(k)].append(k);
    // Start from the current vertical order, then a few barycentre sweeps.
    QList<double> rank(n, 0.0);
    for (QList<int> &c : column) {
        std::stable_sort(c.begin(), c.end(), [&](int a, int b) {
            return type.nodes.at(a).pos.y() < type.nodes.at(b).pos.y();
        });
        for (int r = 0; r < c.size(); ++r)
            rank[c.at(r)] = r;
    }
    auto sweep = [&](bool down) {
        for (int ci = down ? 1 : columns - 2; down ? ci < columns : ci >= 0; ci += down ? 1 : -1) {
            QList<int> &c = column[ci];
            QHash<int, double> key;
            for (int k : std::as_const(c)) {
                const QList<int> &near = down ? preds.at(k) : succs.at(k);
                if (near.isEmpty()) {
                    key.insert(k, rank.at(k));
                    continue;
                }
                double sum = 0;
                for (int m : near)
                    sum += rank.at(m);
                key.insert(k, sum / double(near.size()));
            }
            std::stable_sort(c.begin(), c.end(), [&](int a, int b) { return key.value(a) < key.value(b); });
            for (int r = 0; r < c.size(); ++r)
                rank[c.at(r)] = r;
        }
    };
    for (int s = 0; s < 3; ++s) {
        sweep(true);
        sweep(false);
    }
    sweep(true);
    QList<double> columnHeight(columns, 0.0);
    for (int ci = 0; ci < columns; ++ci) {
        for (int k : column.at(ci))
            columnHeight[ci] += std::ceil((height(type.nodes.at(k).id) + kRowGap) / 10.0) * 10.0;
        columnHeight[ci] -= kRowGap;
    }
    // A long graph wraps: `perRow` columns to a row, rows one under another,
    // as many columns to a row as make the block about 1.6 times as wide as
    // it is tall.
    int perRow = columns;
    double bandHeight = 0;
    if (columns > kWrapColumns) {
        bandHeight = *std::max_element(columnHeight.begin(), columnHeight.end()) + kBandGap;
        bandHeight = std::ceil(bandHeight / 10.0) * 10.0;
        perRow = int(std::ceil(std::sqrt(1.6 * columns * bandHeight / kColumnSpacing)));
        perRow = std::clamp(perRow, kWrapColumns, columns);
    }
    QHash<int, QPointF> positions;
    for (int ci = 0; ci < columns; ++ci) {
        const QList<int> &c = column.at(ci);
        const double x = (ci % perRow) * kColumnSpacing;
        double y = (ci / perRow) * bandHeight + std::round(-columnHeight.at(ci) / 2.0 / 10.0) * 10.0;
        for (int k : c) {
            positions.insert(type.nodes.at(k).id, QPointF(x, y));
            y += std::ceil((height(type.nodes.at(k).id) + kRowGap) / 10.0) * 10.0;
        }
    }
    return positions;
}

QPointF GraphLayout::clearOffset(const ModuleType &type, const QList<int> &fresh,
                                 const std::function<QSizeF(int)> &size)
{
    const QSet<int> mine(fresh.begin(), fresh.end());
    QList<QRectF> ours, others;
    for (const Node &n : type.nodes) {
        const QRectF r(n.pos, size(n.id));
        if (mine.contains(n.id))
            ours.append(r.adjusted(-kClearance, -kClearance, kClearance, kClearance));
        else
            others.append(r);
    }
    if (ours.isEmpty() || others.isEmpty())
        return {};
    auto clearAt = [&](QPointF d) {
        for (const QRectF &r : std::as_const(ours)) {
            const QRectF moved = r.translated(d);
            for (const QRectF &o : std::as_const(others))
                if (moved.intersects(o))
                    return false;
        }
        return true;
    };
    if (clearAt({}))
        return {};
    // Rings of grid points around the wanted place, nearest first.
    const double g = CanvasMetrics::kGrid;
    constexpr int kRings = 300; // 6,000 units: beyond that the canvas is full anyway
    QList<QPoint> ring;
    for (int r = 1; r <= kRings; ++r) {
        ring.clear();
        for (int i = -r; i <= r; ++i)
            for (int j = -r; j <= r; ++j)
                if (std::max(std::abs(i), std::abs(j)) == r)
                    ring.append(QPoint(i, j));
        // Nearest first; on a tie below, then right, then above, then left.
        auto rank = [](const QPoint &p) {
            return p.y() > 0 ? 0 : p.x() > 0 ? 1 : p.y() < 0 ? 2 : 3;
        };
        std::sort(ring.begin(), ring.end(), [&](const QPoint &a, const QPoint &b) {
            const int da = a.x() * a.x() + a.y() * a.y();
            const int db = b.x() * b.x() + b.y() * b.y();
            return da != db ? da < db : rank(a) < rank(b);
        });
        for (const QPoint &p : std::as_const(ring)) {
            const QPointF d(p.x() * g, p.y() * g);
            if (clearAt(d))
                return d;
        }
    }
    return {};
}

} // namespace mc
