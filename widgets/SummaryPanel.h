#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace mc {

class DocumentEditor;

/// The Summary dock: the model summary in the manner of Lightning's
/// ModelSummary (name, type, parameters, trainable, input and output sizes)
/// as a tree, and the totals, kept current as the user edits. While hidden it
/// only notes that it is stale.
class SummaryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SummaryPanel(DocumentEditor *editor, QWidget *parent = nullptr);

    QTreeWidget *tree() const { return m_tree; }
    QString totalsText() const;

public Q_SLOTS:
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;

private:
    DocumentEditor *m_editor;
    QTreeWidget *m_tree;
    QLabel *m_totals;
    bool m_stale = true;
};

} // namespace mc
