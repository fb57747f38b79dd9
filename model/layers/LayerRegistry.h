#pragma once

#include "layers/LayerDefinition.h"

#include <QList>
#include <QString>

namespace mc {

/// The built-in layers, in palette order: an explicit list of the families'
/// definitions (LayerRegistry.cpp), not self-registering statics, which the
/// linker may drop from a static library.
class LayerRegistry
{
public:
    /// Every built-in layer and operator, in palette order.
    static const QList<LayerDefinition> &all();
    /// The layer named `name`, or nullptr.
    static const LayerDefinition *find(const QString &name);
    static bool isBuiltin(const QString &name) { return find(name) != nullptr; }
    /// The layer table of docs/project-format.md, in Markdown: name, group,
    /// ports, options with their defaults, and the doc line. The docs hold
    /// this text as it is (tests/docs/check_layer_table.py).
    static QString markdownTable();
};

} // namespace mc
