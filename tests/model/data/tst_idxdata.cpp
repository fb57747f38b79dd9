#include "data/DataError.h"
#include "data/Dataset.h"
#include "data/DataTestUtil.h"
#include "data/IdxFile.h"
#include "training/TrainingSettings.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <zlib.h>

using namespace mc;

namespace {

/// An IDX file's bytes: the header (type 0x08 unless told) and the elements.
QByteArray idxBytes(const std::vector<int> &dims, const QByteArray &elements, unsigned char type = 0x08)
{
    QByteArray b;
    b.append(char(0)).append(char(0)).append(char(type)).append(char(dims.size()));
    for (int d : dims) {
        b.append(char((d >> 24) & 0xff)).append(char((d >> 16) & 0xff));
        b.append(char((d >> 8) & 0xff)).append(char(d & 0xff));
    }
    return b + elements;
}

QByteArray bytesFrom(std::initializer_list<int> values)
{
    QByteArray b;
    for (int v : values)
        b.append(char(v));
    return b;
}

QString write(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    const QString path = dir.filePath(name);
    if (name.endsWith(QLatin1String(".gz"))) {
        gzFile f = gzopen(QFile::encodeName(path).constData(), "wb");
        gzwrite(f, bytes.constData(), unsigned(bytes.size()));
        gzclose(f);
    } else {
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(bytes);
    }
    return path;
}


// Three 2×2 images and their labels 0, 2, 1.
const QByteArray kImages = idxBytes({3, 2, 2}, bytesFrom({0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0}));
const QByteArray kLabels = idxBytes({3}, bytesFrom({0, 2, 1}));

} // namespace

/// IDX files (MNIST's format, gzipped or not) and Fashion-MNIST from Debian's
/// dataset-fashion-mnist: what loads, what is refused with which sentence.
class tst_IdxData : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readsPlainAndGzipped_data();
    void readsPlainAndGzipped();
    void badFiles_data();
    void badFiles();
    void fashionMnistAsPythonReadsIt();
    void settingsRoundTrip();
};

void tst_IdxData::readsPlainAndGzipped_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addRow("plain") << "";
    QTest::addRow("gzip") << ".gz";
}

