#pragma once

#include "document/GraphTypes.h"

#include <QWidget>

class QLabel;
class QTableWidget;
class QTableWidgetItem;

namespace mc {

/// The arguments of a module type (name and default value) as a table, with
/// Add and Remove. Renaming an argument is reported apart, so that the editor
/// can rename the references to it too.
class ArgumentsEditor : public QWidget
{
    Q_OBJECT
public:
    explicit ArgumentsEditor(QWidget *parent = nullptr);

    void setArguments(const QList<Argument> &arguments);
    QList<Argument> arguments() const { return m_arguments; }
    QTableWidget *table() const { return m_table; }
    /// Shows a refusal from the document under the table.
    void showProblem(const QString &problem);

public Q_SLOTS:
    void addArgument();
    void removeSelected();

Q_SIGNALS:
    /// Arguments added, removed, or a default changed.
    void argumentsEdited(const QList<Argument> &arguments);
    void argumentRenamed(const QString &from, const QString &to);

private:
    void fill();
    void refillLater();
    void onItemChanged(QTableWidgetItem *item);

    QList<Argument> m_arguments;
    QTableWidget *m_table;
    QLabel *m_message;
    bool m_filling = false;
};

} // namespace mc
