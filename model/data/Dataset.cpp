#include "data/Dataset.h"

#include "data/IdxFile.h"
#include "data/ImageFolder.h"
#include "data/RandomStreams.h"

#include <limits>

#include "analysis/CheckedModel.h"

#include <QDir>
#include <QFileInfo>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace mc {

namespace {

at::Generator generator(uint64_t seed, uint64_t stream)
{
    return at::make_generator<at::CPUGeneratorImpl>(Dataset::streamSeed(seed, stream));
}

torch::Tensor randomTargets(int64_t samples, int outputFeatures, bool classTargets, uint64_t seed, bool binary)
{
    at::Generator g = generator(seed, streams::Targets);
    if (classTargets)
        return torch::randint(std::max(outputFeatures, 1), {samples}, g, torch::kInt64);
    if (binary)
        return torch::randint(2, {samples, outputFeatures}, g, torch::kFloat32);
    return torch::randn({samples, outputFeatures}, g, torch::kFloat32);
}

torch::Tensor randomInputs(int64_t samples, int inputFeatures, uint64_t seed)
{
    at::Generator g = generator(seed, streams::Inputs);
    return torch::randn({samples, inputFeatures}, g, torch::kFloat32);
}

QString joined(const QStringList &names)
{
    return names.join(QStringLiteral(", "));
}

void checkSizes(int64_t samples, int inputFeatures, int outputFeatures)
{
    if (samples < 1)
        throw DataError(QStringLiteral("A data set needs at least one sample."));
    if (inputFeatures < 1 || outputFeatures < 1)
        throw DataError(QStringLiteral("The model's input and output sizes must be known to make a data set "
                                       "(input %1, output %2).").arg(inputFeatures).arg(outputFeatures));
    if (double(samples) * double(std::max(inputFeatures, outputFeatures)) > 2e9)
        throw DataError(QStringLiteral("%1 samples of %2 features do not fit in memory; use fewer samples.")
                            .arg(samples).arg(std::max(inputFeatures, outputFeatures)));
}

} // namespace

uint64_t Dataset::streamSeed(uint64_t seed, uint64_t stream)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

torch::Tensor Dataset::shardIndices(const torch::Tensor &order, int rank, int worldSize, bool pad)
{
    TORCH_CHECK(order.dim() == 1 && order.scalar_type() == torch::kInt64, "shardIndices takes int64 row indices");
    TORCH_CHECK(worldSize >= 1 && rank >= 0 && rank < worldSize, "shardIndices: rank outside the world");
    const int64_t n = order.size(0);
    torch::Tensor all = order;
    if (pad && n > 0 && n % worldSize != 0) {
        const int64_t total = (n + worldSize - 1) / worldSize * worldSize;
        const int64_t repeats = (total + n - 1) / n;
        all = order.repeat({repeats}).narrow(0, 0, total);
    }
    if (all.size(0) <= rank)
        return torch::empty({0}, order.options());
    return all.slice(0, rank, all.size(0), worldSize).contiguous();
}

Dataset::Dataset(torch::Tensor inputs, torch::Tensor targets, QString description)
    : m_inputs(std::move(inputs)), m_targets(std::move(targets)), m_description(std::move(description))
{
    TORCH_CHECK(m_inputs.dim() == 2 && m_inputs.scalar_type() == torch::kFloat32,
                "Dataset inputs must be a 2-D float32 tensor");
    TORCH_CHECK(m_targets.defined() && m_targets.size(0) == m_inputs.size(0),
                "Dataset targets must have one row per input row");
    m_inputs = m_inputs.contiguous();
    m_targets = m_targets.contiguous();
    if (m_description.isEmpty())
        m_description = QStringLiteral("%1 samples").arg(m_inputs.size(0));
}

Dataset Dataset::randomBinary(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets,
                              uint64_t seed)
{
    checkSizes(samples, inputFeatures, outputFeatures);
    return Dataset(randomInputs(samples, inputFeatures, seed),
                   randomTargets(samples, outputFeatures, classTargets, seed, true),
                   QStringLiteral("%1 random_binary samples").arg(samples));
}

