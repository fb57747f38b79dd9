#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

class QMimeData;

namespace mc {

/// One thing the palette offers to drop on the canvas: a built-in layer, a port,
/// a module type of the project, a ready type from the library, or a stack.
struct PaletteEntry
{
    /// What the entry adds.
    enum class Kind {
        Layer,   ///< A built-in layer of the LayerRegistry (`name` is the layer).
        Input,   ///< An input port of the module type being edited.
        Output,  ///< An output port of the module type being edited.
        Type,    ///< An instance of a module type of the project (`name`).
        Library, ///< A ready module type of ModuleLibrary, copied into the project first.
        Stack,   ///< A stack of blocks; `name` is the block type (empty: the editor picks one).
    };
    Kind kind = Kind::Layer;
    QString name;

    bool operator==(const PaletteEntry &o) const { return kind == o.kind && name == o.name; }

    /// The MIME type the palette drags and the canvas accepts.
    static QString mimeType();
    QByteArray toBytes() const;
    static std::optional<PaletteEntry> fromBytes(const QByteArray &bytes);
    /// New MIME data carrying this entry; the caller owns it.
    QMimeData *toMimeData() const;
    static std::optional<PaletteEntry> fromMimeData(const QMimeData *mime);
};

} // namespace mc
