// The CSV import dialog: preview, picking columns by clicking, the reason a
// file cannot be used, large files checked off the main thread, and the
// dialog opened from the training panel storing its choice in the project.
#include "CsvImportDialog.h"
#include "DocumentEditor.h"
#include "document/Project.h"
#include "TrainingPanel.h"
#include "training/TrainingSettings.h"
#include "WidgetTestUtil.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

/// Clicks the header of `column` (with `modifiers`, e.g. Ctrl to add it to the selection).
void clickHeader(QTableWidget *table, int column, Qt::KeyboardModifiers modifiers = Qt::NoModifier)
{
    QHeaderView *header = table->horizontalHeader();
    const int x = header->sectionViewportPosition(column) + header->sectionSize(column) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, modifiers, QPoint(x, header->height() / 2));
}

QPushButton *okButton(QDialog *dialog)
{
    return dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

QString problemText(QDialog *dialog)
{
    return dialog->findChild<QLabel *>(QStringLiteral("csvProblemLabel"))->text();
}

} // namespace

class TestCsvImportDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void previewShowsHeaderAndRows();
    void previewReadsOnlyTheFirstRows();
    void clickingColumnsChoosesRoles();
    void badFileShowsReason_data();
    void badFileShowsReason();
    void noTargetDisablesOk();
    void largeFileCheckedOnWorker();
    void openedFromPanelStoresChoice();
    void fileOutsideProjectKeepsAbsolutePath();
    void returnInPathLoadsWithoutAccepting();
    void roleRowStaysWhenMessageComes();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestCsvImportDialog::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestCsvImportDialog::previewShowsHeaderAndRows()
{
    writeFile(m_dir->filePath(QStringLiteral("data.csv")), "a,b,\"c d\",y\n1,2,3,0\n\n4,5,6,1\r\n7,8,9,0\n");
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("data.csv"));
    QTableWidget *table = dialog.previewTable();
    QCOMPARE(dialog.header(), QStringList({"a", "b", "c d", "y"}));
    QCOMPARE(table->columnCount(), 4);
    QCOMPARE(table->rowCount(), 3); // the blank line is skipped
    QVERIFY(table->horizontalHeaderItem(2)->text().startsWith(QStringLiteral("c d")));
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("1"));
    QCOMPARE(table->item(2, 3)->text(), QStringLiteral("0"));
    QCOMPARE(table->item(1, 2)->text(), QStringLiteral("6")); // the CR of the CRLF line is not part of the cell
    // Without a model shape: the last column is the target, the others inputs.
    QCOMPARE(dialog.inputs(), QStringList({"a", "b", "c d"}));
    QCOMPARE(dialog.targets(), QStringList({"y"}));
    QCOMPARE(dialog.rowCount(), 3);
    QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
    QVERIFY(okButton(&dialog)->isEnabled());
    const QString counts = dialog.findChild<QLabel *>(QStringLiteral("csvCountsLabel"))->text();
    QVERIFY2(counts.contains(QStringLiteral("4 columns")) && counts.contains(QStringLiteral("3 rows")),
             qPrintable(counts));
    QCOMPARE(dialog.storedPath(), QStringLiteral("data.csv"));
}

void TestCsvImportDialog::previewReadsOnlyTheFirstRows()
{
    QByteArray bytes = "x,y\n";
    for (int i = 0; i < 5000; ++i)
        bytes += QByteArray::number(i) + ',' + QByteArray::number(i % 2) + '\n';
    writeFile(m_dir->filePath(QStringLiteral("long.csv")), bytes);
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(m_dir->filePath(QStringLiteral("long.csv")));
    QCOMPARE(dialog.previewTable()->rowCount(), CsvImportDialog::kPreviewRows);
    QCOMPARE(dialog.previewTable()->item(CsvImportDialog::kPreviewRows - 1, 0)->text(),
             QString::number(CsvImportDialog::kPreviewRows - 1));
    // The check still counts every row.
    QCOMPARE(dialog.rowCount(), 5000);
}

