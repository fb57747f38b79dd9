#include "ArgumentsEditor.h"

#include "CanvasStyle.h"
#include "document/Project.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSet>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace mc {

ArgumentsEditor::ArgumentsEditor(QWidget *parent)
    : QWidget(parent), m_table(new QTableWidget(0, 2, this)), m_message(new QLabel(this))
{
    m_table->setHorizontalHeaderLabels({tr("Argument"), tr("Default")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setVisible(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setMinimumHeight(90);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    QPalette pal = m_message->palette();
    pal.setColor(QPalette::WindowText, CanvasStyle::error());
    m_message->setPalette(pal);
    auto *add = new QToolButton(this);
    add->setText(tr("Add"));
    add->setToolTip(tr("Add an argument that instances of this type give a value to"));
    auto *remove = new QToolButton(this);
    remove->setText(tr("Remove"));
    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(3);
    layout->addWidget(m_table);
    layout->addLayout(buttons);
    layout->addWidget(m_message);
    connect(add, &QToolButton::clicked, this, &ArgumentsEditor::addArgument);
    connect(remove, &QToolButton::clicked, this, &ArgumentsEditor::removeSelected);
    connect(m_table, &QTableWidget::itemChanged, this, &ArgumentsEditor::onItemChanged);
}

void ArgumentsEditor::setArguments(const QList<Argument> &arguments)
{
    if (arguments == m_arguments && m_table->rowCount() == arguments.size())
        return;
    m_arguments = arguments;
    fill();
}

void ArgumentsEditor::showProblem(const QString &problem)
{
    m_message->setText(problem);
    m_message->setVisible(!problem.isEmpty());
}

void ArgumentsEditor::fill()
{
    m_filling = true;
    m_table->setRowCount(int(m_arguments.size()));
    for (int r = 0; r < m_arguments.size(); ++r) {
        m_table->setItem(r, 0, new QTableWidgetItem(m_arguments.at(r).name));
        m_table->setItem(r, 1, new QTableWidgetItem(QString::number(m_arguments.at(r).defaultValue, 'g', 12)));
    }
    m_filling = false;
}

void ArgumentsEditor::refillLater()
{
    QMetaObject::invokeMethod(this, &ArgumentsEditor::fill, Qt::QueuedConnection);
}

void ArgumentsEditor::onItemChanged(QTableWidgetItem *item)
{
    if (m_filling || !item || item->row() >= m_arguments.size())
        return;
    const int r = item->row();
    const QString text = item->text().trimmed();
    if (item->column() == 0) {
        const QString from = m_arguments.at(r).name;
        if (text == from)
            return;
        if (EditResult ok = Project::checkIdentifier(text, QStringLiteral("argument")); !ok) {
            showProblem(ok.reason);
            refillLater();
            return;
        }
        for (const Argument &a : std::as_const(m_arguments))
            if (a.name == text) {
                showProblem(tr("There is already an argument `%1`.").arg(text));
                refillLater();
                return;
            }
        showProblem(QString());
        m_arguments[r].name = text;
        Q_EMIT argumentRenamed(from, text);
        return;
    }
    bool ok = false;
    double d = QLocale::c().toDouble(text, &ok);
    if (!ok)
        d = QLocale().toDouble(text, &ok);
    if (!ok || !std::isfinite(d)) {
        showProblem(tr("The default of `%1` must be a number.").arg(m_arguments.at(r).name));
        refillLater();
        return;
    }
    showProblem(QString());
    if (m_arguments.at(r).defaultValue == d)
        return;
    m_arguments[r].defaultValue = d;
    Q_EMIT argumentsEdited(m_arguments);
}

void ArgumentsEditor::addArgument()
{
    QSet<QString> names;
    for (const Argument &a : std::as_const(m_arguments))
        names.insert(a.name);
    QString name = QStringLiteral("dim");
    for (int k = 1; names.contains(name); ++k)
        name = QStringLiteral("dim%1").arg(k);
    m_arguments.append(Argument{name, 1});
    fill();
    Q_EMIT argumentsEdited(m_arguments);
}

void ArgumentsEditor::removeSelected()
{
    const int r = m_table->currentRow();
    if (r < 0 || r >= m_arguments.size())
        return;
    m_arguments.removeAt(r);
    fill();
    Q_EMIT argumentsEdited(m_arguments);
}

} // namespace mc
