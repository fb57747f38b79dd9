// CsvTable (the torch-free CSV parser) and CsvReader (its tensor wrapper):
// every kind of bad data file gives one sentence naming the line and the
// column; a good file gives the same numbers through both.

#include "data/CsvReader.h"
#include "data/CsvTable.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace mc;

namespace {

/// The message of the DataError that `f` throws, or "" if it throws none.
template <typename F>
QString dataError(F f)
{
    try {
        f();
    } catch (const DataError &e) {
        return e.message();
    }
    return {};
}

/// Reads every column of `bytes` as the file data.csv.
std::vector<float> readAll(const QByteArray &bytes, qint64 *rows = nullptr)
{
    const CsvTable table(bytes, QStringLiteral("/some/folder/data.csv"));
    QList<int> columns;
    for (int c = 0; c < table.header().size(); ++c)
        columns.append(c);
    return table.read(columns, 0, rows);
}

} // namespace

class tst_CsvReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readsNumbers();
    void errors_data();
    void errors();
    void hugeField_data();
    void hugeField();
    void firstInvalidUtf8_data();
    void firstInvalidUtf8();
    void readerMatchesTable();
    void missingColumn_data();
    void missingColumn();
    void readerFileErrors();
};

void tst_CsvReader::readsNumbers()
{
    qint64 rows = 0;
    const std::vector<float> v = readAll("\xEF\xBB\xBF" "a, \"b\" ,y\r\n1,\"2.5\",-3\r\n\r\n4,5e-1,6\n", &rows);
    QCOMPARE(rows, qint64(2));
    QCOMPARE(v, (std::vector<float>{1.f, 2.5f, -3.f, 4.f, 0.5f, 6.f}));
    // Text that is valid UTF-8 (here in a column name) is accepted.
    const CsvTable table(QByteArray("\xC3\xA9t\xC3\xA9,\xF0\x9F\x99\x82\n1,2\n"), QStringLiteral("data.csv"));
    QCOMPARE(table.header(), (QStringList{QStringLiteral("\u00e9t\u00e9"), QString::fromUtf8("\xF0\x9F\x99\x82")}));
}

void tst_CsvReader::errors_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    // The cases of issue 7 (a bad cell, a ragged row, an empty file, invalid
    // UTF-8) and the others the parser knows. Messages of the rows pinned by
    // tst_dataset (ragged rows, empty file) are the same here.
    QTest::addRow("bad_cell") << QByteArray("a,b,y\n1,2,3\n4,abc,6\n")
                              << "data.csv line 3, column 2 (b): \"abc\" is not a number.";
    QTest::addRow("bad_cell_quoted") << QByteArray("a,b,y\n1,\"2\",\"x,y\"\n")
                                     << "data.csv line 2, column 3 (y): \"x,y\" is not a number.";
    QTest::addRow("infinite_cell") << QByteArray("a,b,y\n1,-inf,3\n")
                                   << "data.csv line 2, column 2 (b): -inf is not a finite 32-bit number.";
    // A ragged row names the first column without a cell (or the first cell
    // without a column) and gives both counts.
    QTest::addRow("ragged_short") << QByteArray("a,b,y\n1,2,3\n4,5\n")
                                  << "data.csv line 3, column 3 (y) is missing: the row has 2 cells, the header 3 "
                                     "columns.";
    QTest::addRow("ragged_two_short") << QByteArray("a,b,y\n1,2,3\n\n4\n")
                                      << "data.csv line 4, columns 2 (b) to 3 (y) are missing: the row has 1 cell, "
                                         "the header 3 columns.";
    QTest::addRow("ragged_long") << QByteArray("a,b,y\n1,2,3,4\n")
                                 << "data.csv line 2, column 4 is one cell too many: the row has 4 cells, the header "
                                    "3 columns.";
    QTest::addRow("ragged_two_long") << QByteArray("a,b,y\n1,2,3\r\n1,2,3,4,5\r\n")
                                     << "data.csv line 3, columns 4 to 5 are too many: the row has 5 cells, the "
                                        "header 3 columns.";
    QTest::addRow("ragged_one_column") << QByteArray("y\n1\n2,3\n")
                                       << "data.csv line 3, column 2 is one cell too many: the row has 2 cells, the "
                                          "header 1 column.";
    // An empty file: the header should start at line 1, column 1.
    QTest::addRow("empty_file") << QByteArray()
                                << "The data file /some/folder/data.csv is empty (line 1, column 1); it needs a "
                                   "header row naming the columns and at least one row of numbers.";
    QTest::addRow("bom_only") << QByteArray("\xEF\xBB\xBF")
                              << "The data file /some/folder/data.csv is empty (line 1, column 1); it needs a header "
                                 "row naming the columns and at least one row of numbers.";
    QTest::addRow("header_only") << QByteArray("a,b\n\n")
                                 << "The data file /some/folder/data.csv has a header on line 1 but no rows of "
                                    "numbers after it.";
    QTest::addRow("header_only_after_blank_lines")
        << QByteArray("\n\na,b\n")
        << "The data file /some/folder/data.csv has a header on line 3 but no rows of numbers after it.";
    QTest::addRow("unclosed_quote_header") << QByteArray("a,\"b\n1,2\n")
                                           << "data.csv line 1: a quoted field is not closed.";
    QTest::addRow("utf8_bad_byte_in_cell") << QByteArray("a,b,y\n1,2,3\n4,\xFF" "5,6\n")
                                           << "data.csv line 3, column 2 (b): the file is not UTF-8 text (byte 0xff); "
                                              "save it as UTF-8.";
    QTest::addRow("utf8_latin1_in_header") << QByteArray("a,caf\xE9,y\n1,2,3\n")
                                           << "data.csv line 1, column 2: the file is not UTF-8 text (byte 0xe9); "
                                              "save it as UTF-8.";
    QTest::addRow("utf8_in_unread_column") << QByteArray("a,b,note\n1,2,ok\n\n3,4,\"caf\xE9\"\n")
                                           << "data.csv line 4, column 3 (note): the file is not UTF-8 text (byte "
                                              "0xe9); save it as UTF-8.";
    QTest::addRow("utf8_overlong") << QByteArray("a,b\n1,\xC0\xAF\n")
                                   << "data.csv line 2, column 2 (b): the file is not UTF-8 text (byte 0xc0); save "
                                      "it as UTF-8.";
    QTest::addRow("utf8_surrogate") << QByteArray("a,b\n\xED\xA0\x80,1\n")
                                    << "data.csv line 2, column 1 (a): the file is not UTF-8 text (byte 0xed); save "
                                       "it as UTF-8.";
    QTest::addRow("utf8_cut_at_end") << QByteArray("a,b\n1,2\xE2\x82")
                                     << "data.csv line 2, column 2 (b): the file is not UTF-8 text (byte 0xe2); save "
                                        "it as UTF-8.";
    QTest::addRow("utf8_after_blank_lines") << QByteArray("\n\na,b\n1,2\n\xFE")
                                            << "data.csv line 5, column 1 (a): the file is not UTF-8 text (byte "
                                               "0xfe); save it as UTF-8.";
}