void TestCsvImportDialog::clickingColumnsChoosesRoles()
{
    writeFile(m_dir->filePath(QStringLiteral("data.csv")), "id,a,b,y1,y2\n1,0.5,0.25,1,2\n2,0.1,0.2,3,4\n");
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("data.csv"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTableWidget *table = dialog.previewTable();
    auto button = [&](const char *name) { return dialog.findChild<QPushButton *>(QLatin1String(name)); };
    // No column selected: the role buttons do nothing yet.
    QVERIFY(!button("csvInputButton")->isEnabled());

    // id is an identifier, not an input.
    clickHeader(table, 0);
    QVERIFY(button("csvIgnoreButton")->isEnabled());
    QTest::mouseClick(button("csvIgnoreButton"), Qt::LeftButton);
    // y1 and y2 are the targets (Ctrl+click adds a column).
    clickHeader(table, 3);
    clickHeader(table, 4, Qt::ControlModifier);
    QTest::mouseClick(button("csvTargetButton"), Qt::LeftButton);
    // a and b inputs.
    clickHeader(table, 1);
    clickHeader(table, 2, Qt::ControlModifier);
    QTest::mouseClick(button("csvInputButton"), Qt::LeftButton);

    QCOMPARE(dialog.role(0), CsvImportDialog::Role::Ignore);
    QCOMPARE(dialog.inputs(), QStringList({"a", "b"}));
    QCOMPARE(dialog.targets(), QStringList({"y1", "y2"}));
    QVERIFY(table->horizontalHeaderItem(0)->text().contains(QStringLiteral("ignored")));
    QVERIFY(table->horizontalHeaderItem(3)->text().contains(QStringLiteral("target")));
    QVERIFY(okButton(&dialog)->isEnabled());
}

void TestCsvImportDialog::badFileShowsReason_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("expected"); // parts of the sentence
    QTest::addRow("ragged_row") << QByteArray("a,b,y\n1,2,3\n4,5\n6,7,8\n")
                                << QStringList{"bad.csv line 3"};
    QTest::addRow("empty_file") << QByteArray("") << QStringList{"empty"};
    QTest::addRow("blank_lines_only") << QByteArray("\n \n") << QStringList{"empty"};
    QTest::addRow("non_numeric_target") << QByteArray("a,b,y\n1,2,3\n4,5,six\n")
                                        << QStringList{"bad.csv line 3, column 3 (y)", "\"six\" is not a number"};
    QTest::addRow("duplicate_name") << QByteArray("a,a,y\n1,2,3\n") << QStringList{"line 1, column 2", "`a` twice"};
    QTest::addRow("header_only") << QByteArray("a,b,y\n") << QStringList{"no rows"};
    QTest::addRow("header_longer_than_preview")
        << (QByteArray("\n") + QByteArray(CsvImportDialog::kPreviewBytes + 10, 'a') + "\n1\n")
        << QStringList{"bad.csv line 2", "longer than 4 MiB"};
    QTest::addRow("not_utf8") << QByteArray("a,b,y\n1,2,3\n4,\xff,6\n") << QStringList{"line 3", "UTF-8"};
}

void TestCsvImportDialog::badFileShowsReason()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, expected);
    writeFile(m_dir->filePath(QStringLiteral("bad.csv")), bytes);
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("bad.csv"));
    QVERIFY(!dialog.isChecking());
    for (const QString &part : expected)
        QVERIFY2(dialog.problem().contains(part), qPrintable(dialog.problem()));
    QCOMPARE(problemText(&dialog), dialog.problem());
    QVERIFY(!okButton(&dialog)->isEnabled());
    QVERIFY(!dialog.isAcceptable());
}

void TestCsvImportDialog::noTargetDisablesOk()
{
    // A non-numeric column is fine while it is ignored; choosing it is not.
    writeFile(m_dir->filePath(QStringLiteral("data.csv")), "name,a,y\nfirst,1,0\nsecond,2,1\n");
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("data.csv"), {"a"}, {"y"});
    QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.problem()));
    dialog.setRole({0}, CsvImportDialog::Role::Input);
    QVERIFY2(dialog.problem().contains(QStringLiteral("line 2, column 1 (name)")), qPrintable(dialog.problem()));
    QVERIFY(!okButton(&dialog)->isEnabled());
    dialog.setRole({0}, CsvImportDialog::Role::Ignore);
    QVERIFY(okButton(&dialog)->isEnabled());
    dialog.setRole({2}, CsvImportDialog::Role::Ignore);
    QVERIFY2(dialog.problem().contains(QStringLiteral("target column")), qPrintable(dialog.problem()));
    QVERIFY(!okButton(&dialog)->isEnabled());
}

