#include "SnapshotCommand.h"

#include "document/Project.h"

namespace mc {

namespace {

QStringList namesOf(const ProjectData &d)
{
    QStringList names;
    names.reserve(d.types.size());
    for (const ModuleType &t : d.types)
        names.append(t.name);
    return names;
}

/// Whether two versions of a type differ in node positions only.
bool onlyMoved(const ModuleType &a, const ModuleType &b)
{
    if (a.name != b.name || a.description != b.description || !(a.arguments == b.arguments) ||
        !(a.instances == b.instances) || !(a.wires == b.wires) || a.nodes.size() != b.nodes.size())
        return false;
    for (qsizetype k = 0; k < a.nodes.size(); ++k) {
        const Node &x = a.nodes.at(k);
        const Node &y = b.nodes.at(k);
        if (x.id != y.id || x.kind != y.kind || x.name != y.name || x.shape != y.shape)
            return false;
    }
    return true;
}

} // namespace

SnapshotCommand::SnapshotCommand(Project *project, const QString &text, const ProjectData &before,
                                 const ProjectData &after, int mergeId, const QString &mergeKey,
                                 QUndoCommand *parent)
    : QUndoCommand(text, parent), m_project(project), m_before(before), m_after(after),
      m_mergeId(mergeId), m_mergeKey(mergeKey)
{}

void SnapshotCommand::undo()
{
    apply(*m_project, m_project->data(), m_before);
    m_applied = false;
}

void SnapshotCommand::redo()
{
    if (m_applied)
        return; // The edit ran before the command was pushed.
    apply(*m_project, m_project->data(), m_after);
    m_applied = true;
}

bool SnapshotCommand::mergeWith(const QUndoCommand *other)
{
    const auto *o = dynamic_cast<const SnapshotCommand *>(other);
    if (!o || m_mergeId == -1 || o->m_mergeId != m_mergeId || o->m_mergeKey != m_mergeKey)
        return false;
    m_after = o->m_after;
    setObsolete(m_before == m_after);
    return true;
}

void SnapshotCommand::apply(Project &project, const ProjectData &from, const ProjectData &to)
{
    if (from == to)
        return;
    QStringList fromNames = namesOf(from);
    const QStringList toNames = namesOf(to);
    bool ok = true;
    // One type renamed (and maybe edited): rename it first, with its references.
    ProjectData renamed;
    if (fromNames.size() == toNames.size()) {
        QList<qsizetype> differ;
        for (qsizetype k = 0; k < toNames.size(); ++k)
            if (fromNames.at(k) != toNames.at(k))
                differ.append(k);
        if (differ.size() == 1 && !fromNames.contains(toNames.at(differ.first()))) {
            ok = bool(project.renameType(fromNames.at(differ.first()), toNames.at(differ.first())));
            renamed = project.data();
            fromNames = toNames;
        }
    }
    const ProjectData &current = renamed.types.isEmpty() ? from : renamed;
    auto replaceCommon = [&](qsizetype count) {
        for (qsizetype k = 0; k < count && ok; ++k) {
            const ModuleType &a = current.types.at(k);
            const ModuleType &b = to.types.at(k);
            if (a == b)
                continue;
            if (onlyMoved(a, b)) {
                // Moves (the most frequent undo) go node by node: views move
                // items instead of comparing the whole type.
                for (qsizetype n = 0; n < b.nodes.size() && ok; ++n)
                    if (a.nodes.at(n).pos != b.nodes.at(n).pos)
                        ok = bool(project.moveNode(b.name, b.nodes.at(n).id, b.nodes.at(n).pos));
            } else {
                ok = bool(project.replaceType(b));
            }
        }
    };
    if (!ok) {
        // Fall through to setData below.
    } else if (fromNames == toNames) {
        replaceCommon(toNames.size());
    } else if (toNames.size() > fromNames.size() && toNames.mid(0, fromNames.size()) == fromNames) {
        // Types were appended (a new module type, a library copy, a paste).
        for (qsizetype k = fromNames.size(); k < toNames.size() && ok; ++k)
            ok = bool(project.addType(to.types.at(k)));
        replaceCommon(fromNames.size());
    } else if (fromNames.size() > toNames.size() && fromNames.mid(0, toNames.size()) == toNames) {
        // Trailing types go: first stop using them, then remove the last first.
        replaceCommon(toNames.size());
        for (qsizetype k = fromNames.size() - 1; k >= toNames.size() && ok; --k)
            ok = bool(project.removeType(fromNames.at(k)));
    } else {
        ok = false;
    }
    if (ok && project.data().root != to.root)
        ok = bool(project.setRootType(to.root));
    if (ok)
        project.setTraining(to.training);
    // Renames, reorders and anything the steps above could not reproduce
    // exactly: put the whole document back.
    if (!ok || !(project.data() == to))
        project.setData(to);
}

} // namespace mc
