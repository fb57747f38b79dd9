#include "training/Checkpoint.h"

#include "analysis/Analysis.h"
#include "document/ProjectFile.h"
#include "document/SaveFile.h"
#include "document/ZipDirectory.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QHash>
#include <QSet>

#include <torch/serialize.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace mc {

namespace {

constexpr qint64 kMaxBytes = qint64(8) * 1024 * 1024 * 1024;
// epoch, end step, train loss, val loss, samples/s, seconds, learning rate,
// val accuracy, test loss, test accuracy; files written before the last three
// came have the first 7.
constexpr int kEpochColumns = 10;
constexpr int kEpochColumnsBefore = 7;

torch::Tensor bytesTensor(const QByteArray &bytes)
{
    torch::Tensor t = torch::empty({qint64(bytes.size())}, torch::kUInt8);
    if (!bytes.isEmpty())
        std::memcpy(t.data_ptr<uint8_t>(), bytes.constData(), size_t(bytes.size()));
    return t;
}

QByteArray tensorBytes(const torch::Tensor &t)
{
    const torch::Tensor c = t.contiguous();
    return QByteArray(reinterpret_cast<const char *>(c.data_ptr<uint8_t>()), qsizetype(c.numel()));
}

std::string json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

QString shape(const torch::Tensor &t)
{
    QStringList dims;
    for (int64_t d : t.sizes())
        dims.append(QString::number(d));
    return QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")));
}

/// Reads the checkpoint dictionary, checking every entry's type.
class Entries
{
public:
    Entries(c10::impl::GenericDict dict, QString source)
        : m_dict(std::move(dict)), m_source(std::move(source))
    {}

    [[noreturn]] void damaged(const char *key) const
    {
        throw CheckpointError(QStringLiteral("%1 is damaged: its `%2` entry is missing or has the wrong type.")
                                  .arg(m_source, QLatin1String(key)));
    }

    c10::IValue get(const char *key) const
    {
        const auto it = m_dict.find(c10::IValue(std::string(key)));
        if (it == m_dict.end())
            damaged(key);
        return it->value();
    }

    int64_t integer(const char *key, int64_t min, int64_t max) const
    {
        const c10::IValue v = get(key);
        if (!v.isInt() || v.toInt() < min || v.toInt() > max)
            damaged(key);
        return v.toInt();
    }

    double real(const char *key) const
    {
        const c10::IValue v = get(key);
        if (!v.isDouble())
            damaged(key);
        return v.toDouble();
    }

    std::string string(const char *key) const
    {
        const c10::IValue v = get(key);
        if (!v.isString())
            damaged(key);
        return v.toStringRef();
    }

    torch::Tensor tensor(const char *key, c10::ScalarType type, int64_t dims) const
    {
        const c10::IValue v = get(key);
        if (!v.isTensor() || v.toTensor().scalar_type() != type || v.toTensor().dim() != dims)
            damaged(key);
        return v.toTensor().contiguous();
    }

    QJsonObject object(const char *key) const
    {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(string(key)), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            damaged(key);
        return doc.object();
    }

private:
    c10::impl::GenericDict m_dict;
    QString m_source;
};

} // namespace

