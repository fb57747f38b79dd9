#include "GraphLayout.h"

#include <QMap>

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
    QHash<int, QPointF> positions;
    for (int ci = 0; ci < columns; ++ci) {
        const QList<int> &c = column.at(ci);
        double total = 0;
        for (int k : c)
            total += height(type.nodes.at(k).id) + kRowGap;
        total -= kRowGap;
        double y = std::round(-total / 2.0 / 10.0) * 10.0;
        for (int k : c) {
            positions.insert(type.nodes.at(k).id, QPointF(ci * kColumnSpacing, y));
            y += std::ceil((height(type.nodes.at(k).id) + kRowGap) / 10.0) * 10.0;
        }
    }
    return positions;
}

} // namespace mc