Dataset Dataset::randomNormal(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets,
                              uint64_t seed)
{
    checkSizes(samples, inputFeatures, outputFeatures);
    return Dataset(randomInputs(samples, inputFeatures, seed),
                   randomTargets(samples, outputFeatures, classTargets, seed, false),
                   QStringLiteral("%1 random_normal samples").arg(samples));
}

Dataset Dataset::blobs(int64_t samples, int inputFeatures, int outputFeatures, bool classTargets, uint64_t seed)
{
    checkSizes(samples, inputFeatures, outputFeatures);
    const int classes = classTargets ? std::max(outputFeatures, 1) : std::max(outputFeatures, 2);
    at::Generator gc = generator(seed, streams::Centres);
    // Centres far apart compared with the unit spread of each blob.
    const torch::Tensor centres = torch::randn({classes, inputFeatures}, gc, torch::kFloat32) * 3.0;
    at::Generator gt = generator(seed, streams::Targets);
    const torch::Tensor labels = torch::randint(classes, {samples}, gt, torch::kInt64);
    const torch::Tensor inputs = centres.index_select(0, labels) + randomInputs(samples, inputFeatures, seed);
    torch::Tensor targets;
    if (classTargets)
        targets = labels;
    else if (outputFeatures == 1)
        targets = labels.to(torch::kFloat32).unsqueeze(1);
    else
        targets = torch::one_hot(labels, outputFeatures).to(torch::kFloat32);
    return Dataset(inputs, targets, QStringLiteral("%1 blobs samples in %2 classes").arg(samples).arg(classes));
}

Dataset Dataset::reconstruction(int64_t samples, int inputFeatures, int outputFeatures, uint64_t seed)
{
    checkSizes(samples, inputFeatures, outputFeatures);
    if (outputFeatures != inputFeatures)
        throw DataError(QStringLiteral("A reconstruction data set gives the input back as the target, so the model's "
                                       "output must hold as many values as its input: it takes %1 and gives %2.")
                            .arg(inputFeatures).arg(outputFeatures));
    // Each row: a sum of four sines of random frequency and phase along the
    // row, squashed into 0..1; neighbouring values agree, as pixels do.
    at::Generator g = generator(seed, streams::Reconstruction);
    constexpr int kWaves = 4;
    const torch::Tensor position = torch::arange(inputFeatures, torch::kFloat32);
    const torch::Tensor frequency = torch::rand({samples, kWaves, 1}, g, torch::kFloat32) * 0.3 + 0.02;
    const torch::Tensor phase = torch::rand({samples, kWaves, 1}, g, torch::kFloat32) * 6.2831853;
    const torch::Tensor amplitude = torch::randn({samples, kWaves, 1}, g, torch::kFloat32);
    const torch::Tensor inputs = torch::sigmoid((amplitude * torch::sin(frequency * position + phase)).sum(1)).contiguous();
    return Dataset(inputs, inputs.clone(), QStringLiteral("%1 reconstruction samples").arg(samples));
}

Dataset Dataset::teacher(int64_t samples, int inputFeatures, int outputFeatures, TrainingSettings::Loss loss,
                         uint64_t seed)
{
    checkSizes(samples, inputFeatures, outputFeatures);
    constexpr int kHidden = 32;
    at::Generator g = generator(seed, streams::Teacher);
    const torch::Tensor w1 = torch::randn({inputFeatures, kHidden}, g, torch::kFloat32) / std::sqrt(double(inputFeatures));
    const torch::Tensor b1 = torch::randn({kHidden}, g, torch::kFloat32) * 0.1;
    const torch::Tensor w2 = torch::randn({kHidden, outputFeatures}, g, torch::kFloat32) / std::sqrt(double(kHidden));
    const torch::Tensor inputs = randomInputs(samples, inputFeatures, seed);
    const torch::Tensor out = torch::tanh(inputs.matmul(w1) + b1).matmul(w2);
    torch::Tensor targets;
    switch (loss) {
    case TrainingSettings::Loss::CrossEntropy:
    case TrainingSettings::Loss::Nll:
        targets = out.argmax(1);
        break;
    case TrainingSettings::Loss::Bce:
    case TrainingSettings::Loss::BceWithLogits:
        targets = (out > 0).to(torch::kFloat32);
        break;
    default:
        targets = out;
        break;
    }
    return Dataset(inputs, targets, QStringLiteral("%1 teacher samples").arg(samples));
}

