#include "StackTableEditor.h"

#include "CanvasStyle.h"
#include "OptionField.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace mc {

StackTableEditor::StackTableEditor(QWidget *parent)
    : QWidget(parent), m_table(new QTableWidget(this)), m_message(new QLabel(this)), m_add(new QToolButton(this)),
      m_remove(new QToolButton(this)), m_up(new QToolButton(this)), m_down(new QToolButton(this))
{
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setMinimumHeight(120);
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                             QAbstractItemView::AnyKeyPressed);
    m_add->setText(tr("Add"));
    m_add->setToolTip(tr("Add a block that takes the last one's output"));
    m_remove->setText(tr("Remove"));
    m_remove->setToolTip(tr("Remove the selected blocks"));
    m_up->setIcon(style()->standardIcon(QStyle::SP_ArrowUp));
    m_up->setToolTip(tr("Move the block up"));
    m_down->setIcon(style()->standardIcon(QStyle::SP_ArrowDown));
    m_down->setToolTip(tr("Move the block down"));
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    QPalette pal = m_message->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_message->setPalette(pal);

    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(3);
    layout->addWidget(m_table);
    layout->addLayout(buttons);
    layout->addWidget(m_message);

    connect(m_add, &QToolButton::clicked, this, &StackTableEditor::addRow);
    connect(m_remove, &QToolButton::clicked, this, &StackTableEditor::removeSelectedRows);
    connect(m_up, &QToolButton::clicked, this, &StackTableEditor::moveUp);
    connect(m_down, &QToolButton::clicked, this, &StackTableEditor::moveDown);
    connect(m_table, &QTableWidget::itemChanged, this, &StackTableEditor::onItemChanged);
}

void StackTableEditor::setColumns(const QList<Argument> &blockArguments, const QStringList &enclosingArguments,
                                  const QString &enclosingType)
{
    m_columns = blockArguments;
    m_arguments = enclosingArguments;
    m_enclosingType = enclosingType;
    fill();
}

void StackTableEditor::setRows(const QList<OptionMap> &rows)
{
    if (rows == m_rows && m_table->rowCount() == rows.size())
        return;
    m_rows = rows;
    fill();
}

QString StackTableEditor::problem() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

void StackTableEditor::fill()
{
    m_filling = true;
    const int keepRow = currentRow();
    m_table->clear();
    m_table->setColumnCount(int(m_columns.size()));
    m_table->setRowCount(int(m_rows.size()));
    QStringList headers;
    for (const Argument &a : std::as_const(m_columns))
        headers.append(a.name);
    m_table->setHorizontalHeaderLabels(headers);
    QStringList rowNames;
    for (int r = 0; r < m_rows.size(); ++r)
        rowNames.append(QString::number(r));
    m_table->setVerticalHeaderLabels(rowNames);
    const QColor dim = CanvasStyle::mix(palette().color(QPalette::Text), palette().color(QPalette::Base), 0.5);
    for (int r = 0; r < m_rows.size(); ++r)
        for (int c = 0; c < m_columns.size(); ++c) {
            const Argument &a = m_columns.at(c);
            auto *item = new QTableWidgetItem;
            if (m_rows.at(r).contains(a.name)) {
                item->setText(OptionField::text(m_rows.at(r).value(a.name), OptionField::Rule{}));
            } else {
                // In brackets: typing the same number makes it explicit.
                item->setText(QStringLiteral("(%1)").arg(QString::number(a.defaultValue, 'g', 12)));
                item->setForeground(dim);
                QFont f = item->font();
                f.setItalic(true);
                item->setFont(f);
                item->setToolTip(tr("The default of `%1`").arg(a.name));
                item->setData(Qt::UserRole, true);
            }
            m_table->setItem(r, c, item);
        }
    if (keepRow >= 0 && keepRow < m_rows.size())
        m_table->selectRow(keepRow);
    m_remove->setEnabled(!m_rows.isEmpty());
    m_filling = false;
}

void StackTableEditor::refillLater()
{
    // Not while the table is inside its own itemChanged: it still holds the item.
    QMetaObject::invokeMethod(this, &StackTableEditor::fill, Qt::QueuedConnection);
}

int StackTableEditor::currentRow() const
{
    const QModelIndexList rows = m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList{};
    return rows.isEmpty() ? m_table->currentRow() : rows.first().row();
}

void StackTableEditor::onItemChanged(QTableWidgetItem *item)
{
    if (m_filling || !item)
        return;
    const int r = item->row();
    const int c = item->column();
    if (r < 0 || r >= m_rows.size() || c < 0 || c >= m_columns.size())
        return;
    OptionField::Rule rule;
    rule.arguments = m_arguments;
    rule.enclosingType = m_enclosingType;
    std::optional<OptionValue> value;
    QString error;
    if (!OptionField::parse(item->text(), rule, &value, &error)) {
        m_message->setText(tr("Block %1, %2: %3").arg(r).arg(m_columns.at(c).name, error));
        m_message->setVisible(true);
        refillLater();
        return;
    }
    m_message->setVisible(false);
    QList<OptionMap> rows = m_rows;
    if (value)
        rows[r].insert(m_columns.at(c).name, *value);
    else
        rows[r].remove(m_columns.at(c).name);
    if (rows == m_rows) {
        refillLater();
        return;
    }
    m_rows = rows;
    refillLater();
    Q_EMIT rowsEdited(m_rows);
}

void StackTableEditor::addRow()
{
    m_rows.append(m_rows.isEmpty() ? OptionMap{} : m_nextRow ? m_nextRow() : m_rows.last());
    fill();
    m_table->selectRow(int(m_rows.size()) - 1);
    Q_EMIT rowsEdited(m_rows);
}

void StackTableEditor::removeSelectedRows()
{
    QList<int> rows;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        rows.append(i.row());
    if (rows.isEmpty() && m_table->currentRow() >= 0)
        rows.append(m_table->currentRow());
    if (rows.isEmpty() && !m_rows.isEmpty())
        rows.append(int(m_rows.size()) - 1);
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    for (int r : rows)
        m_rows.removeAt(r);
    m_table->clearSelection();
    fill();
    Q_EMIT rowsEdited(m_rows);
}

void StackTableEditor::moveUp()
{
    const int r = currentRow();
    if (r <= 0 || r >= m_rows.size())
        return;
    m_rows.swapItemsAt(r, r - 1);
    fill();
    m_table->selectRow(r - 1);
    Q_EMIT rowsEdited(m_rows);
}

void StackTableEditor::moveDown()
{
    const int r = currentRow();
    if (r < 0 || r + 1 >= m_rows.size())
        return;
    m_rows.swapItemsAt(r, r + 1);
    fill();
    m_table->selectRow(r + 1);
    Q_EMIT rowsEdited(m_rows);
}

} // namespace mc
