#pragma once

#include "PaletteEntry.h"

#include <QWidget>

#include <optional>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace mc {

class Project;

/// The palette: built-in layers by category, inputs and outputs, stacks, the
/// project's module types and the library of ready types, searchable. Items
/// drag onto the canvas as PaletteEntry MIME data; double-click or Enter asks
/// for the entry to be added at the centre of the canvas.
class PaletteWidget : public QWidget
{
    Q_OBJECT
public:
    explicit PaletteWidget(Project *project, QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    QTreeWidget *tree() const { return m_tree; }
    /// Shows only the entries whose name or description contains `text`.
    void setFilter(const QString &text);
    /// The tree item of an entry, or nullptr.
    QTreeWidgetItem *itemFor(const PaletteEntry &entry) const;
    static std::optional<PaletteEntry> entryOf(const QTreeWidgetItem *item);

Q_SIGNALS:
    /// Add this entry at the centre of the canvas.
    void entryActivated(const PaletteEntry &entry);
    /// A right click on one of the project's module types.
    void typeMenuRequested(const QString &type, const QPoint &globalPos);

private:
    void rebuildProjectTypes();
    QTreeWidgetItem *addGroup(const QString &title);
    QTreeWidgetItem *addEntry(QTreeWidgetItem *group, const PaletteEntry &entry, const QString &category,
                              const QString &doc);

    Project *m_project;
    QLineEdit *m_search;
    QTreeWidget *m_tree;
    QTreeWidgetItem *m_projectGroup = nullptr;
};

} // namespace mc
