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
};

} // namespace mc