QByteArray Checkpoint::toBytes() const
{
    try {
        c10::Dict<std::string, torch::Tensor> weights;
        for (const auto &[name, tensor] : tensors)
            weights.insert(name, tensor.detach().contiguous());

        const int64_t n = int64_t(losses.size());
        torch::Tensor lossValues = torch::empty({n}, torch::kFloat32);
        torch::Tensor lossEpochs = torch::empty({n}, torch::kInt64);
        for (int64_t k = 0; k < n; ++k) {
            lossValues.data_ptr<float>()[k] = losses[size_t(k)].loss;
            lossEpochs.data_ptr<int64_t>()[k] = losses[size_t(k)].epoch;
        }
        torch::Tensor epochTable = torch::empty({int64_t(epochs.size()), kEpochColumns}, torch::kFloat64);
        for (int k = 0; k < epochs.size(); ++k) {
            const EpochPoint &e = epochs.at(k);
            double *row = epochTable.data_ptr<double>() + k * kEpochColumns;
            row[0] = e.epoch;
            row[1] = double(e.endStep);
            row[2] = e.trainLoss;
            row[3] = e.valLoss;
            row[4] = e.samplesPerSecond;
            row[5] = e.seconds;
            row[6] = e.learningRate;
            row[7] = e.valAccuracy;
            row[8] = e.testLoss;
            row[9] = e.testAccuracy;
        }

        c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
        d.insert(std::string("format"), std::string(kFormat));
        d.insert(std::string("version"), int64_t(kVersion));
        d.insert(std::string("project"), json(project));
        d.insert(std::string("settings"), json(settings.toJson()));
        d.insert(std::string("weights"), weights);
        d.insert(std::string("optimizer"), bytesTensor(optimizerState));
        d.insert(std::string("rng_state"), rngState.defined() ? rngState.contiguous() : torch::empty({0}, torch::kUInt8));
        d.insert(std::string("epoch"), int64_t(epoch));
        d.insert(std::string("batch_in_epoch"), int64_t(batchInEpoch));
        d.insert(std::string("step"), int64_t(step));
        d.insert(std::string("losses"), lossValues);
        d.insert(std::string("loss_epochs"), lossEpochs);
        d.insert(std::string("epochs"), epochTable);
        d.insert(std::string("best_val_loss"), bestValLoss);
        d.insert(std::string("epochs_without_improvement"), int64_t(epochsWithoutImprovement));
        const std::vector<char> data = torch::pickle_save(c10::IValue(d));
        return QByteArray(data.data(), qsizetype(data.size()));
    } catch (const c10::Error &e) {
        throw CheckpointError(QStringLiteral("The checkpoint cannot be serialized: %1")
                                  .arg(QString::fromStdString(e.what_without_backtrace())));
    }
}

