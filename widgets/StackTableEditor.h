#pragma once

#include "document/GraphTypes.h"

#include <QWidget>

#include <functional>

class QLabel;
class QTableWidget;
class QTableWidgetItem;
class QToolButton;

namespace mc {

/// The per-block arguments of a stack as a table: one row per block
/// (`blocks.0`, `blocks.1`, …), one column per argument of the block type.
/// A cell holds a number, an argument of the enclosing type, or nothing (the
/// block type's default, shown greyed). Rows can be added, removed and moved.
class StackTableEditor : public QWidget
{
    Q_OBJECT
public:
    explicit StackTableEditor(QWidget *parent = nullptr);

    /// The block type's arguments (the columns) and the enclosing type's
    /// arguments (what a cell may refer to).
    void setColumns(const QList<Argument> &blockArguments, const QStringList &enclosingArguments,
                    const QString &enclosingType);
    /// Shows the document's rows.
    void setRows(const QList<OptionMap> &rows);
    QList<OptionMap> rows() const { return m_rows; }
    QTableWidget *table() const { return m_table; }
    QString problem() const;
    /// What Add appends (the editor's nextStackRow); without it, a copy of
    /// the last row.
    void setNextRow(std::function<OptionMap()> nextRow) { m_nextRow = std::move(nextRow); }

public Q_SLOTS:
    /// Appends a block that continues the chain (setNextRow), or the defaults.
    void addRow();
    void removeSelectedRows();
    void moveUp();
    void moveDown();

Q_SIGNALS:
    /// The user changed the rows; the document has not changed yet.
    void rowsEdited(const QList<OptionMap> &rows);

private:
    void fill();
    void refillLater();
    void onItemChanged(QTableWidgetItem *item);
    int currentRow() const;

    QList<Argument> m_columns;
    QStringList m_arguments;
    QString m_enclosingType;
    QList<OptionMap> m_rows;
    std::function<OptionMap()> m_nextRow;
    QTableWidget *m_table;
    QLabel *m_message;
    QToolButton *m_add;
    QToolButton *m_remove;
    QToolButton *m_up;
    QToolButton *m_down;
    bool m_filling = false;
};

} // namespace mc
