#pragma once

#include "document/GraphTypes.h"

#include <QUndoCommand>

namespace mc {

class Project;

/// An undoable edit kept as the document before and after it. Undo and redo
/// put back the exact document through Project's API (replaceType, addType,
/// removeType; setData only when the type list changed in another way), so the
/// views see fine-grained signals and the JSON round-trips exactly. Snapshots
/// are cheap: ProjectData shares every list the edit did not touch.
class SnapshotCommand : public QUndoCommand
{
public:
    /// `after` is the document as the edit left it: the edit has already been
    /// applied, so the first redo() (from QUndoStack::push) does nothing.
    /// Commands with the same `mergeId` (not -1) and `mergeKey` merge.
    SnapshotCommand(Project *project, const QString &text, const ProjectData &before,
                    const ProjectData &after, int mergeId = -1, const QString &mergeKey = {},
                    QUndoCommand *parent = nullptr);

    void undo() override;
    void redo() override;
    int id() const override { return m_mergeId; }
    bool mergeWith(const QUndoCommand *other) override;

    const ProjectData &before() const { return m_before; }
    const ProjectData &after() const { return m_after; }

    /// Changes `project` from `from` (its current document) to `to` with the
    /// smallest edits Project offers; falls back to Project::setData.
    static void apply(Project &project, const ProjectData &from, const ProjectData &to);

private:
    Project *m_project;
    ProjectData m_before;
    ProjectData m_after;
    int m_mergeId;
    QString m_mergeKey;
    bool m_applied = true;
};

} // namespace mc