Dataset Dataset::csv(const QString &path, const QStringList &inputs, const QStringList &targets, int inputFeatures,
                     int outputFeatures, bool classTargets)
{
    const CsvReader reader(path);
    const QString file = QFileInfo(path).fileName();
    const QStringList &header = reader.header();
    const int targetCount = classTargets ? 1 : outputFeatures;

    auto indices = [&](const QStringList &names, const char *what) {
        QList<int> columns;
        for (const QString &name : names) {
            columns.append(reader.requireColumn(name, QLatin1String(what)));
        }
        return columns;
    };
    QList<int> in = indices(inputs, "an input");
    QList<int> out = indices(targets, "a target");
    if (out.isEmpty()) {
        for (int c = int(header.size()) - 1; c >= 0 && out.size() < targetCount; --c)
            if (!in.contains(c))
                out.prepend(c);
    }
    if (in.isEmpty()) {
        for (int c = 0; c < header.size() && in.size() < inputFeatures; ++c)
            if (!out.contains(c))
                in.append(c);
    }
    if (in.size() != inputFeatures || out.size() != targetCount) {
        if (inputs.isEmpty() || targets.isEmpty())
            throw DataError(QStringLiteral("%1 has %2 columns; the model needs %3 input column(s) and %4 target "
                                           "column(s).").arg(file).arg(header.size()).arg(inputFeatures).arg(targetCount));
        throw DataError(QStringLiteral("%1: %2 input and %3 target column(s) are chosen; the model needs %4 and %5.")
                            .arg(file).arg(in.size()).arg(out.size()).arg(inputFeatures).arg(targetCount));
    }
    for (int c : in)
        if (out.contains(c))
            throw DataError(QStringLiteral("%1: column `%2` is chosen as both an input and a target.")
                                .arg(file, header.at(c)));

    QList<int> all = in;
    all.append(out);
    const torch::Tensor table = reader.read(all, classTargets ? std::max(outputFeatures, 1) : 0);
    const torch::Tensor x = table.narrow(1, 0, in.size()).contiguous();
    torch::Tensor y = table.narrow(1, in.size(), out.size()).contiguous();
    if (classTargets)
        y = y.squeeze(1).to(torch::kInt64);
    QStringList inNames, outNames;
    for (int c : in)
        inNames.append(header.at(c));
    for (int c : out)
        outNames.append(header.at(c));
    Dataset d(x, y, QStringLiteral("%1: %2 rows, inputs %3; targets %4")
                        .arg(file).arg(x.size(0)).arg(joined(inNames), joined(outNames)));
    d.m_inputNames = inNames;
    d.m_targetNames = outNames;
    return d;
}

Dataset Dataset::idx(const QString &imagesPath, const QString &labelsPath, int inputFeatures, int outputFeatures,
                     bool classTargets, const QStringList &classNames)
{
    const QString imagesName = QFileInfo(imagesPath).fileName();
    const QString labelsName = QFileInfo(labelsPath).fileName();
    if (!classTargets) // before reading: the files may be large
        throw DataError(QStringLiteral("%1: labels are classes; train with the cross_entropy or nll loss.")
                            .arg(labelsName));
    const IdxFile images = IdxFile::read(imagesPath);
    const IdxFile labels = IdxFile::read(labelsPath);
    const std::vector<int64_t> &id = images.dims();
    if (id.size() < 3 || id.size() > 4)
        throw DataError(QStringLiteral("%1: an IDX images file has 3 dimensions (images, rows, columns) or 4 "
                                       "(with channels); this one has %2.").arg(imagesName).arg(id.size()));
    if (labels.dims().size() != 1)
        throw DataError(QStringLiteral("%1: an IDX labels file has one dimension (a label per image); this one "
                                       "has %2.").arg(labelsName).arg(labels.dims().size()));
    const int64_t n = id.front();
    if (labels.dims().front() != n)
        throw DataError(QStringLiteral("%1 holds %2 labels for the %3 images of %4: they do not belong together.")
                            .arg(labelsName).arg(labels.dims().front()).arg(n).arg(imagesName));
    int64_t values = 1;
    QStringList dims;
    for (size_t k = 1; k < id.size(); ++k) {
        values *= id[k];
        dims.append(QString::number(id[k]));
    }
    if (values != inputFeatures)
        throw DataError(QStringLiteral("%1: the images are %2 (%3 values); the model's input takes %4.")
                            .arg(imagesName, dims.join(QStringLiteral("×"))).arg(values).arg(inputFeatures));
    const int64_t top = labels.data().max().item<uint8_t>();
    if (top >= outputFeatures)
        throw DataError(QStringLiteral("%1: the labels go up to %2 (%3 classes); the model gives %4 outputs.")
                            .arg(labelsName).arg(top).arg(top + 1).arg(outputFeatures));
    torch::Tensor x = images.data().reshape({n, values}).to(torch::kFloat32).div_(255.0f);
    torch::Tensor y = labels.data().to(torch::kInt64);
    Dataset d(x, y, QStringLiteral("%1: %2 images of %3, %4 classes").arg(imagesName).arg(n)
                        .arg(dims.join(QStringLiteral("×"))).arg(top + 1));
    d.m_classNames = classNames;
    return d;
}

