#include "training/ProgressJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace mc {

namespace {

QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

double numberOf(const QJsonValue &value)
{
    return value.isDouble() ? value.toDouble() : std::numeric_limits<double>::quiet_NaN();
}

QByteArray line(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

const char *outcomeName(TrainingResult::Outcome outcome)
{
    switch (outcome) {
    case TrainingResult::Outcome::Completed:
        return "completed";
    case TrainingResult::Outcome::Stopped:
        return "stopped";
    case TrainingResult::Outcome::EarlyStopped:
        return "early_stopped";
    case TrainingResult::Outcome::Failed:
        return "failed";
    }
    return "failed";
}

} // namespace

QByteArray ProgressJson::progressLine(const TrainingProgress &p)
{
    QJsonArray losses;
    for (const LossPoint &l : p.losses)
        losses.append(QJsonArray{double(l.step), l.epoch, number(double(l.loss))});
    QJsonArray epochs;
    for (const EpochPoint &e : p.epochs)
        epochs.append(QJsonObject{{QStringLiteral("epoch"), e.epoch},
                                  {QStringLiteral("end_step"), double(e.endStep)},
                                  {QStringLiteral("train_loss"), number(e.trainLoss)},
                                  {QStringLiteral("val_loss"), number(e.valLoss)},
                                  {QStringLiteral("samples_per_second"), number(e.samplesPerSecond)},
                                  {QStringLiteral("seconds"), number(e.seconds)},
                                  {QStringLiteral("learning_rate"), number(e.learningRate)},
                                  {QStringLiteral("val_accuracy"), number(e.valAccuracy)},
                                  {QStringLiteral("test_loss"), number(e.testLoss)},
                                  {QStringLiteral("test_accuracy"), number(e.testAccuracy)}});
    return line(QJsonObject{{QStringLiteral("type"), QStringLiteral("progress")},
                            {QStringLiteral("epoch"), p.epoch},
                            {QStringLiteral("step"), double(p.step)},
                            {QStringLiteral("total_steps"), double(p.totalSteps)},
                            {QStringLiteral("samples_per_second"), number(p.samplesPerSecond)},
                            {QStringLiteral("losses"), losses},
                            {QStringLiteral("epochs"), epochs}});
}

QByteArray ProgressJson::resultLine(const TrainingResult &r)
{
    return line(QJsonObject{{QStringLiteral("type"), QStringLiteral("result")},
                            {QStringLiteral("outcome"), QLatin1String(outcomeName(r.outcome))},
                            {QStringLiteral("message"), r.message},
                            {QStringLiteral("epochs"), r.epochs},
                            {QStringLiteral("steps"), double(r.steps)},
                            {QStringLiteral("seconds"), number(r.seconds)},
                            {QStringLiteral("last_train_loss"), number(r.lastTrainLoss)},
                            {QStringLiteral("last_val_loss"), number(r.lastValLoss)},
                            {QStringLiteral("kept_epoch"), r.keptEpoch},
                            {QStringLiteral("kept_val_loss"), number(r.keptValLoss)},
                            {QStringLiteral("evaluation"), r.evaluation.toJson()}});
}

QByteArray ProgressJson::textLine(const QString &type, const QString &text, int worldSize)
{
    QJsonObject o{{QStringLiteral("type"), type}, {QStringLiteral("text"), text}};
    if (type == QLatin1String("plan"))
        o.insert(QStringLiteral("world_size"), worldSize);
    return line(o);
}

std::optional<ProgressJson::Line> ProgressJson::parse(const QByteArray &text)
{
    const QByteArray trimmed = text.trimmed();
    if (!trimmed.startsWith('{'))
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    Line l;
    l.type = o.value(QStringLiteral("type")).toString();
    if (l.type == QLatin1String("progress")) {
        TrainingProgress &p = l.progress;
        p.epoch = o.value(QStringLiteral("epoch")).toInt();
        p.step = qint64(o.value(QStringLiteral("step")).toDouble());
        p.totalSteps = qint64(o.value(QStringLiteral("total_steps")).toDouble());
        p.samplesPerSecond = o.value(QStringLiteral("samples_per_second")).toDouble();
        for (const QJsonValue &v : o.value(QStringLiteral("losses")).toArray()) {
            const QJsonArray a = v.toArray();
            p.losses.append(LossPoint{qint64(a.at(0).toDouble()), a.at(1).toInt(), float(numberOf(a.at(2)))});
        }
        for (const QJsonValue &v : o.value(QStringLiteral("epochs")).toArray()) {
            const QJsonObject e = v.toObject();
            EpochPoint point;
            point.epoch = e.value(QStringLiteral("epoch")).toInt();
            point.endStep = qint64(e.value(QStringLiteral("end_step")).toDouble());
            point.trainLoss = numberOf(e.value(QStringLiteral("train_loss")));
            point.valLoss = numberOf(e.value(QStringLiteral("val_loss")));
            point.samplesPerSecond = numberOf(e.value(QStringLiteral("samples_per_second")));
            point.seconds = numberOf(e.value(QStringLiteral("seconds")));
            point.learningRate = numberOf(e.value(QStringLiteral("learning_rate")));
            point.valAccuracy = numberOf(e.value(QStringLiteral("val_accuracy")));
            point.testLoss = numberOf(e.value(QStringLiteral("test_loss")));
            point.testAccuracy = numberOf(e.value(QStringLiteral("test_accuracy")));
            p.epochs.append(point);
        }
        return l;
    }
    if (l.type == QLatin1String("result")) {
        TrainingResult &r = l.result;
        const QString outcome = o.value(QStringLiteral("outcome")).toString();
        r.outcome = outcome == QLatin1String("completed")       ? TrainingResult::Outcome::Completed
                    : outcome == QLatin1String("stopped")       ? TrainingResult::Outcome::Stopped
                    : outcome == QLatin1String("early_stopped") ? TrainingResult::Outcome::EarlyStopped
                                                                : TrainingResult::Outcome::Failed;
        r.message = o.value(QStringLiteral("message")).toString();
        r.epochs = o.value(QStringLiteral("epochs")).toInt();
        r.steps = qint64(o.value(QStringLiteral("steps")).toDouble());
        r.seconds = numberOf(o.value(QStringLiteral("seconds")));
        r.lastTrainLoss = numberOf(o.value(QStringLiteral("last_train_loss")));
        r.lastValLoss = numberOf(o.value(QStringLiteral("last_val_loss")));
        r.keptEpoch = o.value(QStringLiteral("kept_epoch")).toInt(-1);
        r.keptValLoss = numberOf(o.value(QStringLiteral("kept_val_loss")));
        r.evaluation = Evaluation::fromJson(o.value(QStringLiteral("evaluation")).toObject());
        return l;
    }
    if (l.type == QLatin1String("plan") || l.type == QLatin1String("warning") || l.type == QLatin1String("checkpoint")) {
        l.text = o.value(QStringLiteral("text")).toString();
        l.worldSize = o.value(QStringLiteral("world_size")).toInt(1);
        return l;
    }
    return std::nullopt;
}

} // namespace mc