Checkpoint Checkpoint::fromBytes(const QByteArray &bytes, const QString &source)
{
    const auto unreadable = [&] {
        return CheckpointError(QStringLiteral("%1 is not a readable checkpoint: it is truncated, damaged or "
                                              "not a Model Composer checkpoint.").arg(source));
    };
    // The archive must lie wholly inside the bytes before LibTorch reads it:
    // LibTorch 1.13's reader copies past the end of a truncated one (found by
    // AddressSanitizer in tst_clitrain's truncated checkpoint).
    QBuffer device;
    device.setData(bytes);
    device.open(QIODevice::ReadOnly);
    try {
        for (const ZipEntry &entry : readZipDirectory(device))
            zipEntryData(device, entry);
    } catch (const ZipFailure &) {
        throw unreadable();
    }
    c10::IValue root;
    try {
        root = torch::pickle_load(std::vector<char>(bytes.constBegin(), bytes.constEnd()));
    } catch (const std::exception &) {
        throw unreadable();
    }
    if (!root.isGenericDict())
        throw CheckpointError(QStringLiteral("%1 is not a Model Composer checkpoint.").arg(source));
    const Entries e(root.toGenericDict(), source);
    if (!root.toGenericDict().contains(c10::IValue(std::string("format"))) || e.string("format") != kFormat)
        throw CheckpointError(QStringLiteral("%1 is not a Model Composer checkpoint.").arg(source));
    const int64_t version = e.integer("version", 1, 1000000);
    if (version > kVersion)
        throw CheckpointError(QStringLiteral("%1 was written by a newer Model Composer (checkpoint format %2; "
                                             "this one reads up to %3).").arg(source).arg(version).arg(kVersion));

    Checkpoint c;
    c.project = e.object("project");
    try {
        c.settings = TrainingSettings::fromJson(e.object("settings"));
    } catch (const ProjectFormatError &error) {
        throw CheckpointError(QStringLiteral("%1 holds settings this version cannot read: %2")
                                  .arg(source, error.message()));
    }
    const c10::IValue weights = e.get("weights");
    if (!weights.isGenericDict())
        e.damaged("weights");
    for (const auto &entry : weights.toGenericDict()) {
        if (!entry.key().isString() || !entry.value().isTensor())
            e.damaged("weights");
        c.tensors.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    }
    c.optimizerState = tensorBytes(e.tensor("optimizer", torch::kUInt8, 1));
    c.rngState = e.tensor("rng_state", torch::kUInt8, 1);
    c.epoch = qint32(e.integer("epoch", 0, 1000000000));
    c.batchInEpoch = e.integer("batch_in_epoch", 0, std::numeric_limits<qint64>::max());
    c.step = e.integer("step", 0, std::numeric_limits<qint64>::max());
    const torch::Tensor lossValues = e.tensor("losses", torch::kFloat32, 1);
    const torch::Tensor lossEpochs = e.tensor("loss_epochs", torch::kInt64, 1);
    if (lossValues.numel() != c.step || lossEpochs.numel() != c.step)
        e.damaged("losses");
    c.losses.resize(size_t(c.step));
    for (int64_t k = 0; k < c.step; ++k)
        c.losses[size_t(k)] = LossPoint{k, qint32(lossEpochs.data_ptr<int64_t>()[k]), lossValues.data_ptr<float>()[k]};
    const torch::Tensor epochTable = e.tensor("epochs", torch::kFloat64, 2);
    const int64_t columns = epochTable.size(1);
    if (columns != kEpochColumns && columns != kEpochColumnsBefore)
        e.damaged("epochs");
    for (int64_t k = 0; k < epochTable.size(0); ++k) {
        const double *row = epochTable.data_ptr<double>() + k * columns;
        EpochPoint p;
        p.epoch = qint32(row[0]);
        p.endStep = qint64(row[1]);
        p.trainLoss = row[2];
        p.valLoss = row[3];
        p.samplesPerSecond = row[4];
        p.seconds = row[5];
        p.learningRate = row[6];
        if (columns == kEpochColumns) {
            p.valAccuracy = row[7];
            p.testLoss = row[8];
            p.testAccuracy = row[9];
        }
        c.epochs.append(p);
    }
    c.bestValLoss = e.real("best_val_loss");
    c.epochsWithoutImprovement = qint32(e.integer("epochs_without_improvement", 0, 1000000000));
    return c;
}

bool Checkpoint::save(const QString &path, QString *error) const
{
    QByteArray bytes;
    try {
        bytes = toBytes();
    } catch (const CheckpointError &e) {
        if (error)
            *error = e.message();
        return false;
    }
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error)
            *error = QStringLiteral("Cannot create the folder %1.").arg(info.absolutePath());
        return false;
    }
    QString reason;
    if (!saveFileAtomically(path, bytes, &reason)) {
        if (error)
            *error = QStringLiteral("Cannot write the checkpoint %1: %2.").arg(path, reason);
        return false;
    }
    return true;
}

Checkpoint Checkpoint::load(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        throw CheckpointError(QStringLiteral("The checkpoint %1 does not exist.").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        throw CheckpointError(QStringLiteral("The checkpoint %1 cannot be read: %2.").arg(path, file.errorString()));
    if (file.size() > kMaxBytes)
        throw CheckpointError(QStringLiteral("The checkpoint %1 is larger than %2 GiB.").arg(path).arg(kMaxBytes >> 30));
    return fromBytes(file.readAll(), QStringLiteral("The checkpoint %1").arg(path));
}

std::vector<std::pair<std::string, torch::Tensor>> Checkpoint::namedTensors(const torch::nn::Module &module, bool clone)
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto &p : module.named_parameters())
        out.emplace_back(p.key(), clone ? p.value().detach().clone() : p.value());
    for (const auto &b : module.named_buffers())
        out.emplace_back(b.key(), clone ? b.value().detach().clone() : b.value());
    return out;
}

