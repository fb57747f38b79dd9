#include "ParameterPlot.h"

#include "DocumentEditor.h"
#include "QCustomPlotInclude.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>

namespace mc {

ParameterPlot::ParameterPlot(DocumentEditor *editor, QWidget *parent)
    : QWidget(parent)
    , m_editor(editor)
    , m_plot(new QCustomPlot(this))
    , m_totals(new QLabel(this))
{
    m_trainableBars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_trainableBars->setName(tr("trainable"));
    m_trainableBars->setBrush(QColor(31, 119, 180));
    m_trainableBars->setPen(Qt::NoPen);
    m_frozenBars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_frozenBars->setName(tr("frozen"));
    m_frozenBars->setBrush(QColor(160, 160, 160));
    m_frozenBars->setPen(Qt::NoPen);
    m_frozenBars->moveAbove(m_trainableBars);
    m_plot->yAxis->setLabel(tr("parameters"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(font());
    // The legend in a row of its own above the bars, at the right, where no
    // bar can reach it (inside the axis rect it covered the top of the bars
    // under it). The row is a grid of an empty element that takes the spare
    // width and the legend held to its own size.
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setSizeConstraintRect(QCPLayoutElement::scrOuterRect);
    m_plot->legend->setMaximumSize(m_plot->legend->minimumOuterSizeHint());
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, legendRow);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    legendRow->setMargins(QMargins(0, 4, 4, 0));
    legendRow->addElement(0, 0, new QCPLayoutElement(m_plot));
    legendRow->addElement(0, 1, m_plot->legend);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setMinimumHeight(160);
    m_totals->setObjectName(QStringLiteral("parameterTotals"));
    m_totals->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // Room between the counts and the dock's edge.
    m_totals->setContentsMargins(8, 6, 10, 6);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_totals);
    if (m_editor)
        connect(m_editor, &DocumentEditor::analysisUpdated, this, &ParameterPlot::refresh);
    refresh();
}

QString ParameterPlot::totalsText() const { return m_totals->text(); }

void ParameterPlot::refresh()
{
    if (!m_editor)
        return;
    const auto snapshot = m_editor->analysis();
    if (!snapshot)
        return;
    const Analysis &analysis = snapshot->analysis();
    m_names.clear();
    m_trainable.clear();
    m_frozen.clear();
    QVector<double> keys;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const SummaryRow &row : analysis.summary()) {
        if (row.name.contains(QLatin1Char('.')))
            continue; // top-level submodules only
        keys.append(m_names.size() + 1);
        ticker->addTick(keys.last(), row.name);
        m_names.append(row.name);
        m_trainable.append(double(row.trainable));
        m_frozen.append(double(row.params - row.trainable));
    }
    m_trainableBars->setData(keys, m_trainable, true);
    m_frozenBars->setData(keys, m_frozen, true);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(m_names.size() > 6 ? 45 : 0);
    m_plot->xAxis->setRange(0.3, m_names.size() + 0.7);
    double top = 1;
    for (int i = 0; i < m_names.size(); ++i)
        top = std::max(top, m_trainable[i] + m_frozen[i]);
    m_plot->yAxis->setRange(0, top * 1.1);
    const QLocale locale;
    const qint64 total = analysis.totalParams();
    const qint64 trainable = analysis.trainableParams();
    // A count not known yet says so (never a difference of unknowns).
    const QString unknown = tr("? (sizes not known yet)");
    auto count = [&](qint64 n) { return n < 0 ? unknown : locale.toString(n); };
    m_totals->setText(tr("Total: %1\nTrainable: %2\nFrozen: %3")
                          .arg(count(total), count(trainable),
                               total < 0 || trainable < 0 ? unknown : locale.toString(total - trainable)));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace mc