Dataset Dataset::imageFolder(const QString &folder, const mc::Shape &inputShape, int outputFeatures,
                             bool classTargets, const QStringList &classNames)
{
    const QString name = QFileInfo(folder).fileName().isEmpty() ? folder : QFileInfo(folder).fileName();
    if (!classTargets)
        throw DataError(QStringLiteral("%1: the folders are classes; train with the cross_entropy or nll loss.")
                            .arg(name));
    const QList<qint64> dims = inputShape.isKnown() ? inputShape.dims() : QList<qint64>();
    const bool grey = dims.size() == 2;
    if (!grey && !(dims.size() == 3 && (dims.at(0) == 1 || dims.at(0) == 3)))
        throw DataError(QStringLiteral("%1: images fill an input of shape [C, H, W] with 1 or 3 channels, or [H, W]; "
                                       "the model's input is %2.")
                            .arg(name, inputShape.isKnown() ? inputShape.listText() : QStringLiteral("not known yet")));
    const int channels = grey ? 1 : int(dims.at(0));
    const int height = int(dims.at(dims.size() - 2));
    const int width = int(dims.at(dims.size() - 1));
    const ImageFolder images = ImageFolder::read(folder, channels, height, width, classNames);
    if (images.classes.size() > outputFeatures)
        throw DataError(QStringLiteral("%1 has %2 classes; the model gives %3 outputs.")
                            .arg(name).arg(images.classes.size()).arg(outputFeatures));
    QString size = QStringLiteral("%1×%2").arg(images.sourceWidth).arg(images.sourceHeight);
    if (images.sourceWidth != width || images.sourceHeight != height)
        size += QStringLiteral(" scaled to %1×%2").arg(width).arg(height);
    Dataset d(images.images, images.labels,
              QStringLiteral("%1: %2 images of %3, %4 classes").arg(name).arg(images.labels.size(0)).arg(size)
                  .arg(images.classes.size()));
    d.m_classNames = images.classes;
    return d;
}

const QString &Dataset::fashionMnistFolder()
{
    static const QString folder = QStringLiteral("/usr/share/datasets/fashion-mnist");
    return folder;
}

const QStringList &Dataset::fashionMnistClasses()
{
    // Fashion-MNIST's README, label 0 to 9.
    static const QStringList names{QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Pullover"),
                                   QStringLiteral("Dress"),       QStringLiteral("Coat"),    QStringLiteral("Sandal"),
                                   QStringLiteral("Shirt"),       QStringLiteral("Sneaker"), QStringLiteral("Bag"),
                                   QStringLiteral("Ankle boot")};
    return names;
}

