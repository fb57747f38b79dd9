#pragma once

// Plain values, no LibTorch: the window shows them (training/Evaluator.h
// computes them).

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cmath>
#include <limits>
#include <vector>

namespace mc {

/// What a trained model gives on rows it never trained on: the metrics that
/// fit its loss (docs/training.md, "Evaluation").
///
/// - Classification (cross entropy, NLL): accuracy, top-5 accuracy with more
///   than five classes, per-class precision, recall and F1, and the confusion
///   matrix; the predicted class is the highest score.
/// - Binary (BCE, BCE with logits): every output value is a yes/no decision
///   (probability ≥ 0.5, or logit ≥ 0), the same metrics over two classes.
/// - Regression (MSE, L1, smooth L1): MSE, MAE and R²; when the output is
///   compared with the input itself (an autoencoder), the MSE is its
///   reconstruction error.
struct Evaluation
{
    enum class Task {
        None,           ///< Nothing evaluated.
        Classification, ///< Class-index targets.
        Binary,         ///< 0/1 targets, one decision per output value.
        Regression,     ///< Real targets.
    };
    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

    Task task = Task::None;
    qint64 samples = 0;  ///< Rows evaluated.
    double loss = kNaN;  ///< The training loss, averaged over the rows.

    // Classification and Binary.
    QStringList classNames;      ///< Label 0 first.
    std::vector<qint64> confusion; ///< classes × classes, row-major: row the true class, column the predicted one.
    double accuracy = kNaN;      ///< Right decisions over all decisions.
    double top5 = kNaN;          ///< With more than five classes: the true class among the five highest scores.
    QVector<double> precision;   ///< Per class: right among those predicted as it (0 when none is).
    QVector<double> recall;      ///< Per class: found among those of it (0 when there are none).
    QVector<double> f1;          ///< Per class: the harmonic mean of the two (0 when both are 0).
    /// Classification: every row's predicted class, in the rows' order (for a
    /// look at the predictions); empty for Binary.
    std::vector<qint64> predicted;
    /// Classification: every row's true class.
    std::vector<qint64> truth;

    // Regression.
    double mse = kNaN;
    double mae = kNaN;
    /// 1 − Σ(output − target)² / Σ(target − its column's mean)²: the share of
    /// the targets' variance the model explains, over all output columns
    /// (scikit-learn's "variance_weighted"); NaN when the targets do not vary.
    double r2 = kNaN;
    bool reconstruction = false; ///< The targets are the inputs themselves.

    int classes() const { return int(classNames.size()); }
    /// Rows of true class `truth` predicted as `predicted`.
    qint64 count(int truth, int predicted) const { return confusion[size_t(truth * classes() + predicted)]; }
    /// The unweighted mean of the per-class F1 scores.
    double macroF1() const;
    bool isEmpty() const { return task == Task::None; }

    /// One line: "accuracy 0.8812 (8,812 of 10,000), top-5 0.9971, loss 0.3301".
    QString summary() const;
    /// The summary, then per-class precision, recall and F1 and the confusion
    /// matrix as text tables (the command line prints it).
    QString report() const;
    /// Every figure, for --json and files: {"task", "samples", "loss", ...};
    /// the rows' predicted and true classes are left out.
    QJsonObject toJson() const;
    /// Reads what toJson() wrote (a worker's result line); anything else
    /// gives an empty Evaluation.
    static Evaluation fromJson(const QJsonObject &json);
};

} // namespace mc

Q_DECLARE_METATYPE(mc::Evaluation)