std::optional<QString> Checkpoint::mismatch(const torch::nn::Module &module) const
{
    std::map<std::string, torch::Tensor> saved(tensors.begin(), tensors.end());
    const auto current = namedTensors(module, false);
    for (const auto &[name, tensor] : current) {
        const auto it = saved.find(name);
        if (it == saved.end())
            return QStringLiteral("The checkpoint was saved from a different model: it has no `%1`, which this "
                                  "project's model has.").arg(QString::fromStdString(name));
        if (it->second.sizes() != tensor.sizes())
            return QStringLiteral("The checkpoint was saved from a different model: its `%1` is %2 where this "
                                  "project's is %3.")
                .arg(QString::fromStdString(name), shape(it->second), shape(tensor));
        saved.erase(it);
    }
    if (!saved.empty())
        return QStringLiteral("The checkpoint was saved from a different model: it has `%1`, which this "
                              "project's model does not.").arg(QString::fromStdString(saved.begin()->first));
    return std::nullopt;
}

void Checkpoint::loadWeights(torch::nn::Module &module) const
{
    if (const auto why = mismatch(module))
        throw CheckpointError(*why);
    std::map<std::string, torch::Tensor> saved(tensors.begin(), tensors.end());
    torch::NoGradGuard noGrad;
    for (auto &[name, tensor] : namedTensors(module, false)) {
        const torch::Tensor &source = saved.at(name);
        if (source.scalar_type() != tensor.scalar_type())
            throw CheckpointError(QStringLiteral("The checkpoint's `%1` has another number type than the model's.")
                                      .arg(QString::fromStdString(name)));
        tensor.copy_(source);
    }
}

namespace {
/// The instance (module path) that holds a parameter or buffer: its name without the last part.
QString ownerOf(const std::string &tensorName)
{
    const QString name = QString::fromStdString(tensorName);
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    return dot < 0 ? QString() : name.left(dot);
}

QString leafOf(const std::string &tensorName)
{
    const QString name = QString::fromStdString(tensorName);
    return name.mid(name.lastIndexOf(QLatin1Char('.')) + 1);
}

QString dims(const torch::Tensor &t)
{
    QStringList parts;
    for (int64_t d : t.sizes())
        parts.append(QString::number(d));
    return parts.isEmpty() ? QStringLiteral("scalar") : parts.join(QChar(0x00d7));
}

QHash<QString, SummaryRow> summaryByName(const ProjectData &project)
{
    QHash<QString, SummaryRow> rows;
    for (const SummaryRow &row : Analysis(project).summary())
        rows.insert(row.name, row);
    return rows;
}
} // namespace

QString WeightCarryOver::message() const
{
    QString text;
    if (complete())
        text = kept.size() == 1 ? QStringLiteral("Kept the trained weights of its one instance")
                                : QStringLiteral("Kept the trained weights of all %1 instances").arg(kept.size());
    else
        text = QStringLiteral("Kept trained weights for %1 instance%2").arg(kept.size()).arg(kept.size() == 1 ? "" : "s");
    QStringList resets;
    for (const Reset &r : reset)
        resets.append(r.why == Why::NewInstance ? QStringLiteral("%1 (new instance)").arg(r.instance)
                                                : QStringLiteral("%1 (its sizes changed: %2)").arg(r.instance, r.detail));
    if (!resets.isEmpty())
        text += QStringLiteral("; reset ") + resets.join(QStringLiteral(", "));
    if (!removed.isEmpty())
        text += QStringLiteral("; dropped the weights of removed %1").arg(removed.join(QStringLiteral(", ")));
    text += QLatin1Char('.');
    if (!optimizerKept && !optimizerNote.isEmpty())
        text += QLatin1Char(' ') + optimizerNote;
    return text;
}

