#include "EvaluationView.h"

#include "QCustomPlotInclude.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace mc {

namespace {

const QColor kVal(214, 39, 40);
const QColor kTest(44, 160, 44);

QString figure(double v)
{
    return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', 3);
}

} // namespace

EvaluationView::EvaluationView(QWidget *parent) : QWidget(parent)
{
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("evaluationSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_save = new QPushButton(tr("Save…"));
    m_save->setObjectName(QStringLiteral("saveMatrixButton"));
    m_save->setToolTip(tr("Save the confusion matrix as a PNG image"));
    connect(m_save, &QPushButton::clicked, this, &EvaluationView::onSave);
    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_save, 0, Qt::AlignTop);

    // The accuracy per epoch, on a fixed 0..1 scale.
    m_accuracy = new QCustomPlot;
    m_accuracy->setObjectName(QStringLiteral("accuracyPlot"));
    m_accuracy->setMinimumSize(160, 120);
    m_valGraph = m_accuracy->addGraph();
    m_valGraph->setName(tr("validation"));
    m_valGraph->setPen(QPen(kVal, 2));
    m_valGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    m_testGraph = m_accuracy->addGraph();
    m_testGraph->setName(tr("test"));
    m_testGraph->setPen(QPen(kTest, 2));
    m_testGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 5));
    m_accuracy->xAxis->setLabel(tr("epoch"));
    m_accuracy->yAxis->setLabel(tr("accuracy"));
    m_accuracy->yAxis->setRange(0, 1);
    m_accuracy->xAxis->setRange(0.5, 1.5);
    m_accuracy->xAxis->ticker()->setTickCount(5);
    m_accuracy->legend->setVisible(true);
    QFont legendFont = m_accuracy->font();
    legendFont.setPointSize(7);
    m_accuracy->legend->setFont(legendFont);
    m_accuracy->legend->setBorderPen(Qt::NoPen);
    m_accuracy->legend->setBrush(QColor(255, 255, 255, 200));
    m_accuracy->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignBottom);

    // The confusion matrix: rows the true class (top to bottom), columns the predicted one.
    m_matrix = new QCustomPlot;
    m_matrix->setObjectName(QStringLiteral("confusionMatrix"));
    m_matrix->setMinimumSize(220, 200);
    m_matrix->xAxis->setLabel(tr("predicted"));
    m_matrix->yAxis->setLabel(tr("true class"));
    m_matrix->yAxis->setRangeReversed(true);
    connect(m_matrix, &QCustomPlot::mousePress, this, &EvaluationView::onMatrixClicked);
    connect(m_matrix, &QCustomPlot::afterLayout, this, &EvaluationView::fitCellText); // the cells' size is known now

    m_table = new QTableWidget(0, 5);
    m_table->setObjectName(QStringLiteral("classTable"));
    m_table->setHorizontalHeaderLabels({tr("class"), tr("precision"), tr("recall"), tr("F1"), tr("support")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 4);
    m_table->setMinimumWidth(200);

    m_cell = new QLabel;
    m_cell->setObjectName(QStringLiteral("cellText"));
    m_cell->setWordWrap(true);

    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_accuracy);
    split->addWidget(m_matrix);
    split->addWidget(m_table);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_cell);
    clear();
}

void EvaluationView::clear()
{
    m_valGraph->data()->clear();
    m_testGraph->data()->clear();
    m_accuracy->xAxis->setRange(0.5, 1.5);
    m_accuracy->replot();
    setEvaluation(Evaluation());
}

void EvaluationView::appendEpochs(const QVector<EpochPoint> &epochs)
{
    bool added = false;
    for (const EpochPoint &e : epochs) {
        const double x = e.epoch + 1; // epochs as people count them
        if (!std::isnan(e.valAccuracy)) {
            m_valGraph->addData(x, e.valAccuracy);
            added = true;
        }
        if (!std::isnan(e.testAccuracy)) {
            m_testGraph->addData(x, e.testAccuracy);
            added = true;
        }
    }
    if (!added)
        return;
    bool found = false;
    const QCPRange keys = m_valGraph->data()->isEmpty() ? m_testGraph->getKeyRange(found)
                                                         : m_valGraph->getKeyRange(found);
    m_accuracy->xAxis->setRange(0.5, std::max(1.5, keys.upper + 0.5));
    m_accuracy->replot();
}

