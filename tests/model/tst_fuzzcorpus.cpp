// Replays every input the fuzzers keep (tests/fuzz/corpus) and every crash
// they ever found (tests/fuzz/crashes) through the same readers, in the normal
// (non-fuzzing) build, so that a fixed crash stays fixed.

#include "Analysis.h"
#include "ProjectFile.h"

#include <QDirIterator>
#include <QtTest>

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

QTEST_GUILESS_MAIN(tst_FuzzCorpus)
#include "tst_fuzzcorpus.moc"
