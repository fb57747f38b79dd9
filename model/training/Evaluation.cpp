#include "training/Evaluation.h"

#include <QJsonArray>

#include <algorithm>
#include <numeric>

namespace mc {

namespace {

QString figure(double v)
{
    return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', 4);
}

QJsonValue jsonNumber(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QJsonArray jsonNumbers(const QVector<double> &values)
{
    QJsonArray a;
    for (double v : values)
        a.append(jsonNumber(v));
    return a;
}

const char *const kTasks[] = {"none", "classification", "binary", "regression"};

double numberFrom(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : Evaluation::kNaN;
}

QVector<double> numbersFrom(const QJsonValue &v)
{
    QVector<double> values;
    for (const QJsonValue &x : v.toArray())
        values.append(numberFrom(x));
    return values;
}

QString padded(const QString &text, int width, bool left = false)
{
    return left ? text.leftJustified(width) : text.rightJustified(width);
}

} // namespace

double Evaluation::macroF1() const
{
    if (f1.isEmpty())
        return kNaN;
    double sum = 0;
    for (double v : f1)
        sum += v;
    return sum / double(f1.size());
}

QString Evaluation::summary() const
{
    switch (task) {
    case Task::None:
        return QStringLiteral("not evaluated");
    case Task::Classification:
    case Task::Binary: {
        const qint64 decisions = task == Task::Binary ? std::accumulate(confusion.begin(), confusion.end(), qint64(0))
                                                      : samples;
        const qint64 right = qint64(std::llround(accuracy * double(decisions)));
        QString text = QStringLiteral("accuracy %1 (%2 of %3)").arg(figure(accuracy)).arg(right).arg(decisions);
        if (!std::isnan(top5))
            text += QStringLiteral(", top-5 %1").arg(figure(top5));
        text += QStringLiteral(", macro F1 %1").arg(figure(macroF1()));
        return text + QStringLiteral(", loss %1").arg(figure(loss));
    }
    case Task::Regression:
        return QStringLiteral("%1 %2, MAE %3, R² %4")
            .arg(reconstruction ? QStringLiteral("reconstruction error (MSE)") : QStringLiteral("MSE"), figure(mse),
                 figure(mae), figure(r2));
    }
    return QString();
}

QString Evaluation::report() const
{
    QString text = summary() + QLatin1Char('\n');
    if (task != Task::Classification && task != Task::Binary)
        return text;
    const int n = classes();
    int nameWidth = 5;
    for (const QString &name : classNames)
        nameWidth = std::max(nameWidth, int(name.size()));
    text += padded(QStringLiteral("class"), nameWidth, true) + QStringLiteral("  precision  recall      F1  support\n");
    for (int c = 0; c < n; ++c) {
        qint64 support = 0;
        for (int p = 0; p < n; ++p)
            support += count(c, p);
        text += padded(classNames.at(c), nameWidth, true) + QStringLiteral("  ") + padded(figure(precision.at(c)), 9) +
                QStringLiteral("  ") + padded(figure(recall.at(c)), 6) + QStringLiteral("  ") +
                padded(figure(f1.at(c)), 6) + QStringLiteral("  ") + padded(QString::number(support), 7) +
                QLatin1Char('\n');
    }
    // The confusion matrix: a row per true class, a column per predicted one,
    // the columns headed by the classes' numbers to stay narrow.
    qint64 most = 1;
    for (qint64 v : confusion)
        most = std::max(most, v);
    const int cell = std::max(int(QString::number(most).size()), int(QString::number(n - 1).size())) + 1;
    text += QStringLiteral("confusion (rows: true class, columns: predicted)\n");
    text += padded(QString(), nameWidth + 5, true);
    for (int p = 0; p < n; ++p)
        text += padded(QString::number(p), cell);
    text += QLatin1Char('\n');
    for (int c = 0; c < n; ++c) {
        text += padded(QString::number(c), 3) + QStringLiteral("  ") + padded(classNames.at(c), nameWidth, true);
        for (int p = 0; p < n; ++p)
            text += padded(QString::number(count(c, p)), cell);
        text += QLatin1Char('\n');
    }
    return text;
}

QJsonObject Evaluation::toJson() const
{
    QJsonObject o{{QStringLiteral("task"), QLatin1String(kTasks[int(task)])},
                  {QStringLiteral("samples"), samples},
                  {QStringLiteral("loss"), jsonNumber(loss)}};
    if (task == Task::Classification || task == Task::Binary) {
        o.insert(QStringLiteral("accuracy"), jsonNumber(accuracy));
        if (!std::isnan(top5))
            o.insert(QStringLiteral("top5"), jsonNumber(top5));
        o.insert(QStringLiteral("macro_f1"), jsonNumber(macroF1()));
        o.insert(QStringLiteral("classes"), QJsonArray::fromStringList(classNames));
        o.insert(QStringLiteral("precision"), jsonNumbers(precision));
        o.insert(QStringLiteral("recall"), jsonNumbers(recall));
        o.insert(QStringLiteral("f1"), jsonNumbers(f1));
        QJsonArray rows;
        for (int c = 0; c < classes(); ++c) {
            QJsonArray row;
            for (int p = 0; p < classes(); ++p)
                row.append(count(c, p));
            rows.append(row);
        }
        o.insert(QStringLiteral("confusion"), rows);
    } else if (task == Task::Regression) {
        o.insert(QStringLiteral("mse"), jsonNumber(mse));
        o.insert(QStringLiteral("mae"), jsonNumber(mae));
        o.insert(QStringLiteral("r2"), jsonNumber(r2));
        o.insert(QStringLiteral("reconstruction"), reconstruction);
    }
    return o;
}

Evaluation Evaluation::fromJson(const QJsonObject &json)
{
    Evaluation e;
    const QString task = json.value(QStringLiteral("task")).toString();
    for (int k = 0; k < 4; ++k)
        if (task == QLatin1String(kTasks[k]))
            e.task = Task(k);
    if (e.task == Task::None)
        return e;
    e.samples = qint64(json.value(QStringLiteral("samples")).toDouble());
    e.loss = numberFrom(json.value(QStringLiteral("loss")));
    if (e.task == Task::Regression) {
        e.mse = numberFrom(json.value(QStringLiteral("mse")));
        e.mae = numberFrom(json.value(QStringLiteral("mae")));
        e.r2 = numberFrom(json.value(QStringLiteral("r2")));
        e.reconstruction = json.value(QStringLiteral("reconstruction")).toBool();
        return e;
    }
    e.accuracy = numberFrom(json.value(QStringLiteral("accuracy")));
    e.top5 = numberFrom(json.value(QStringLiteral("top5")));
    for (const QJsonValue &name : json.value(QStringLiteral("classes")).toArray())
        e.classNames.append(name.toString());
    e.precision = numbersFrom(json.value(QStringLiteral("precision")));
    e.recall = numbersFrom(json.value(QStringLiteral("recall")));
    e.f1 = numbersFrom(json.value(QStringLiteral("f1")));
    const QJsonArray rows = json.value(QStringLiteral("confusion")).toArray();
    const int n = e.classes();
    if (rows.size() != n || e.precision.size() != n || e.recall.size() != n || e.f1.size() != n)
        return Evaluation(); // not what toJson() wrote
    e.confusion.assign(size_t(n * n), 0);
    for (int c = 0; c < n; ++c) {
        const QJsonArray row = rows.at(c).toArray();
        if (row.size() != n)
            return Evaluation();
        for (int p = 0; p < n; ++p)
            e.confusion[size_t(c * n + p)] = qint64(row.at(p).toDouble());
    }
    return e;
}

} // namespace mc
