// Replays every input the fuzzers keep (tests/fuzz/corpus) and every crash
// they ever found (tests/fuzz/crashes) through the same readers, in the normal
// (non-fuzzing) build, so that a fixed crash stays fixed.

#include "analysis/Analysis.h"
#include "data/CsvTable.h"
#include "data/IdxFile.h"
#include "data/ImageFolder.h"
#include "document/ProjectFile.h"

#include <QDirIterator>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace mc;

namespace {

QStringList inputs(const QString &target)
{
    QStringList files;
    for (const QString &kind : {QStringLiteral("corpus"), QStringLiteral("crashes")}) {
        QDirIterator it(QStringLiteral(MC_FUZZ_DIR "/%1/%2").arg(kind, target), QDir::Files);
        while (it.hasNext()) {
            const QString f = it.next();
            if (!f.endsWith(QLatin1String(".keep")))
                files.append(f);
        }
    }
    files.sort();
    return files;
}

} // namespace

class tst_FuzzCorpus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void projectFiles_data();
    void projectFiles();
    void csvFiles_data();
    void csvFiles();
    void idxFiles_data();
    void idxFiles();
    void imageFiles_data();
    void imageFiles();
};

void tst_FuzzCorpus::projectFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files = inputs(QStringLiteral("project"));
    QVERIFY2(files.size() >= 10, "the project corpus is missing");
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(QFileInfo(f).fileName())) << f;
}

void tst_FuzzCorpus::projectFiles()
{
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    ProjectData project;
    try {
        project = ProjectFile::fromBytes(bytes);
    } catch (const ProjectFormatError &e) {
        // Refused: with one sentence that starts with a JSON path.
        QVERIFY(!e.message().isEmpty());
        QVERIFY(!e.message().contains(QLatin1Char('\n')));
        return;
    }
    const Analysis analysis(project);
    Q_UNUSED(analysis.summaryTable());
    QVERIFY(ProjectFile::fromBytes(ProjectFile::toBytes(project)) == project);
}

void tst_FuzzCorpus::csvFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files = inputs(QStringLiteral("csv"));
    QVERIFY2(files.size() >= 10, "the csv corpus is missing");
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(QFileInfo(f).fileName())) << f;
}

void tst_FuzzCorpus::csvFiles()
{
    // As in tests/fuzz/fuzz_csv.cpp: the first byte picks the columns and the
    // class count, the rest is the file.
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray input = file.readAll();
    if (input.isEmpty())
        return;
    const uchar mode = uchar(input.at(0));
    try {
        const CsvTable table(input.mid(1), QStringLiteral("fuzz.csv"));
        QList<int> columns;
        for (int c = 0; c < table.header().size(); ++c)
            if (!(mode & 1) || c % 2 == 0)
                columns.append(c);
        qint64 rows = -1;
        const std::vector<float> values = table.read(columns, (mode >> 1) & 7, &rows);
        QVERIFY(rows >= 1);
        QCOMPARE(qint64(values.size()), rows * columns.size());
        for (float v : values)
            QVERIFY(std::isfinite(v));
    } catch (const DataError &e) {
        // Refused: with one sentence.
        QVERIFY(!e.message().isEmpty());
        QVERIFY2(e.message().endsWith(QLatin1Char('.')), qPrintable(e.message()));
    }
}

void tst_FuzzCorpus::idxFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files = inputs(QStringLiteral("idx"));
    QVERIFY2(files.size() >= 4, "the idx corpus is missing");
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(QFileInfo(f).fileName())) << f;
}

void tst_FuzzCorpus::idxFiles()
{
    // As in tests/fuzz/fuzz_idx.cpp: the whole file, read as IDX.
    QFETCH(QString, path);
    try {
        const IdxFile file = IdxFile::read(path);
        int64_t count = 1;
        for (int64_t d : file.dims())
            count *= d;
        QVERIFY(!file.dims().empty());
        QCOMPARE(count, file.data().numel());
    } catch (const DataError &e) {
        QVERIFY2(e.message().contains(QFileInfo(path).fileName()), qPrintable(e.message()));
        QVERIFY2(e.message().endsWith(QLatin1Char('.')), qPrintable(e.message()));
    }
}

void tst_FuzzCorpus::imageFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files = inputs(QStringLiteral("imagefolder"));
    QVERIFY2(files.size() >= 3, "the imagefolder corpus is missing");
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(QFileInfo(f).fileName())) << f;
}

void tst_FuzzCorpus::imageFiles()
{
    // As in tests/fuzz/fuzz_imagefolder.cpp: the file as class b's one image
    // beside a valid 4×4 PNG in class a; its first byte picks the extension
    // and the channels.
    QFETCH(QString, path);
    QFile in(path);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("a")) && QDir(dir.path()).mkpath(QStringLiteral("b")));
    QImage good(4, 4, QImage::Format_Grayscale8);
    good.fill(128);
    QVERIFY(good.save(dir.filePath(QStringLiteral("a/good.png"))));
    const bool jpeg = !bytes.isEmpty() && (uchar(bytes.at(0)) & 1);
    const int channels = !bytes.isEmpty() && (uchar(bytes.at(0)) & 2) ? 3 : 1;
    QFile out(dir.filePath(jpeg ? QStringLiteral("b/fuzzed.jpg") : QStringLiteral("b/fuzzed.png")));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes);
    out.close();
    try {
        const ImageFolder folder = ImageFolder::read(dir.path(), channels, 4, 4);
        QCOMPARE(folder.images.size(0), int64_t(2));
        QCOMPARE(folder.images.size(1), int64_t(channels * 16));
        QVERIFY(folder.images.min().item<float>() >= 0.0f && folder.images.max().item<float>() <= 1.0f);
    } catch (const DataError &e) {
        QVERIFY2(e.message().contains(dir.path()), qPrintable(e.message()));
        QVERIFY2(e.message().endsWith(QLatin1Char('.')), qPrintable(e.message()));
    }
}

QTEST_GUILESS_MAIN(tst_FuzzCorpus)
#include "tst_fuzzcorpus.moc"
