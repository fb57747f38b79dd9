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
    : QWidget(parent), m_editor(editor), m_tree(new QTreeWidget(this)), m_empty(new QLabel(this)),
      m_detail(new QLabel(this))
{
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("Module type"), tr("Node"), tr("Problem")});
    m_tree->setRootIsDecorated(false);
    // One line a problem, cut to the column; the whole sentence is in the
    // tooltip and, for the current line, in the detail line under the list.
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_empty->setText(tr("No problems: the model can be built."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setEnabled(false);
    // The current problem in full, selectable for copying.
    m_detail->setObjectName(QStringLiteral("problemDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_detail->setVisible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_detail);
    layout->addWidget(m_empty);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        m_detail->setText(item ? item->data(2, Qt::UserRole).toString() : QString());
        m_detail->setVisible(item != nullptr);
    });
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
            if (const Node *n = t->node(d.node)) {
                node = n->name;
                // A shared instance's call sites are told apart.
                const QList<int> calls = n->kind == NodeKind::Call ? t->callsOf(n->name) : QList<int>{};
                if (calls.size() > 1)
                    node = tr("%1 (call %2 of %3)").arg(n->name).arg(calls.indexOf(n->id) + 1).arg(calls.size());
            }
        auto *item = new QTreeWidgetItem({d.type, node, d.message});
        item->setIcon(0, error ? errorIcon : warningIcon);
        item->setData(0, Qt::UserRole, d.type);
        item->setData(1, Qt::UserRole, d.node);
        item->setData(2, Qt::UserRole, QStringLiteral("%1 › %2: %3").arg(d.type, node.isEmpty() ? tr("the type") : node, d.message));
        item->setToolTip(2, d.message);
        items.append(item);
    }
    m_tree->addTopLevelItems(items);
    m_tree->setUpdatesEnabled(true);
    m_detail->setVisible(false);
    m_tree->setVisible(!items.isEmpty());
    m_empty->setVisible(items.isEmpty());
    if (errors != m_errors || warnings != m_warnings) {
        m_errors = errors;
        m_warnings = warnings;
        Q_EMIT countsChanged(errors, warnings);
    }
}

} // namespace mc