Dataset Dataset::fashionMnist(const QString &folder, int inputFeatures, int outputFeatures, bool classTargets,
                              bool testSet)
{
    const QDir dir(folder.isEmpty() ? fashionMnistFolder() : folder);
    const QString stem = testSet ? QStringLiteral("t10k") : QStringLiteral("train");
    const QString images = dir.filePath(stem + QStringLiteral("-images-idx3-ubyte.gz"));
    if (!QFileInfo::exists(images))
        throw DataError(QStringLiteral("Fashion-MNIST is not in %1 (install Debian's dataset-fashion-mnist package, "
                                       "or set the data set's path to the folder of its IDX files).")
                            .arg(QDir::toNativeSeparators(dir.path())));
    Dataset d = idx(images, dir.filePath(stem + QStringLiteral("-labels-idx1-ubyte.gz")), inputFeatures,
                    outputFeatures, classTargets, fashionMnistClasses());
    d.m_description = QStringLiteral("Fashion-MNIST %1: %2 images of 28×28, 10 classes")
                          .arg(testSet ? QStringLiteral("test set") : QStringLiteral("training set"))
                          .arg(d.size());
    return d;
}

Dataset Dataset::create(const TrainingSettings &settings, int inputFeatures, int outputFeatures,
                        const QString &baseDir, const mc::Shape &inputShape)
{
    const DataSettings &d = settings.data;
    const bool classTargets = settings.classTargets();
    switch (d.kind) {
    case DataSettings::Kind::RandomBinary:
        return randomBinary(d.samples, inputFeatures, outputFeatures, classTargets, settings.seed);
    case DataSettings::Kind::RandomNormal:
        return randomNormal(d.samples, inputFeatures, outputFeatures, classTargets, settings.seed);
    case DataSettings::Kind::Blobs:
        return blobs(d.samples, inputFeatures, outputFeatures, classTargets, settings.seed);
    case DataSettings::Kind::Teacher:
        return teacher(d.samples, inputFeatures, outputFeatures, settings.loss, settings.seed);
    case DataSettings::Kind::Reconstruction:
        return reconstruction(d.samples, inputFeatures, outputFeatures, settings.seed);
    case DataSettings::Kind::Csv:
        if (d.path.isEmpty())
            throw DataError(QStringLiteral("A csv data set needs the path of its file."));
        return csv(baseDir.isEmpty() ? d.path : QDir(baseDir).filePath(d.path), d.inputs, d.targets, inputFeatures,
                   outputFeatures, classTargets);
    case DataSettings::Kind::FashionMnist:
        return fashionMnist(d.path.isEmpty() || baseDir.isEmpty() ? d.path : QDir(baseDir).filePath(d.path),
                            inputFeatures, outputFeatures, classTargets);
    case DataSettings::Kind::Idx: {
        if (d.path.isEmpty() || d.labels.isEmpty())
            throw DataError(QStringLiteral("An idx data set needs its images file and its labels file."));
        auto resolve = [&](const QString &p) { return baseDir.isEmpty() ? p : QDir(baseDir).filePath(p); };
        return idx(resolve(d.path), resolve(d.labels), inputFeatures, outputFeatures, classTargets);
    }
    case DataSettings::Kind::ImageFolder:
        if (d.path.isEmpty())
            throw DataError(QStringLiteral("An image_folder data set needs the path of its folder."));
        return imageFolder(baseDir.isEmpty() ? d.path : QDir(baseDir).filePath(d.path), inputShape, outputFeatures,
                           classTargets);
    }
    throw DataError(QStringLiteral("Unknown kind of data set."));
}

namespace {

/// A sample is a row of values: an input of shape [1, 28, 28] takes 784.
int rowValues(const mc::Shape &shape)
{
    const qint64 n = shape.elements().value_or(-1);
    return n > std::numeric_limits<int>::max() ? -1 : int(n);
}

} // namespace

Dataset Dataset::forModel(const CheckedModel &model, const TrainingSettings &settings, const QString &baseDir)
{
    if (const auto refusal = model.trainingRefusal())
        throw DataError(*refusal);
    const TypeEval &root = model.root();
    return create(settings, rowValues(root.inputs.first()), rowValues(root.outputs.first()), baseDir,
                  root.inputs.first());
}

Dataset Dataset::forProject(const ProjectData &project, const TrainingSettings &settings, const QString &baseDir)
{
    const Analysis analysis(project);
    const auto root = analysis.root();
    if (!root)
        throw DataError(QStringLiteral("The project has no root model to make data for."));
    if (const auto refusal = CheckedModel::trainingRefusal(*root))
        throw DataError(*refusal);
    return create(settings, rowValues(root->inputs.first()), rowValues(root->outputs.first()), baseDir,
                  root->inputs.first());
}

