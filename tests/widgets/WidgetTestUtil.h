#pragma once

// Small helpers shared by the widget tests.

#include "document/GraphTypes.h"
#include "document/Project.h"
#include "document/ProjectFile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QtTest>

using namespace mc;

namespace wtu {

inline ProjectData example(const QString &file)
{
    return ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/") + file);
}

/// The document as the project file writes it: what "the exact JSON" means.
inline QByteArray json(const Project &p)
{
    return QJsonDocument(ProjectFile::toJson(p.data())).toJson(QJsonDocument::Compact);
}

/// The first node of `type` called `name` (an instance or a port), or 0.
inline int nodeId(const Project &p, const QString &type, const QString &name, int nth = 0)
{
    const ModuleType *t = p.type(type);
    if (!t)
        return 0;
    for (const Node &n : t->nodes)
        if (n.name == name && nth-- == 0)
            return n.id;
    return 0;
}

/// Whether `type` has a wire from `from`'s output `fromPort` into `to`'s input `toPort` (names).
inline bool hasWire(const Project &p, const QString &type, const QString &from, int fromPort, const QString &to,
                    int toPort)
{
    const ModuleType *t = p.type(type);
    if (!t)
        return false;
    for (const Wire &w : t->wires) {
        const Node *a = t->node(w.from.node);
        const Node *b = t->node(w.to.node);
        if (a && b && a->name == from && b->name == to && w.from.port == fromPort && w.to.port == toPort)
            return true;
    }
    return false;
}

/// A module type in a form that ignores node ids, positions and descriptions:
/// arguments, instances (in order), ports with their features, and every node
/// named by what it calls and what feeds each of its inputs, recursively, so
/// that two calls of a shared instance are told apart by their sources.
inline QStringList canonicalType(const ModuleType &t)
{
    QStringList out;
    for (const Argument &a : t.arguments)
        out.append(QStringLiteral("arg %1=%2").arg(a.name).arg(a.defaultValue));
    for (const Instance &i : t.instances) {
        QStringList opts;
        for (auto it = i.options.begin(); it != i.options.end(); ++it)
            opts.append(it.key() + QLatin1Char('=') + it.value().toString());
        QStringList rows;
        for (const OptionMap &row : i.rows) {
            QStringList r;
            for (auto it = row.begin(); it != row.end(); ++it)
                r.append(it.key() + QLatin1Char('=') + it.value().toString());
            rows.append(QLatin1Char('{') + r.join(QLatin1Char(',')) + QLatin1Char('}'));
        }
        out.append(QStringLiteral("instance %1 : %2 [%3] block=%4 rows=%5 frozen=%6")
                       .arg(i.name, i.type, opts.join(QLatin1Char(',')), i.blockType, rows.join(QString()))
                       .arg(i.frozen));
    }
    QHash<int, QString> key;
    std::function<QString(int)> keyOf = [&](int id) -> QString {
        if (key.contains(id))
            return key.value(id);
        key.insert(id, QStringLiteral("<cycle>"));
        const Node *n = t.node(id);
        QString k = n->kind == NodeKind::Input    ? QStringLiteral("in:") + n->name
                    : n->kind == NodeKind::Output ? QStringLiteral("out:") + n->name
                                                  : QStringLiteral("call:") + n->name;
        QStringList feeds;
        for (const Wire &w : t.wires)
            if (w.to.node == id)
                feeds.append(QStringLiteral("%1<-%2.%3").arg(w.to.port).arg(keyOf(w.from.node)).arg(w.from.port));
        feeds.sort();
        if (!feeds.isEmpty())
            k += QLatin1Char('(') + feeds.join(QLatin1Char(';')) + QLatin1Char(')');
        key.insert(id, k);
        return k;
    };
    QStringList nodes;
    for (const Node &n : t.nodes) {
        QString k = keyOf(n.id);
        if (n.kind == NodeKind::Input)
            for (const OptionValue &d : n.shape)
                k += QStringLiteral(" shape=") + d.toString();
        nodes.append(k);
    }
    nodes.sort();
    out += nodes;
    return out;
}

/// The whole project canonically: root and types by name (their order in the file does not matter).
inline QStringList canonical(const ProjectData &d)
{
    QStringList out{QStringLiteral("root ") + d.root};
    QStringList names;
    for (const ModuleType &t : d.types)
        names.append(t.name);
    names.sort();
    for (const QString &n : names) {
        out.append(QStringLiteral("type ") + n);
        for (const QString &line : canonicalType(*d.type(n)))
            out.append(QStringLiteral("  ") + line);
    }
    return out;
}

} // namespace wtu
