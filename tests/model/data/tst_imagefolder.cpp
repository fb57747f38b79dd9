#include "analysis/CheckedModel.h"
#include "data/DataError.h"
#include "data/DataTestUtil.h"
#include "data/Dataset.h"
#include "data/ImageFolder.h"
#include "document/ProjectFile.h"
#include "training/TrainingSettings.h"

#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

/// Writes `image` as dir/cls/name (the format from the name's extension).
void put(const QTemporaryDir &dir, const QString &cls, const QString &name, const QImage &image)
{
    QDir(dir.path()).mkpath(cls);
    QVERIFY2(image.save(dir.filePath(cls + QLatin1Char('/') + name)), qPrintable(name));
}

/// A grey image whose pixel (x, y) is `base + y * width + x`.
QImage ramp(int width, int height, int base)
{
    QImage image(width, height, QImage::Format_Grayscale8);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            image.scanLine(y)[x] = uchar(base + y * width + x);
    return image;
}

QImage filled(int width, int height, QColor colour)
{
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(colour);
    return image;
}

Shape shape(std::initializer_list<qint64> dims)
{
    return Shape(QList<qint64>(dims));
}

} // namespace

class tst_ImageFolder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void classesInNameOrderAndPixelsInPlace();
    void rgbPlanesAndJpeg();
    void scaledToTheInput();
    void testFolderTakesTheTrainingClasses();
    void errors_data();
    void errors();
    void runDataReadsATestFolder();
};

void tst_ImageFolder::classesInNameOrderAndPixelsInPlace()
{
    // Three classes, named out of order on disk; two images in each.
    QTemporaryDir dir;
    put(dir, QStringLiteral("dog"), QStringLiteral("b.png"), ramp(4, 3, 100));
    put(dir, QStringLiteral("dog"), QStringLiteral("a.png"), ramp(4, 3, 90));
    put(dir, QStringLiteral("bird"), QStringLiteral("x.png"), ramp(4, 3, 10));
    put(dir, QStringLiteral("bird"), QStringLiteral("y.PNG"), ramp(4, 3, 20));
    put(dir, QStringLiteral("cat"), QStringLiteral("c.png"), ramp(4, 3, 50));
    put(dir, QStringLiteral("cat"), QStringLiteral("d.png"), ramp(4, 3, 60));
    QFile notes(dir.filePath(QStringLiteral("cat/notes.txt"))); // not an image: left out
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("a note");
    notes.close();

    const Dataset d = Dataset::imageFolder(dir.path(), shape({1, 3, 4}), 3, true);
    QCOMPARE(d.classNames(), QStringList({"bird", "cat", "dog"}));
    QCOMPARE(d.size(), int64_t(6));
    const std::vector<int64_t> labels(d.targets().data_ptr<int64_t>(), d.targets().data_ptr<int64_t>() + 6);
    QCOMPARE(labels, std::vector<int64_t>({0, 0, 1, 1, 2, 2}));
    // Files in name order within a class; row-major values in 0..1.
    const int bases[] = {10, 20, 50, 60, 90, 100};
    for (int row = 0; row < 6; ++row)
        for (int k = 0; k < 12; ++k)
            QCOMPARE(d.inputs()[row][k].item<float>(), float(bases[row] + k) / 255.0f);
    QVERIFY2(d.description().endsWith(QStringLiteral(": 6 images of 4×3, 3 classes")), qPrintable(d.description()));
}

void tst_ImageFolder::rgbPlanesAndJpeg()
{
    // RGB images fill [3, H, W] as planes: all red values, then green, then blue.
    QTemporaryDir dir;
    QImage two(2, 1, QImage::Format_RGB32);
    two.setPixelColor(0, 0, QColor(10, 20, 30));
    two.setPixelColor(1, 0, QColor(40, 50, 60));
    put(dir, QStringLiteral("a"), QStringLiteral("two.png"), two);
    // A JPEG of one colour decodes to (nearly) that colour.
    put(dir, QStringLiteral("b"), QStringLiteral("flat.jpg"), filled(2, 1, QColor(200, 100, 50)));
    const Dataset d = Dataset::imageFolder(dir.path(), shape({3, 1, 2}), 2, true);
    QCOMPARE(d.size(), int64_t(2));
    const float want[] = {10, 40, 20, 50, 30, 60};
    for (int k = 0; k < 6; ++k)
        QCOMPARE(d.inputs()[0][k].item<float>(), want[k] / 255.0f);
    const float flat[] = {200, 200, 100, 100, 50, 50};
    for (int k = 0; k < 6; ++k)
        QVERIFY2(std::abs(d.inputs()[1][k].item<float>() * 255.0f - flat[k]) <= 4.0f,
                 qPrintable(QString::number(d.inputs()[1][k].item<float>() * 255.0f)));
    // The same RGB images into a grey input: one plane.
    const Dataset grey = Dataset::imageFolder(dir.path(), shape({1, 1, 2}), 2, true);
    QCOMPARE(grey.inputs().size(1), int64_t(2));
    QCOMPARE(Dataset::imageFolder(dir.path(), shape({1, 2}), 2, true).inputs().size(1), int64_t(2)); // [H, W]
}

