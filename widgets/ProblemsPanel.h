#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace mc {

class DocumentEditor;

/// The Problems dock: the Analysis diagnostics, errors first, kept current as
/// the user edits. Activating one asks for its module type to be opened and
/// its node selected.
class ProblemsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ProblemsPanel(DocumentEditor *editor, QWidget *parent = nullptr);

    QTreeWidget *tree() const { return m_tree; }
    /// The line under the list with the current problem in full.
    QLabel *detail() const { return m_detail; }
    int errorCount() const { return m_errors; }
    int warningCount() const { return m_warnings; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    /// Open `type` and select `node` (0: the type as a whole).
    void problemActivated(const QString &type, int node);
    /// The number of errors and warnings changed (for the dock's title).
    void countsChanged(int errors, int warnings);

private:
    DocumentEditor *m_editor;
    QTreeWidget *m_tree;
    QLabel *m_empty;
    QLabel *m_detail; ///< The current problem's whole sentence.
    int m_errors = -1;
    int m_warnings = -1;
};

} // namespace mc
