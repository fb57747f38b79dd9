#pragma once

#include "document/GraphTypes.h"

#include <QByteArray>

#include <stdexcept>

namespace mc {

/// A project file that cannot be read, with one sentence naming the JSON path of
/// the problem (`types[1].nodes[3].pos: expected an array of two numbers`).
class ProjectFormatError : public std::runtime_error
{
public:
    explicit ProjectFormatError(const QString &message)
        : std::runtime_error(message.toStdString())
    {}
    QString message() const { return QString::fromStdString(what()); }
};

/// Reads and writes the `.mcproj` JSON format (docs/project-format.md). Reading
/// never crashes, hangs or allocates without bound on a hostile file: sizes and
/// counts are capped and every field is checked before use.
class ProjectFile
{
public:
    /// The format version this build writes and the newest it reads.
    static constexpr int kVersion = 2;
    /// Files larger than this are refused before parsing.
    static constexpr qint64 kMaxBytes = 32 * 1024 * 1024;

    static QJsonObject toJson(const ProjectData &project);
    static QByteArray toBytes(const ProjectData &project);
    /// Throws ProjectFormatError.
    static ProjectData fromJson(const QJsonObject &json);
    /// Throws ProjectFormatError.
    static ProjectData fromBytes(const QByteArray &bytes);
    /// Reads a file; throws ProjectFormatError naming the file on failure.
    static ProjectData load(const QString &path);
    /// Writes atomically (QSaveFile): on failure the previous file is intact.
    static bool save(const ProjectData &project, const QString &path, QString *error);
};

} // namespace mc
