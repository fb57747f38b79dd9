#pragma once

#include "document/GraphTypes.h"

namespace mc {

/// Ready module types the palette offers: Encoder, Decoder and Block as the
/// article writes them, an MLP and a residual block. Dropping one copies it into
/// the project, where it becomes an ordinary module type the user may change.
class ModuleLibrary
{
public:
    /// Every library type, in palette order. None of them uses another type.
    static const QList<ModuleType> &types();
    /// The library type called `name`, or nullptr.
    static const ModuleType *find(const QString &name);
};

} // namespace mc
