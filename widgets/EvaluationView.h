#pragma once

#include "training/Evaluation.h"
#include "training/TrainingProgress.h"

#include <QVector>
#include <QWidget>

class QCPColorMap;
class QCPGraph;
class QCustomPlot;
class QLabel;
class QPushButton;
class QTableWidget;

namespace mc {

/// The verdict of a run: the accuracy per epoch (validation and, when the
/// run evaluates it each epoch, test), the test set's confusion matrix as a
/// colour map with the class names on both axes and the counts in its
/// cells, and the per-class precision, recall and F1. Regression shows its
/// figures as text. Clicking a cell says how many rows of that true class
/// were predicted as which.
class EvaluationView : public QWidget
{
    Q_OBJECT
public:
    explicit EvaluationView(QWidget *parent = nullptr);

    /// Forgets every figure (a new document, a new run).
    void clear();
    /// Finished epochs as the run reports them; those without an accuracy add nothing.
    void appendEpochs(const QVector<EpochPoint> &epochs);
    /// The test set's verdict at the end of a run (empty: "No test set").
    void setEvaluation(const Evaluation &evaluation);

    const Evaluation &evaluation() const { return m_evaluation; }
    /// The summary line shown above the views.
    QString summaryText() const;
    /// The text of the line that describes the clicked cell.
    QString cellText() const;
    /// Chooses the cell (true class, predicted class), as a click on it does.
    void selectCell(int truth, int predicted);
    /// Where the centre of a cell is, in the matrix plot's widget coordinates.
    QPoint cellCentre(int truth, int predicted) const;

    QCustomPlot *accuracyPlot() const { return m_accuracy; }
    QCustomPlot *matrixPlot() const { return m_matrix; }
    QTableWidget *classTable() const { return m_table; }
    /// Points of the accuracy curves: validation and test.
    int validationPoints() const;
    int testPoints() const;

    /// Writes the confusion matrix as a PNG; false with a sentence in `error`.
    bool saveMatrixPng(const QString &path, QString *error = nullptr) const;

Q_SIGNALS:
    /// A cell of the confusion matrix was chosen.
    void cellChosen(int truth, int predicted, qint64 count);

private:
    void showMatrix();
    void fitCellText();
    void onMatrixClicked(QMouseEvent *event);
    void onSave();

    Evaluation m_evaluation;
    QLabel *m_summary;
    QLabel *m_cell;
    QCustomPlot *m_accuracy;
    QCPGraph *m_valGraph;
    QCPGraph *m_testGraph;
    QCustomPlot *m_matrix;
    QCPColorMap *m_map = nullptr;
    int m_cellPixels = 0; ///< The counts' font size now.
    QTableWidget *m_table;
    QPushButton *m_save;
};

} // namespace mc
