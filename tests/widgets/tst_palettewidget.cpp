#include "layers/LayerRegistry.h"
#include "ModuleLibrary.h"
#include "PaletteWidget.h"
#include "document/Project.h"
#include "WidgetTestUtil.h"

#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QtTest>

using namespace mc;

using namespace wtu;

/// The palette: every built-in layer, the library, the project's own types,
/// search, and the MIME data its drags carry.
class tst_PaletteWidget : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void offersEverything();
    void searchFilters_data();
    void searchFilters();
    void followsTheProjectTypes();
    void dragCarriesTheEntry();
    void activationAsksToAdd();
    void entryBytesRoundTrip_data();
    void entryBytesRoundTrip();
};

void tst_PaletteWidget::offersEverything()
{
    Project project;
    project.setData(example(QStringLiteral("shared-block.mcproj")));
    PaletteWidget palette(&project);
    for (const mc::LayerDefinition &spec : mc::LayerRegistry::all())
        QVERIFY2(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Layer, spec.name}), qPrintable(spec.name));
    for (const ModuleType &t : ModuleLibrary::types())
        QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Library, t.name}));
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("SharedBlock")}));
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Stack, QString()}));
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Input, QStringLiteral("Input")}));
    // The library holds the article's three blocks, an MLP and a residual block.
    for (const char *name : {"Encoder", "Decoder", "Block", "MLP", "ResidualBlock"})
        QVERIFY(ModuleLibrary::find(QString::fromLatin1(name)));
}

void tst_PaletteWidget::searchFilters_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("shown");
    QTest::addColumn<QStringList>("hidden");
    QTest::addRow("by_name") << "relu" << QStringList{"ReLU", "LeakyReLU", "Encoder"} << QStringList{"Linear", "Add"};
    QTest::addRow("case") << "LINEAR" << QStringList{"Linear"} << QStringList{"ReLU"};
    QTest::addRow("by_description") << "joined along" << QStringList{"Concat"} << QStringList{"Add"};
    QTest::addRow("empty_shows_all") << "" << QStringList{"Linear", "ReLU", "Encoder"} << QStringList{};
}

void tst_PaletteWidget::searchFilters()
{
    QFETCH(QString, text);
    QFETCH(QStringList, shown);
    QFETCH(QStringList, hidden);
    Project project;
    project.setData(example(QStringLiteral("shared-block.mcproj")));
    PaletteWidget palette(&project);
    palette.searchField()->setText(text);
    auto find = [&](const QString &name) -> QTreeWidgetItem * {
        for (PaletteEntry::Kind k : {PaletteEntry::Kind::Layer, PaletteEntry::Kind::Library})
            if (QTreeWidgetItem *i = palette.itemFor(PaletteEntry{k, name}))
                return i;
        return nullptr;
    };
    for (const QString &n : shown) {
        QVERIFY2(find(n), qPrintable(n));
        QVERIFY2(!find(n)->isHidden() && !find(n)->parent()->isHidden(), qPrintable(n));
    }
    for (const QString &n : hidden)
        QVERIFY2(find(n)->isHidden(), qPrintable(n));
}

void tst_PaletteWidget::followsTheProjectTypes()
{
    Project project;
    project.setData(example(QStringLiteral("shared-block.mcproj")));
    PaletteWidget palette(&project);
    ModuleType t;
    t.name = QStringLiteral("Extra");
    QVERIFY(project.addType(t));
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("Extra")}));
    QVERIFY(project.renameType(QStringLiteral("Extra"), QStringLiteral("Other")));
    QVERIFY(!palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("Extra")}));
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("Other")}));
    QVERIFY(project.removeType(QStringLiteral("Other")));
    QVERIFY(!palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("Other")}));
    // The model is marked.
    QVERIFY(palette.itemFor(PaletteEntry{PaletteEntry::Kind::Type, QStringLiteral("ExternalInjection")})
                ->text(0).contains(QStringLiteral("(model)")));
}

void tst_PaletteWidget::dragCarriesTheEntry()
{
    Project project;
    PaletteWidget palette(&project);
    QTreeWidgetItem *item = palette.itemFor(PaletteEntry{PaletteEntry::Kind::Layer, QStringLiteral("Dropout")});
    std::unique_ptr<QMimeData> mime(palette.tree()->model()->mimeData({palette.tree()->indexFromItem(item)}));
    QVERIFY(mime);
    const auto entry = PaletteEntry::fromMimeData(mime.get());
    QVERIFY(entry);
    QCOMPARE(*entry, (PaletteEntry{PaletteEntry::Kind::Layer, QStringLiteral("Dropout")}));
    // Group headings do not drag.
    QVERIFY(!(item->parent()->flags() & Qt::ItemIsDragEnabled));
}

void tst_PaletteWidget::activationAsksToAdd()
{
    Project project;
    PaletteWidget palette(&project);
    QSignalSpy spy(&palette, &PaletteWidget::entryActivated);
    QTreeWidgetItem *item = palette.itemFor(PaletteEntry{PaletteEntry::Kind::Library, QStringLiteral("MLP")});
    Q_EMIT palette.tree()->itemActivated(item, 0);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<PaletteEntry>(), (PaletteEntry{PaletteEntry::Kind::Library, QStringLiteral("MLP")}));
}

void tst_PaletteWidget::entryBytesRoundTrip_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("name");
    QTest::addRow("layer") << int(PaletteEntry::Kind::Layer) << "Linear";
    QTest::addRow("input") << int(PaletteEntry::Kind::Input) << "Input";
    QTest::addRow("type") << int(PaletteEntry::Kind::Type) << "Encoder";
    QTest::addRow("stack") << int(PaletteEntry::Kind::Stack) << "";
}

void tst_PaletteWidget::entryBytesRoundTrip()
{
    QFETCH(int, kind);
    QFETCH(QString, name);
    const PaletteEntry e{PaletteEntry::Kind(kind), name};
    QCOMPARE(PaletteEntry::fromBytes(e.toBytes()), std::optional<PaletteEntry>(e));
    QVERIFY(!PaletteEntry::fromBytes("{\"kind\":\"rocket\"}"));
    QVERIFY(!PaletteEntry::fromBytes("not json"));
}

QTEST_MAIN(tst_PaletteWidget)
#include "tst_palettewidget.moc"
