#include "document/ProjectFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(MC_CLI), args);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString example(const QString &name)
{
    return QStringLiteral(MC_EXAMPLES_DIR "/") + name;
}

} // namespace

class tst_Cli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void summaryOfExamples_data();
    void summaryOfExamples();
    void frozenEncoderIsNonTrainable();
    void badProjectExitsOne();
    void diagnosticsExitOne();
    void usage_data();
    void usage();
};

void tst_Cli::summaryOfExamples_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("total");
    QTest::addColumn<QStringList>("names");
    QTest::addRow("encoder_decoder") << "encoder-decoder.mcproj" << "61"
                                     << QStringList{"encoder", "encoder.fc", "decoder", "decoder.fc"};
    QTest::addRow("configurable_blocks") << "configurable-blocks.mcproj" << "706"
                                         << QStringList{"nested_model.blocks.0.fc", "nested_model.blocks.2", "final_fc"};
    QTest::addRow("shared_block") << "shared-block.mcproj" << "330"
                                  << QStringList{"shared_module", "shared_module.fc", "fc1", "fc2"};
    // Rows with their input and output shapes, as Lightning's ModelSummary.
    QTest::addRow("lenet") << "lenet.mcproj" << "61706"
                           << QStringList{"conv1   | Conv2d    |    156 | yes       | [1, 28, 28]  | [6, 28, 28]",
                                          "pool2   | MaxPool2d |      0 | -         | [16, 10, 10] | [16, 5, 5]",
                                          "flatten | Flatten   |      0 | -         | [16, 5, 5]   | [400]",
                                          "fc3     | Linear    |    850 | yes       | [84]         | [10]"};
    QTest::addRow("conv_autoencoder") << "conv-autoencoder.mcproj" << "1849"
                                      << QStringList{"encoder.bn1", "encoder.pool2", "decoder.deconv2 | ConvTranspose2d |     33 | yes       | [8, 14, 14]  | [1, 28, 28]"};
}

void tst_Cli::summaryOfExamples()
{
    QFETCH(QString, file);
    QFETCH(QString, total);
    QFETCH(QStringList, names);
    const Run r = cli({QStringLiteral("summary"), example(file)});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    for (const QString &n : names)
        QVERIFY2(r.out.contains(QStringLiteral("| %1 ").arg(n)) || r.out.contains(QStringLiteral("| %1\n").arg(n)),
                 qPrintable(n + QLatin1Char('\n') + r.out));
    QVERIFY2(r.out.contains(QStringLiteral("\nTrainable params: %1\nNon-trainable params: 0\nTotal params: %1\n").arg(total)),
             qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("Estimated size (MB): ")));
}

void tst_Cli::frozenEncoderIsNonTrainable()
{
    ProjectData p = ProjectFile::load(example(QStringLiteral("encoder-decoder.mcproj")));
    p.type(p.root)->instance(QStringLiteral("encoder"))->frozen = true;
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("frozen.mcproj"));
    QString error;
    QVERIFY(ProjectFile::save(p, path, &error));
    const Run r = cli({QStringLiteral("summary"), path});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Trainable params: 6\nNon-trainable params: 55\nTotal params: 61\n")),
             qPrintable(r.out));
}

void tst_Cli::badProjectExitsOne()
{
    const Run r = cli({QStringLiteral("summary"), QStringLiteral(MC_TESTDATA_DIR "/bad/cycle.mcproj")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    QVERIFY2(r.err.startsWith(QStringLiteral("error: cycle.mcproj: types[0].wires: ")), qPrintable(r.err));
    const Run missing = cli({QStringLiteral("summary"), QStringLiteral("/nonexistent/x.mcproj")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.startsWith(QStringLiteral("error: Cannot open /nonexistent/x.mcproj")), qPrintable(missing.err));
}

void tst_Cli::diagnosticsExitOne()
{
    ProjectData p = ProjectFile::load(example(QStringLiteral("encoder-decoder.mcproj")));
    p.type(p.root)->instance(QStringLiteral("decoder"))->options.insert(QStringLiteral("hidden_dim"), OptionValue::constant(4));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mismatch.mcproj"));
    QString error;
    QVERIFY(ProjectFile::save(p, path, &error));
    const Run r = cli({QStringLiteral("summary"), path});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("`decoder` expects 4 features at `x`, `encoder` gives 5.")), qPrintable(r.err));
    QVERIFY2(r.err.trimmed().split(QLatin1Char('\n')).last().startsWith(QStringLiteral("error: ")), qPrintable(r.err));
}

void tst_Cli::usage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected");
    QTest::addRow("help") << QStringList{"--help"} << 0 << "Usage: modelcomposer-cli";
    QTest::addRow("version") << QStringList{"--version"} << 0 << "modelcomposer-cli 0.1.0";
    QTest::addRow("no_command") << QStringList{} << 2 << "missing COMMAND";
    QTest::addRow("unknown_command") << QStringList{"frobnicate"} << 2 << "unknown command 'frobnicate'";
    QTest::addRow("summary_without_file") << QStringList{"summary"} << 2 << "summary takes one PROJECT";
}

void tst_Cli::usage()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2((r.out + r.err).contains(expected), qPrintable(r.out + r.err));
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