void tst_CsvReader::errors()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    QCOMPARE(dataError([&] { readAll(content); }), message);
}

void tst_CsvReader::hugeField_data()
{
    QTest::addColumn<QByteArray>("cell");
    QTest::addColumn<QString>("message");
    const int tenMegabytes = 10 * 1024 * 1024;
    QTest::addRow("letters") << QByteArray(tenMegabytes, 'x')
                             << "data.csv line 3, column 2 (b): \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" is not a "
                                "number.";
    // Ten million digits: too large for a float, or not a number to Qt's parser.
    QTest::addRow("digits") << QByteArray(tenMegabytes, '7') << QString();
    QTest::addRow("quoted") << "\"" + QByteArray(tenMegabytes, ',') + "\""
                            << "data.csv line 3, column 2 (b): \",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,...\" is not a "
                               "number.";
}

void tst_CsvReader::hugeField()
{
    QFETCH(QByteArray, cell);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("data.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("a,b,y\n1,2,3\n4," + cell + ",6\n");
    file.close();
    const CsvReader reader(path);
    const QString got = dataError([&] { reader.read({0, 1, 2}); });
    // One short sentence: the cell is quoted in part only.
    QVERIFY2(got.startsWith(QStringLiteral("data.csv line 3, column 2 (b): ")), qPrintable(got));
    QVERIFY2(got.size() < 200, qPrintable(got.left(300)));
    if (!message.isEmpty())
        QCOMPARE(got, message);
    // The columns around it are read.
    QCOMPARE(reader.read({0, 2}).sizes().vec(), (std::vector<int64_t>{2, 2}));
}

void tst_CsvReader::firstInvalidUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<qint64>("offset");
    QTest::addRow("empty") << QByteArray() << qint64(-1);
    QTest::addRow("ascii") << QByteArray("a,b\n1,2\n") << qint64(-1);
    QTest::addRow("two_three_four_bytes") << QByteArray("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x99\x82") << qint64(-1);
    QTest::addRow("largest_code_point") << QByteArray("\xF4\x8F\xBF\xBF") << qint64(-1);
    QTest::addRow("past_largest_code_point") << QByteArray("x\xF4\x90\x80\x80") << qint64(1);
    QTest::addRow("lone_continuation") << QByteArray("ab\x80") << qint64(2);
    QTest::addRow("overlong_two") << QByteArray("\xC1\xBF") << qint64(0);
    QTest::addRow("overlong_three") << QByteArray("a\xE0\x9F\xBF") << qint64(1);
    QTest::addRow("overlong_four") << QByteArray("\xF0\x8F\xBF\xBF") << qint64(0);
    QTest::addRow("surrogate") << QByteArray("\xED\xB0\x80") << qint64(0);
    QTest::addRow("bad_second_of_three") << QByteArray("\xE2\x28\xA1") << qint64(0);
    QTest::addRow("bad_third_of_four") << QByteArray("\xF0\x9F\x28\x82") << qint64(0);
    QTest::addRow("cut_short") << QByteArray("ok\xF0\x9F\x99") << qint64(2);
    QTest::addRow("f5_and_above") << QByteArray("\xF5\x80\x80\x80") << qint64(0);
    QTest::addRow("after_good") << QByteArray("\xC3\xA9z\xFF") << qint64(3);
}