std::optional<QString> Dataset::inputMismatch(const mc::Shape &shape) const
{
    const qint64 values = shape.elements().value_or(-1);
    if (m_inputs.size(1) == values)
        return std::nullopt;
    return shape.rank() == 1
               ? QStringLiteral("The data has %1 input feature(s) per row; the model takes %2.")
                     .arg(m_inputs.size(1)).arg(values)
               : QStringLiteral("The data has %1 input value(s) per row; the model's input takes %2 (shape %3).")
                     .arg(m_inputs.size(1)).arg(values).arg(shape.listText());
}

Dataset Dataset::rows(const torch::Tensor &indices, const QString &description) const
{
    Dataset d(m_inputs.index_select(0, indices), m_targets.index_select(0, indices), description);
    d.m_inputNames = m_inputNames;
    d.m_targetNames = m_targetNames;
    d.m_classNames = m_classNames;
    return d;
}

RunData runData(const CheckedModel &model, const TrainingSettings &settings, const QString &baseDir)
{
    RunData run;
    run.training = Dataset::forModel(model, settings, baseDir);
    const TestSettings &test = settings.data.test;
    const DataSettings &d = settings.data;
    const TypeEval &root = model.root();
    const int inputs = rowValues(root.inputs.first());
    const int outputs = rowValues(root.outputs.first());
    auto resolve = [&](const QString &p) { return baseDir.isEmpty() ? p : QDir(baseDir).filePath(p); };
    switch (test.source) {
    case TestSettings::Source::None:
        break;
    case TestSettings::Source::Own:
        if (d.kind != DataSettings::Kind::FashionMnist)
            throw DataError(QStringLiteral("A %1 data set has no test set of its own.")
                                .arg(TrainingSettings::dataKindName(d.kind)));
        run.test = Dataset::fashionMnist(d.path.isEmpty() ? d.path : resolve(d.path), inputs, outputs,
                                         settings.classTargets(), true);
        break;
    case TestSettings::Source::File:
        if (d.kind == DataSettings::Kind::Csv)
            // The training file's columns, by name, in whatever order the test file has them.
            run.test = Dataset::csv(resolve(test.path), run.training.inputNames(), run.training.targetNames(), inputs,
                                    outputs, settings.classTargets());
        else if (d.kind == DataSettings::Kind::ImageFolder)
            run.test = Dataset::imageFolder(resolve(test.path), root.inputs.first(), outputs, settings.classTargets(),
                                            run.training.classNames());
        else if (d.kind == DataSettings::Kind::Idx || d.kind == DataSettings::Kind::FashionMnist)
            run.test = Dataset::idx(resolve(test.path), resolve(test.labels), inputs, outputs, settings.classTargets(),
                                    run.training.classNames());
        else
            throw DataError(QStringLiteral("A %1 data set is generated; it has no file to test on.")
                                .arg(TrainingSettings::dataKindName(d.kind)));
        break;
    case TestSettings::Source::Share: {
        const int64_t n = run.training.size();
        const int64_t held = std::max<int64_t>(1, std::llround(test.share * double(n)));
        if (held >= n)
            throw DataError(QStringLiteral("Holding out %1 of %2 rows as the test set leaves none to train on.")
                                .arg(held).arg(n));
        at::Generator gen = generator(settings.seed, streams::TestShare);
        const torch::Tensor order = torch::randperm(n, gen, torch::kInt64);
        const Dataset all = run.training;
        run.test = all.rows(order.narrow(0, 0, held),
                            QStringLiteral("%1 of the %2 rows held out").arg(held).arg(n));
        run.training = all.rows(order.narrow(0, held, n - held), all.description());
        break;
    }
    }
    if (test.source == TestSettings::Source::Own || test.source == TestSettings::Source::File) {
        // A test file read by the same rules as the data; its columns must be the data's.
        if (run.test.inputs().size(1) != run.training.inputs().size(1))
            throw DataError(QStringLiteral("The test set has %1 input value(s) per row; the data set has %2.")
                                .arg(run.test.inputs().size(1)).arg(run.training.inputs().size(1)));
    }
    return run;
}

} // namespace mc
