#include "SummaryPanel.h"

#include "DocumentEditor.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mc {

SummaryPanel::SummaryPanel(DocumentEditor *editor, QWidget *parent)
    : QWidget(parent), m_editor(editor), m_tree(new QTreeWidget(this)), m_totals(new QLabel(this))
{
    m_tree->setColumnCount(6);
    m_tree->setHeaderLabels({tr("Name"), tr("Type"), tr("Params"), tr("Trainable"), tr("In"), tr("Out")});
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // On one line its minimum width was the bottom area's (566 px), which
    // kept the window from narrower screens.
    m_totals->setWordWrap(true);
    m_totals->setContentsMargins(6, 2, 6, 4);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_totals);
    connect(editor, &DocumentEditor::analysisUpdated, this, [this] {
        m_stale = true;
        if (isVisible())
            refresh();
    });
}

QString SummaryPanel::totalsText() const
{
    return m_totals->text();
}

void SummaryPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale)
        refresh();
}

void SummaryPanel::refresh()
{
    m_stale = false;
    const auto snapshot = m_editor->analysis();
    const Analysis &analysis = snapshot->analysis();
    const QList<SummaryRow> rows = analysis.summary();
    m_tree->setUpdatesEnabled(false);
    m_tree->clear();
    QList<QTreeWidgetItem *> parents;
    const QLocale locale;
    for (const SummaryRow &r : rows) {
        QString trainable;
        if (r.params <= 0)
            trainable = QStringLiteral("–");
        else if (r.trainable == r.params)
            trainable = tr("yes");
        else if (r.trainable == 0)
            trainable = tr("no");
        else
            trainable = tr("partly (%1)").arg(locale.toString(r.trainable));
        QString type = r.type;
        if (r.calls > 1)
            type += tr(" (shared, %1 calls)").arg(r.calls);
        const QString name = r.name.section(QLatin1Char('.'), -1);
        auto *item = new QTreeWidgetItem({name, type, r.params < 0 ? QStringLiteral("?") : locale.toString(r.params),
                                          trainable, mc::shapesText(r.in, mc::ShapesForm::Compact),
                                          mc::shapesText(r.out, mc::ShapesForm::Compact)});
        item->setToolTip(0, r.name);
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        while (parents.size() > r.depth)
            parents.removeLast();
        if (parents.isEmpty())
            m_tree->addTopLevelItem(item);
        else
            parents.last()->addChild(item);
        while (parents.size() < r.depth)
            parents.append(parents.isEmpty() ? item : parents.last());
        parents.append(item);
    }
    m_tree->expandAll();
    m_tree->setUpdatesEnabled(true);
    // The analysis's own totals lines (an unknown count says so), on one line.
    m_totals->setText(analysis.totalsText().trimmed().replace(QLatin1Char('\n'), QStringLiteral("   ")));
}

} // namespace mc