void tst_CsvReader::firstInvalidUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(qint64, offset);
    QCOMPARE(CsvTable::firstInvalidUtf8(bytes), offset);
}

void tst_CsvReader::readerMatchesTable()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("d.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("x0,x1,label\n0.5,1,2\n-1,3.25,0\n");
    file.close();
    const CsvReader reader(path);
    QCOMPARE(reader.header(), (QStringList{"x0", "x1", "label"}));
    QCOMPARE(reader.column(QStringLiteral("label")), 2);
    QCOMPARE(reader.column(QStringLiteral("nope")), -1);
    const torch::Tensor t = reader.read({1, 0, 2}, 3);
    QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{2, 3}));
    QVERIFY(torch::equal(t, torch::tensor({{1.f, 0.5f, 2.f}, {3.25f, -1.f, 0.f}})));
    qint64 rows = 0;
    const std::vector<float> v = CsvTable(path).read({1, 0, 2}, 3, &rows);
    QCOMPARE(rows, qint64(2));
    QCOMPARE(v, (std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + 6)));
    // A class index out of range, through the wrapper: line and column.
    QCOMPARE(dataError([&] { reader.read({0, 2}, 2); }),
             QStringLiteral("d.csv line 2, column 3 (label): 2 is not a class index (a whole number from 0 to 1)."));
    QCOMPARE(dataError([&] { reader.read({0, 7}); }),
             QStringLiteral("d.csv line 1, column 8: there is no such column; the header has 3 columns."));
}

void tst_CsvReader::missingColumn_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("message");
    QTest::addRow("three_columns") << QByteArray("a,b,c\n1,2,3\n") << "target"
                                   << "data.csv line 1, columns 1 to 3 (a, b, c): no column is named `target`, asked "
                                      "for as a target.";
    QTest::addRow("one_column") << QByteArray("a\n1\n") << "target"
                                << "data.csv line 1, column 1 (a): no column is named `target`, asked for as a "
                                   "target.";
    QTest::addRow("other_case") << QByteArray("x,Target\n1,2\n") << "target"
                                << "data.csv line 1, columns 1 to 2 (x, Target): no column is named `target`, asked "
                                   "for as a target; column 2 is `Target` (names are case-sensitive).";
    QTest::addRow("header_after_blank_lines") << QByteArray("\n\na,b\n1,2\n") << "target"
                                              << "data.csv line 3, columns 1 to 2 (a, b): no column is named "
                                                 "`target`, asked for as a target.";
    QByteArray wide = "c0";
    for (int c = 1; c < 40; ++c)
        wide += ",c" + QByteArray::number(c);
    QTest::addRow("forty_columns_shown_short") << wide + "\n" << "target"
                                               << "data.csv line 1, columns 1 to 40 (c0, c1, c2, c3, c4, c5, c6, c7, "
                                                  "c8, c9, ..., c39): no column is named `target`, asked for as a "
                                                  "target.";
}

void tst_CsvReader::missingColumn()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, name);
    QFETCH(QString, message);
    const CsvTable table(content, QStringLiteral("/some/folder/data.csv"));
    QCOMPARE(dataError([&] { table.requireColumn(name, QStringLiteral("a target")); }), message);
    // A column that is there is found.
    QCOMPARE(table.requireColumn(table.header().first(), QStringLiteral("a target")), 0);
}

void tst_CsvReader::readerFileErrors()
{
    QCOMPARE(dataError([] { CsvReader(QStringLiteral("/nonexistent/x.csv")); }),
             QStringLiteral("The data file /nonexistent/x.csv does not exist."));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A folder is not a readable file.
    const QString message = dataError([&] { CsvReader reader(dir.path()); });
    QVERIFY2(message.startsWith(QStringLiteral("The data file %1 ").arg(dir.path())), qPrintable(message));
}

QTEST_GUILESS_MAIN(tst_CsvReader)
#include "tst_csvreader.moc"