void tst_IdxData::readsPlainAndGzipped()
{
    QFETCH(QString, suffix);
    QTemporaryDir dir;
    const QString images = write(dir, QStringLiteral("images") + suffix, kImages);
    const QString labels = write(dir, QStringLiteral("labels") + suffix, kLabels);
    const IdxFile file = IdxFile::read(images);
    QCOMPARE(file.dims(), (std::vector<int64_t>{3, 2, 2}));
    const Dataset d = Dataset::idx(images, labels, 4, 3, true, {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
    QCOMPARE(d.size(), 3);
    QCOMPARE(d.inputs().sizes().vec(), (std::vector<int64_t>{3, 4}));
    QCOMPARE(d.inputs().scalar_type(), torch::kFloat32);
    QCOMPARE(d.inputs()[0][1].item<float>(), 1.0f);
    QCOMPARE(d.inputs()[0][2].item<float>(), 51.0f / 255.0f);
    QCOMPARE(d.targets().scalar_type(), torch::kInt64);
    QVERIFY(d.targets().equal(torch::tensor({0, 2, 1}, torch::kInt64)));
    QCOMPARE(d.classNames().size(), 3);
    QVERIFY2(d.description().contains(QStringLiteral("3 images of 2×2")), qPrintable(d.description()));
}

void tst_IdxData::badFiles_data()
{
    QTest::addColumn<QByteArray>("images");
    QTest::addColumn<QByteArray>("labels");
    QTest::addColumn<int>("inputs");
    QTest::addColumn<int>("outputs");
    QTest::addColumn<bool>("classes");
    QTest::addColumn<QString>("sentence");
    QTest::addRow("not_idx") << QByteArray("id,x\n1,2\n") << kLabels << 4 << 3 << true
                             << "images: the file is not in the IDX format";
    QTest::addRow("floats") << idxBytes({3, 2, 2}, QByteArray(48, 0), 0x0D) << kLabels << 4 << 3 << true
                            << "images: the IDX elements are of type 0x0d; only unsigned bytes (0x08) are read.";
    QTest::addRow("truncated") << kImages.left(kImages.size() - 5) << kLabels << 4 << 3 << true
                               << "images: the file ends after 7 of the 12 values its header announces: it is truncated.";
    QTest::addRow("truncated_header") << kImages.left(9) << kLabels << 4 << 3 << true
                                      << "images: the file ends inside its IDX header";
    QTest::addRow("longer") << kImages + "xx" << kLabels << 4 << 3 << true
                            << "images: the file goes on after the 12 values its header announces.";
    QTest::addRow("count_mismatch") << kImages << idxBytes({2}, bytesFrom({0, 1})) << 4 << 3 << true
                                    << "labels holds 2 labels for the 3 images of images: they do not belong together.";
    QTest::addRow("labels_are_images") << kImages << kImages << 4 << 3 << true
                                       << "labels: an IDX labels file has one dimension";
    QTest::addRow("input_size") << kImages << kLabels << 784 << 3 << true
                                << "images: the images are 2×2 (4 values); the model's input takes 784.";
    QTest::addRow("too_few_outputs") << kImages << kLabels << 4 << 2 << true
                                     << "labels: the labels go up to 2 (3 classes); the model gives 2 outputs.";
    QTest::addRow("regression_loss") << kImages << kLabels << 4 << 3 << false
                                     << "labels: labels are classes; train with the cross_entropy or nll loss.";
    QTest::addRow("huge_header") << idxBytes({65536, 65536, 4}, QByteArray()) << kLabels << 4 << 3 << true
                                 << "more than 8 GiB";
    // Three dimensions of 2^32 - 1: their product overflows 64 bits (fuzz_idx).
    QTest::addRow("overflowing_header") << idxBytes({-1, -1, -1}, QByteArray()) << kLabels << 4 << 3 << true
                                        << "more than 8 GiB";
}

void tst_IdxData::badFiles()
{
    QFETCH(QByteArray, images);
    QFETCH(QByteArray, labels);
    QFETCH(int, inputs);
    QFETCH(int, outputs);
    QFETCH(bool, classes);
    QFETCH(QString, sentence);
    QTemporaryDir dir;
    const QString imagesPath = write(dir, QStringLiteral("images"), images);
    const QString labelsPath = write(dir, QStringLiteral("labels"), labels);
    const QString why = dataError([&] { Dataset::idx(imagesPath, labelsPath, inputs, outputs, classes); });
    QVERIFY2(why.contains(sentence), qPrintable(why));
}

// The numbers Python's gzip and struct modules read from the same files:
// labels 0..9 6,000 times each, the first labels, the first image's sum.
void tst_IdxData::fashionMnistAsPythonReadsIt()
{
    QVERIFY2(QFile::exists(Dataset::fashionMnistFolder() + QStringLiteral("/train-images-idx3-ubyte.gz")),
             "dataset-fashion-mnist is not installed (scripts/install-deps.sh installs it)");
    QElapsedTimer clock;
    clock.start();
    const Dataset train = Dataset::fashionMnist(QString(), 784, 10, true);
    qInfo("training set loaded in %lld ms", qlonglong(clock.elapsed()));
    QCOMPARE(train.size(), 60000);
    QCOMPARE(train.inputs().sizes().vec(), (std::vector<int64_t>{60000, 784}));
    QVERIFY(train.targets().bincount().equal(torch::full({10}, 6000, torch::kInt64)));
    QVERIFY(train.targets().narrow(0, 0, 10).equal(torch::tensor({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, torch::kInt64)));
    const torch::Tensor bytes = train.inputs().mul(255.0f).round().to(torch::kInt64); // v / 255 back to v
    QCOMPARE(bytes[0].sum().item<int64_t>(), int64_t(76247));
    QCOMPARE(bytes.sum().item<int64_t>(), int64_t(3431114169LL));
    QCOMPARE(train.classNames().first(), QStringLiteral("T-shirt/top"));
    QCOMPARE(train.classNames().last(), QStringLiteral("Ankle boot"));
    const Dataset test = Dataset::fashionMnist(QString(), 784, 10, true, true);
    QCOMPARE(test.size(), 10000);
    QVERIFY(test.targets().narrow(0, 0, 10).equal(torch::tensor({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, torch::kInt64)));
    // A folder without it says where it looked.
    QTemporaryDir empty;
    const QString why = dataError([&] { Dataset::fashionMnist(empty.path(), 784, 10, true); });
    QVERIFY2(why.contains(QStringLiteral("Fashion-MNIST is not in ")) && why.contains(empty.path()), qPrintable(why));
}

void tst_IdxData::settingsRoundTrip()
{
    TrainingSettings s;
    s.loss = TrainingSettings::Loss::CrossEntropy;
    s.data.kind = DataSettings::Kind::Idx;
    s.data.path = QStringLiteral("train-images-idx3-ubyte.gz");
    s.data.labels = QStringLiteral("train-labels-idx1-ubyte.gz");
    QCOMPARE(TrainingSettings::fromJson(s.toJson()), s);
    s.data.kind = DataSettings::Kind::FashionMnist;
    s.data.path.clear();
    s.data.labels.clear();
    QCOMPARE(TrainingSettings::fromJson(s.toJson()), s);
    QCOMPARE(TrainingSettings::dataKindName(DataSettings::Kind::FashionMnist), QStringLiteral("fashion_mnist"));
    // idx without its labels file is refused where it is written.
    QJsonObject o = s.toJson();
    o.insert(QStringLiteral("data"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("idx")},
                                                 {QStringLiteral("path"), QStringLiteral("images.gz")}});
    try {
        TrainingSettings::fromJson(o);
        QFAIL("accepted an idx data set without labels");
    } catch (const std::exception &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("labels file")), e.what());
    }
}

QTEST_GUILESS_MAIN(tst_IdxData)
#include "tst_idxdata.moc"