int EvaluationView::validationPoints() const
{
    return m_valGraph->dataCount();
}

int EvaluationView::testPoints() const
{
    return m_testGraph->dataCount();
}

void EvaluationView::setEvaluation(const Evaluation &evaluation)
{
    m_evaluation = evaluation;
    m_cell->clear();
    if (evaluation.isEmpty())
        m_summary->setText(tr("No test set: choose one in the Training panel (Test set) to see how often the model "
                              "is right on rows it never trained on."));
    else
        m_summary->setText(tr("Test set, %1 rows: %2").arg(evaluation.samples).arg(evaluation.summary()));
    const bool classes = evaluation.task == Evaluation::Task::Classification ||
                         evaluation.task == Evaluation::Task::Binary;
    m_matrix->setVisible(classes);
    m_table->setVisible(classes);
    m_save->setEnabled(classes);
    m_table->setRowCount(classes ? evaluation.classes() : 0);
    for (int c = 0; classes && c < evaluation.classes(); ++c) {
        qint64 support = 0;
        for (int p = 0; p < evaluation.classes(); ++p)
            support += evaluation.count(c, p);
        // Numbered as the matrix's columns are.
        const QStringList cells{QStringLiteral("%1  %2").arg(c).arg(evaluation.classNames.at(c)), figure(evaluation.precision.value(c)),
                                figure(evaluation.recall.value(c)), figure(evaluation.f1.value(c)),
                                QString::number(support)};
        for (int k = 0; k < cells.size(); ++k) {
            auto *item = new QTableWidgetItem(cells.at(k));
            if (k > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(c, k, item);
        }
    }
    showMatrix();
}

QString EvaluationView::summaryText() const
{
    return m_summary->text();
}

QString EvaluationView::cellText() const
{
    return m_cell->text();
}

void EvaluationView::showMatrix()
{
    m_matrix->clearPlottables();
    m_matrix->clearItems();
    m_map = nullptr;
    const int n = m_evaluation.classes();
    if (n == 0 || !m_matrix->isVisibleTo(this)) {
        m_matrix->replot();
        return;
    }
    m_map = new QCPColorMap(m_matrix->xAxis, m_matrix->yAxis);
    m_map->data()->setSize(n, n);
    m_map->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
    // Each row's share of its true class: a class with few rows reads as well as one with many.
    for (int t = 0; t < n; ++t) {
        qint64 row = 0;
        for (int p = 0; p < n; ++p)
            row += m_evaluation.count(t, p);
        for (int p = 0; p < n; ++p)
            m_map->data()->setCell(p, t, row ? double(m_evaluation.count(t, p)) / double(row) : 0.0);
    }
    QCPColorGradient gradient;
    gradient.clearColorStops();
    gradient.setColorStopAt(0, QColor(250, 250, 250));
    gradient.setColorStopAt(1, QColor(31, 80, 160));
    m_map->setGradient(gradient);
    m_map->setDataRange(QCPRange(0, 1));
    m_map->setInterpolate(false);
    // Counts in the cells, white on the dark ones (sized by fitCellText).
    for (int t = 0; t < n; ++t) {
        qint64 row = 0;
        for (int p = 0; p < n; ++p)
            row += m_evaluation.count(t, p);
        for (int p = 0; p < n; ++p) {
            auto *text = new QCPItemText(m_matrix);
            text->position->setCoords(p, t);
            text->setText(QString::number(m_evaluation.count(t, p)));
            const double share = row ? double(m_evaluation.count(t, p)) / double(row) : 0.0;
            text->setColor(share > 0.5 ? Qt::white : Qt::black);
        }
    }
    // The class names down the side, their numbers (as in the table) along
    // the bottom: rotated names would take the cells' room.
    for (QCPAxis *axis : {m_matrix->xAxis, m_matrix->yAxis}) {
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (int c = 0; c < n; ++c)
            ticker->addTick(c, axis == m_matrix->yAxis ? QStringLiteral("%1  %2").arg(m_evaluation.classNames.at(c)).arg(c)
                                                       : QString::number(c));
        axis->setTicker(ticker);
        axis->setRange(-0.5, n - 0.5);
        axis->grid()->setVisible(false);
        axis->setSubTicks(false);
    }
    m_cellPixels = 0;
    m_matrix->replot(); // its layout fits the counts to the cells
}

void EvaluationView::fitCellText()
{
    const int n = m_evaluation.classes();
    if (!m_map || n == 0)
        return;
    // The counts as large as a cell allows, none where the cells are too small to read.
    const QRect rect = m_matrix->axisRect()->rect();
    const double cell = std::min(rect.width(), rect.height()) / double(n);
    qint64 most = 1;
    for (qint64 v : m_evaluation.confusion)
        most = std::max(most, v);
    const int digits = int(QString::number(most).size());
    const int pixels = std::clamp(int(std::min(cell * 0.6, cell * 1.7 / std::max(digits, 1))), 1, 14);
    if (pixels == m_cellPixels)
        return;
    m_cellPixels = pixels;
    for (int k = 0; k < m_matrix->itemCount(); ++k) {
        auto *text = qobject_cast<QCPItemText *>(m_matrix->item(k));
        if (!text)
            continue;
        QFont font = m_matrix->font();
        font.setPixelSize(pixels);
        text->setFont(font);
        text->setVisible(pixels >= 6);
    }
    m_matrix->replot(QCustomPlot::rpQueuedReplot);
}

QPoint EvaluationView::cellCentre(int truth, int predicted) const
{
    return QPoint(int(m_matrix->xAxis->coordToPixel(predicted)), int(m_matrix->yAxis->coordToPixel(truth)));
}

void EvaluationView::onMatrixClicked(QMouseEvent *event)
{
    const int n = m_evaluation.classes();
    if (!m_map || n == 0)
        return;
    const int predicted = int(std::lround(m_matrix->xAxis->pixelToCoord(event->pos().x())));
    const int truth = int(std::lround(m_matrix->yAxis->pixelToCoord(event->pos().y())));
    if (predicted < 0 || predicted >= n || truth < 0 || truth >= n)
        return;
    selectCell(truth, predicted);
}

void EvaluationView::selectCell(int truth, int predicted)
{
    const int n = m_evaluation.classes();
    if (truth < 0 || truth >= n || predicted < 0 || predicted >= n)
        return;
    const qint64 count = m_evaluation.count(truth, predicted);
    qint64 row = 0;
    for (int p = 0; p < n; ++p)
        row += m_evaluation.count(truth, p);
    const QString t = m_evaluation.classNames.at(truth);
    const QString p = m_evaluation.classNames.at(predicted);
    const QString share = row ? QString::number(100.0 * double(count) / double(row), 'f', 1) : QStringLiteral("0");
    m_cell->setText(truth == predicted ? tr("%1 of %2 rows of %3 (%4%) were recognised.").arg(count).arg(row).arg(t, share)
                                       : tr("%1 of %2 rows of %3 (%4%) were taken for %5.")
                                             .arg(count).arg(row).arg(t, share, p));
    Q_EMIT cellChosen(truth, predicted, count);
}

bool EvaluationView::saveMatrixPng(const QString &path, QString *error) const
{
    if (!m_map) {
        if (error)
            *error = tr("There is no confusion matrix to save yet.");
        return false;
    }
    if (!m_matrix->savePng(path, 600, 520)) {
        if (error)
            *error = tr("Cannot write %1.").arg(QDir::toNativeSeparators(path));
        return false;
    }
    return true;
}

void EvaluationView::onSave()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Confusion Matrix"), QString(),
                                                      tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveMatrixPng(path, &error))
        QMessageBox::warning(this, tr("Save Confusion Matrix"), error);
}

} // namespace mc