void TestCsvImportDialog::largeFileCheckedOnWorker()
{
    // Larger than kSyncCheckBytes: the rows are counted on a worker thread
    // while the preview is there at once; OK waits for the check.
    QByteArray row = "0.125,0.25,0.5,1\n";
    QByteArray bytes = "a,b,c,y\n";
    const int rows = int(CsvImportDialog::kSyncCheckBytes / row.size()) + 1000;
    bytes.reserve(bytes.size() + qint64(rows) * row.size() + 32);
    for (int i = 0; i < rows; ++i)
        bytes += row;
    bytes += "1,2,x,4\n"; // the last row is bad in column c
    writeFile(m_dir->filePath(QStringLiteral("big.csv")), bytes);
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("big.csv"));
    QCOMPARE(dialog.previewTable()->rowCount(), CsvImportDialog::kPreviewRows);
    QVERIFY(dialog.isChecking());
    QVERIFY(!okButton(&dialog)->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isChecking(), 30000);
    const QString where = QStringLiteral("big.csv line %1, column 3 (c)").arg(rows + 2);
    QVERIFY2(dialog.problem().contains(where), qPrintable(dialog.problem()));
    QVERIFY(!okButton(&dialog)->isEnabled());
    // Ignoring c: checked again from the copy in memory, and usable.
    dialog.setRole({2}, CsvImportDialog::Role::Ignore);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isChecking(), 30000);
    QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
    QCOMPARE(dialog.rowCount(), rows + 1);
    QVERIFY(okButton(&dialog)->isEnabled());
}

void TestCsvImportDialog::openedFromPanelStoresChoice()
{
    // encoder-decoder: 10 inputs -> 1 output.
    Project project;
    project.setData(wtu::example(QStringLiteral("encoder-decoder.mcproj")));
    QByteArray bytes = "id";
    for (int i = 0; i < 10; ++i)
        bytes += ",x" + QByteArray::number(i);
    bytes += ",label\n";
    for (int r = 0; r < 4; ++r) {
        bytes += QByteArray::number(r);
        for (int i = 0; i < 10; ++i)
            bytes += ',' + QByteArray::number(r * 0.5 + i);
        bytes += ',' + QByteArray::number(r % 2) + '\n';
    }
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("data")));
    writeFile(m_dir->filePath(QStringLiteral("data/train.csv")), bytes);

    DocumentEditor editor(&project);
    TrainingPanel panel(&editor);
    panel.setBaseDirectory([this] { return m_dir->path(); });
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto *importButton = panel.findChild<QPushButton *>(QStringLiteral("importCsvButton"));
    QVERIFY(importButton && importButton->isEnabled());
    QTest::mouseClick(importButton, Qt::LeftButton);
    QTRY_VERIFY(qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget()));
    QPointer<CsvImportDialog> dialog = qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget());
    QVERIFY(!okButton(dialog)->isEnabled()); // no file yet

    // The path typed as a user would, relative to the project's folder.
    auto *path = dialog->findChild<QLineEdit *>(QStringLiteral("csvPathEdit"));
    path->setFocus();
    QTest::keyClicks(path, QStringLiteral("data/train.csv"));
    QTest::keyClick(path, Qt::Key_Return);
    QCOMPARE(dialog->header().size(), 12);
    // The model's shape gives the default: the first 10 columns (id among
    // them) as inputs, the last as target; the model takes 10 inputs.
    QCOMPARE(dialog->targets(), QStringList({"label"}));
    QCOMPARE(dialog->inputs().size(), 10);
    QVERIFY(dialog->warning().isEmpty());
    // Make id ignored: now 9 inputs, and a warning that does not block.
    clickHeader(dialog->previewTable(), 0);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("csvIgnoreButton")), Qt::LeftButton);
    QVERIFY2(dialog->warning().contains(QStringLiteral("10 inputs")), qPrintable(dialog->warning()));
    QVERIFY(okButton(dialog)->isEnabled());
    // x9 becomes an input again.
    clickHeader(dialog->previewTable(), 10);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("csvInputButton")), Qt::LeftButton);
    QVERIFY(dialog->warning().isEmpty());
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    QTRY_VERIFY(!dialog); // deleted on close

    const TrainingSettings s = TrainingSettings::fromJson(project.training());
    QCOMPARE(s.data.kind, DataSettings::Kind::Csv);
    QCOMPARE(s.data.path, QStringLiteral("data/train.csv"));
    QStringList xs;
    for (int i = 0; i < 10; ++i)
        xs.append(QStringLiteral("x%1").arg(i));
    QCOMPARE(s.data.inputs, xs);
    QCOMPARE(s.data.targets, QStringList({"label"}));
    const QJsonObject data = project.training().value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("kind")).toString(), QStringLiteral("csv"));
    QCOMPARE(data.value(QStringLiteral("inputs")).toArray().size(), 10);
    QVERIFY(panel.findChild<QLabel *>(QStringLiteral("csvSummaryLabel"))->text().contains(QStringLiteral("train.csv")));

    // Opened again, the dialog shows the stored choice.
    QTest::mouseClick(importButton, Qt::LeftButton);
    QTRY_VERIFY(qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget()));
    dialog = qobject_cast<CsvImportDialog *>(QApplication::activeModalWidget());
    QCOMPARE(dialog->role(0), CsvImportDialog::Role::Ignore);
    QCOMPARE(dialog->inputs(), xs);
    // Cancel changes nothing.
    const QJsonObject before = project.training();
    dialog->setRole({0}, CsvImportDialog::Role::Input);
    dialog->reject();
    QTRY_VERIFY(!dialog);
    QCOMPARE(project.training(), before);
}