WeightCarryOver Checkpoint::carryWeightsInto(torch::nn::Module &module, const ProjectData &edited) const
{
    // Group both sides' tensors by instance, in the module's order.
    std::map<std::string, torch::Tensor> saved(tensors.begin(), tensors.end());
    QStringList savedOwners;
    QSet<QString> savedOwnerSet;
    for (const auto &[name, tensor] : tensors) {
        const QString owner = ownerOf(name);
        if (!savedOwnerSet.contains(owner)) {
            savedOwnerSet.insert(owner);
            savedOwners.append(owner);
        }
    }
    QStringList owners;
    QHash<QString, std::vector<std::pair<std::string, torch::Tensor>>> byOwner;
    for (auto &entry : namedTensors(module, false)) {
        const QString owner = ownerOf(entry.first);
        if (!byOwner.contains(owner))
            owners.append(owner);
        byOwner[owner].push_back(entry);
    }

    WeightCarryOver result;
    QHash<QString, SummaryRow> oldRows, newRows;
    bool haveRows = false;
    torch::NoGradGuard noGrad;
    for (const QString &owner : owners) {
        const auto &mine = byOwner[owner];
        QString label = owner.isEmpty() ? QStringLiteral("(the root model)") : owner;
        if (!savedOwnerSet.contains(owner)) {
            result.reset.append({label, WeightCarryOver::Why::NewInstance, QString()});
            continue;
        }
        // Every tensor of the instance must have its counterpart of the same shape.
        QStringList changes;
        for (const auto &[name, tensor] : mine) {
            const auto it = saved.find(name);
            if (it == saved.end())
                changes.append(QStringLiteral("%1 added").arg(leafOf(name)));
            else if (it->second.sizes() != tensor.sizes() || it->second.scalar_type() != tensor.scalar_type())
                changes.append(QStringLiteral("%1 %2\u2192%3").arg(leafOf(name), dims(it->second), dims(tensor)));
        }
        for (const auto &[name, tensor] : tensors)
            if (ownerOf(name) == owner &&
                std::none_of(mine.begin(), mine.end(), [&](const auto &m) { return m.first == name; }))
                changes.append(QStringLiteral("%1 removed").arg(leafOf(name)));
        if (changes.isEmpty()) {
            for (const auto &[name, tensor] : mine)
                torch::Tensor(tensor).copy_(saved.at(name));
            result.kept.append(label);
            continue;
        }
        // Say it in the summary's terms (input and output sizes) when they changed.
        if (!haveRows) {
            try {
                oldRows = summaryByName(ProjectFile::fromJson(project));
            } catch (const std::exception &) {
            }
            newRows = summaryByName(edited);
            haveRows = true;
        }
        QStringList detail;
        const auto compact = [](const mc::Shapes &s) { return mc::shapesText(s, mc::ShapesForm::Compact); };
        const auto oldRow = oldRows.constFind(owner);
        const auto newRow = newRows.constFind(owner);
        if (oldRow != oldRows.constEnd() && newRow != newRows.constEnd()) {
            if (oldRow->in != newRow->in)
                detail.append(QStringLiteral("%1\u2192%2 inputs").arg(compact(oldRow->in), compact(newRow->in)));
            if (oldRow->out != newRow->out)
                detail.append(QStringLiteral("%1\u2192%2 outputs").arg(compact(oldRow->out), compact(newRow->out)));
        }
        result.reset.append({label, WeightCarryOver::Why::SizesChanged,
                             (detail.isEmpty() ? changes : detail).join(QStringLiteral(", "))});
    }
    for (const QString &owner : savedOwners)
        if (!byOwner.contains(owner))
            result.removed.append(owner.isEmpty() ? QStringLiteral("(the root model)") : owner);
    return result;
}

} // namespace mc