void tst_ImageFolder::scaledToTheInput()
{
    // 8×8 images into a 28×28 input, as a folder of small images feeds LeNet.
    QTemporaryDir dir;
    put(dir, QStringLiteral("dark"), QStringLiteral("1.png"), filled(8, 8, QColor(30, 30, 30)));
    put(dir, QStringLiteral("light"), QStringLiteral("1.png"), filled(8, 8, QColor(220, 220, 220)));
    const Dataset d = Dataset::imageFolder(dir.path(), shape({1, 28, 28}), 10, true);
    QCOMPARE(d.inputs().size(1), int64_t(784));
    QVERIFY(torch::allclose(d.inputs()[0], torch::full({784}, 30.0f / 255.0f), 0, 1.5f / 255.0f));
    QVERIFY(torch::allclose(d.inputs()[1], torch::full({784}, 220.0f / 255.0f), 0, 1.5f / 255.0f));
    QVERIFY2(d.description().contains(QStringLiteral("8×8 scaled to 28×28")), qPrintable(d.description()));
}

void tst_ImageFolder::testFolderTakesTheTrainingClasses()
{
    // A test folder with some of the classes: its labels are the training set's.
    QTemporaryDir dir;
    put(dir, QStringLiteral("cat"), QStringLiteral("1.png"), ramp(2, 2, 0));
    const ImageFolder test = ImageFolder::read(dir.path(), 1, 2, 2, {"bird", "cat", "dog"});
    QCOMPARE(test.classes, QStringList({"bird", "cat", "dog"}));
    QCOMPARE(test.labels[0].item<int64_t>(), int64_t(1));
}

void tst_ImageFolder::errors_data()
{
    QTest::addColumn<QString>("layout"); // which folder to make
    QTest::addColumn<QString>("error");
    QTest::addRow("not_a_folder") << "none" << "is not a folder.";
    QTest::addRow("no_class_folders") << "empty" << "holds no class folders: an image folder has one sub-folder";
    QTest::addRow("one_class") << "one" << "has one class folder (only); a classifier needs two or more.";
    QTest::addRow("class_without_images") << "hollow" << "hollow holds no PNG or JPEG image";
    QTest::addRow("corrupt_image") << "corrupt" << "broken.png cannot be read as an image";
    QTest::addRow("truncated_image") << "truncated" << "cut.png cannot be read as an image";
    QTest::addRow("sizes_differ") << "sizes" << "wide.png is 5×2, the folder's first image 2×2";
    QTest::addRow("unknown_test_class") << "unknown" << "is a class the training images do not have (they have a, b).";
    QTest::addRow("not_classes") << "mse" << "the folders are classes; train with the cross_entropy or nll loss.";
    QTest::addRow("not_images") << "vector" << "images fill an input of shape [C, H, W] with 1 or 3 channels";
    QTest::addRow("too_many_classes") << "three" << "has 3 classes; the model gives 2 outputs.";
}