void TestCsvImportDialog::fileOutsideProjectKeepsAbsolutePath()
{
    QTemporaryDir other;
    const QString file = other.filePath(QStringLiteral("elsewhere.csv"));
    writeFile(file, "a,y\n1,2\n");
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(file);
    QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.problem()));
    QCOMPARE(dialog.storedPath(), QFileInfo(file).absoluteFilePath());
    // An untitled project: absolute as well.
    CsvImportDialog untitled((QString()));
    untitled.setFile(file);
    QCOMPARE(untitled.storedPath(), QFileInfo(file).absoluteFilePath());
}

void TestCsvImportDialog::returnInPathLoadsWithoutAccepting()
{
    writeFile(m_dir->filePath(QStringLiteral("one.csv")), "a,y\n1,2\n");
    writeFile(m_dir->filePath(QStringLiteral("two.csv")), "p,q,r\n1,2,3\n4,5,6\n");
    CsvImportDialog dialog(m_dir->path());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    dialog.setFile(QStringLiteral("one.csv"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(okButton(&dialog)->isEnabled());
    // Typing another path and pressing Return shows that file; OK is not pressed.
    auto *path = dialog.findChild<QLineEdit *>(QStringLiteral("csvPathEdit"));
    path->setFocus();
    path->selectAll();
    QTest::keyClicks(path, QStringLiteral("two.csv"));
    QTest::keyClick(path, Qt::Key_Return);
    QCOMPARE(dialog.header(), QStringList({"p", "q", "r"}));
    QVERIFY(dialog.isVisible());
    QCOMPARE(accepted.count(), 0);
    QCOMPARE(dialog.rowCount(), 2);
}

void TestCsvImportDialog::roleRowStaysWhenMessageComes()
{
    // The Input/Target/Ignore row keeps its place while the message line
    // under it comes and goes: the buttons do not move under the mouse.
    writeFile(m_dir->filePath(QStringLiteral("data.csv")), "a,b,y\n1,2,3\n4,5,6\n");
    CsvImportDialog dialog(m_dir->path());
    dialog.setFile(QStringLiteral("data.csv"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY2(problemText(&dialog).isEmpty(), qPrintable(problemText(&dialog)));
    QTableWidget *table = dialog.previewTable();
    auto button = [&](const char *name) { return dialog.findChild<QPushButton *>(QLatin1String(name)); };
    auto rowY = [&] { return button("csvInputButton")->mapTo(&dialog, QPoint(0, 0)).y(); };
    QApplication::processEvents();
    const int y = rowY();
    const int headerY = table->mapTo(&dialog, QPoint(0, 0)).y();

    // Every column a target: "Choose at least one input column…" appears.
    clickHeader(table, 0);
    clickHeader(table, 2, Qt::ShiftModifier);
    QTest::mouseClick(button("csvTargetButton"), Qt::LeftButton);
    QCOMPARE(dialog.inputs(), QStringList());
    QVERIFY(!problemText(&dialog).isEmpty());
    QApplication::processEvents();
    QCOMPARE(rowY(), y);
    // a an input again: the message goes.
    clickHeader(table, 0);
    QTest::mouseClick(button("csvInputButton"), Qt::LeftButton);
    QVERIFY2(problemText(&dialog).isEmpty(), qPrintable(problemText(&dialog)));
    QApplication::processEvents();
    QCOMPARE(rowY(), y);
    QCOMPARE(table->mapTo(&dialog, QPoint(0, 0)).y(), headerY);

    // In a narrow dialog, a path typed that is not there: a message of two
    // lines with the whole path.
    dialog.resize(520, dialog.height());
    QApplication::processEvents();
    const int narrowY = rowY();
    auto *path = dialog.findChild<QLineEdit *>(QStringLiteral("csvPathEdit"));
    path->setFocus();
    path->selectAll();
    QTest::keyClicks(path, QStringLiteral("no/such/folder/data.csv"));
    QTest::keyClick(path, Qt::Key_Return);
    QVERIFY(problemText(&dialog).contains(QStringLiteral("does not exist")));
    QApplication::processEvents();
    auto *message = dialog.findChild<QLabel *>(QStringLiteral("csvProblemLabel"));
    QVERIFY2(message->heightForWidth(message->width()) > message->fontMetrics().lineSpacing() * 3 / 2,
             qPrintable(QString::number(message->width())));
    QCOMPARE(rowY(), narrowY);
}

QTEST_MAIN(TestCsvImportDialog)
#include "tst_csvimportdialog.moc"
