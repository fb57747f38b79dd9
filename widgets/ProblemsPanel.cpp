#include "ProblemsPanel.h"

#include "DocumentEditor.h"

#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mc {

ProblemsPanel::ProblemsPanel(DocumentEditor *editor, QWidget *parent)
    : QWidget(parent), m_editor(editor), m_tree(new QTreeWidget(this)), m_empty(new QLabel(this))
{
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("Module type"), tr("Node"), tr("Problem")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_empty->setText(tr("No problems: the model can be built."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setEnabled(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
    layout->addWidget(m_empty);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        Q_EMIT problemActivated(item->data(0, Qt::UserRole).toString(), item->data(1, Qt::UserRole).toInt());
    });
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) {
        Q_EMIT problemActivated(item->data(0, Qt::UserRole).toString(), item->data(1, Qt::UserRole).toInt());
    });
    connect(editor, &DocumentEditor::analysisUpdated, this, &ProblemsPanel::refresh);
    refresh();
}

void ProblemsPanel::refresh()
{
    const auto snapshot = m_editor->analysis();
    const ProjectData &data = snapshot->data();
    QList<Diagnostic> diagnostics = snapshot->analysis().diagnostics();
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic &a, const Diagnostic &b) {
        return int(a.severity) < int(b.severity);
    });
    const QIcon errorIcon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon warningIcon = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    m_tree->setUpdatesEnabled(false);
    m_tree->clear();
    int errors = 0;
    int warnings = 0;
    QList<QTreeWidgetItem *> items;
    for (const Diagnostic &d : std::as_const(diagnostics)) {
        const bool error = d.severity == Diagnostic::Severity::Error;
        (error ? errors : warnings) += 1;
        QString node;
        if (const ModuleType *t = data.type(d.type))
            if (const Node *n = t->node(d.node))
                node = n->name;
        auto *item = new QTreeWidgetItem({d.type, node, d.message});
        item->setIcon(0, error ? errorIcon : warningIcon);
        item->setData(0, Qt::UserRole, d.type);
        item->setData(1, Qt::UserRole, d.node);
        item->setToolTip(2, d.message);
        items.append(item);
    }
    m_tree->addTopLevelItems(items);
    m_tree->setUpdatesEnabled(true);
    m_tree->setVisible(!items.isEmpty());
    m_empty->setVisible(items.isEmpty());
    if (errors != m_errors || warnings != m_warnings) {
        m_errors = errors;
        m_warnings = warnings;
        Q_EMIT countsChanged(errors, warnings);
    }
}

} // namespace mc
