#include "PaletteEntry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>

namespace mc {

namespace {

const char *kindName(PaletteEntry::Kind kind)
{
    switch (kind) {
    case PaletteEntry::Kind::Layer: return "layer";
    case PaletteEntry::Kind::Input: return "input";
    case PaletteEntry::Kind::Output: return "output";
    case PaletteEntry::Kind::Type: return "type";
    case PaletteEntry::Kind::Library: return "library";
    case PaletteEntry::Kind::Stack: return "stack";
    }
    return "layer";
}

} // namespace

QString PaletteEntry::mimeType()
{
    return QStringLiteral("application/x-modelcomposer-palette-entry");
}

QByteArray PaletteEntry::toBytes() const
{
    QJsonObject o;
    o.insert(QStringLiteral("kind"), QString::fromLatin1(kindName(kind)));
    o.insert(QStringLiteral("name"), name);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<PaletteEntry> PaletteEntry::fromBytes(const QByteArray &bytes)
{
    if (bytes.size() > 4096)
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(bytes).object();
    const QString kind = o.value(QStringLiteral("kind")).toString();
    PaletteEntry e;
    e.name = o.value(QStringLiteral("name")).toString();
    for (Kind k : {Kind::Layer, Kind::Input, Kind::Output, Kind::Type, Kind::Library, Kind::Stack})
        if (kind == QLatin1String(kindName(k))) {
            e.kind = k;
            return e;
        }
    return std::nullopt;
}

QMimeData *PaletteEntry::toMimeData() const
{
    auto *mime = new QMimeData;
    mime->setData(mimeType(), toBytes());
    mime->setText(name);
    return mime;
}

std::optional<PaletteEntry> PaletteEntry::fromMimeData(const QMimeData *mime)
{
    if (!mime || !mime->hasFormat(mimeType()))
        return std::nullopt;
    return fromBytes(mime->data(mimeType()));
}

} // namespace mc