void tst_ImageFolder::errors()
{
    QFETCH(QString, layout);
    QFETCH(QString, error);
    QTemporaryDir dir;
    QString folder = dir.path();
    Shape input = shape({1, 2, 2});
    bool classes = true;
    QStringList trainingClasses;
    const QImage small = ramp(2, 2, 0);
    if (layout == QLatin1String("none")) {
        folder = dir.filePath(QStringLiteral("missing"));
    } else if (layout == QLatin1String("one")) {
        put(dir, QStringLiteral("only"), QStringLiteral("1.png"), small);
    } else if (layout == QLatin1String("hollow")) {
        put(dir, QStringLiteral("a"), QStringLiteral("1.png"), small);
        QDir(dir.path()).mkpath(QStringLiteral("hollow"));
    } else if (layout == QLatin1String("corrupt") || layout == QLatin1String("truncated")) {
        put(dir, QStringLiteral("a"), QStringLiteral("1.png"), small);
        QDir(dir.path()).mkpath(QStringLiteral("b"));
        QByteArray bytes = "not an image at all";
        if (layout == QLatin1String("truncated")) {
            QFile whole(dir.filePath(QStringLiteral("a/1.png")));
            QVERIFY(whole.open(QIODevice::ReadOnly));
            bytes = whole.readAll().left(30);
        }
        QFile f(dir.filePath(layout == QLatin1String("corrupt") ? QStringLiteral("b/broken.png") : QStringLiteral("b/cut.png")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    } else if (layout == QLatin1String("sizes")) {
        put(dir, QStringLiteral("a"), QStringLiteral("1.png"), small);
        put(dir, QStringLiteral("b"), QStringLiteral("wide.png"), ramp(5, 2, 0));
    } else if (layout == QLatin1String("unknown")) {
        put(dir, QStringLiteral("c"), QStringLiteral("1.png"), small);
        trainingClasses = QStringList{"a", "b"};
    } else if (layout == QLatin1String("mse") || layout == QLatin1String("vector") || layout == QLatin1String("three")) {
        put(dir, QStringLiteral("a"), QStringLiteral("1.png"), small);
        put(dir, QStringLiteral("b"), QStringLiteral("1.png"), small);
        if (layout == QLatin1String("three"))
            put(dir, QStringLiteral("c"), QStringLiteral("1.png"), small);
        classes = layout != QLatin1String("mse");
        if (layout == QLatin1String("vector"))
            input = shape({4});
    }
    const QString message =
        dataError([&] { Dataset::imageFolder(folder, input, 2, classes, trainingClasses); });
    QVERIFY2(message.contains(error), qPrintable(message));
}

void tst_ImageFolder::runDataReadsATestFolder()
{
    // A project of LeNet on an image folder with a second folder as its test
    // set, read by the same rules: the training set's classes, by name.
    QTemporaryDir dir;
    for (const QString &root : {QStringLiteral("train"), QStringLiteral("test")})
        for (const QString &cls : {QStringLiteral("light"), QStringLiteral("dark")})
            for (int k = 0; k < (root == QLatin1String("train") ? 3 : 2); ++k)
                put(dir, root + QLatin1Char('/') + cls, QStringLiteral("%1.png").arg(k),
                    filled(10, 10, cls == QLatin1String("dark") ? QColor(20, 20, 20) : QColor(230, 230, 230)));
    ProjectData project = ProjectFile::load(QStringLiteral(MC_EXAMPLES_DIR "/lenet.mcproj"));
    TrainingSettings s = TrainingSettings::fromJson(project.training);
    s.loss = TrainingSettings::Loss::CrossEntropy;
    s.data.kind = DataSettings::Kind::ImageFolder;
    s.data.path = QStringLiteral("train");
    s.data.test.source = TestSettings::Source::File;
    s.data.test.path = QStringLiteral("test");
    const CheckedModel model = CheckedModel::check(project);
    const RunData run = runData(model, s, dir.path());
    QCOMPARE(run.training.size(), int64_t(6));
    QCOMPARE(run.test.size(), int64_t(4));
    QCOMPARE(run.training.classNames(), QStringList({"dark", "light"}));
    QCOMPARE(run.test.classNames(), run.training.classNames());
    QCOMPARE(run.test.targets()[0].item<int64_t>(), int64_t(0));
    QCOMPARE(run.test.targets()[3].item<int64_t>(), int64_t(1));
    QCOMPARE(run.training.inputs().size(1), int64_t(784));
    // The settings as the project file holds them.
    QCOMPARE(TrainingSettings::fromJson(s.toJson()), s);
    QVERIFY(TrainingSettings::fromJson(s.toJson()).data.kind == DataSettings::Kind::ImageFolder);
}

QTEST_GUILESS_MAIN(tst_ImageFolder)
#include "tst_imagefolder.moc"
